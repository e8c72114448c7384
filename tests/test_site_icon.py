"""The site icon browsers ask for on their own."""


def test_favicon_is_served(testapp):
    response = testapp.get("/favicon.ico")
    assert response.content_type == "image/x-icon"
    assert response.body[:4] == b"\x00\x00\x01\x00"  # the ICO signature
    assert response.cache_control.max_age == 86400
