"""The home page shows the latest greeting."""
import transaction

from hub.testing import html_text


def test_the_home_page_shows_the_latest_greeting(testapp, add_entry):
    assert "Nejnovější pozdrav" not in html_text(testapp.get("/"))
    add_entry("Hello, hub!")
    add_entry("Welcome to the hub")
    transaction.commit()  # as the request that wrote them would: the kept block is renewed
    home = html_text(testapp.get("/"))
    assert "Nejnovější pozdrav" in home and "Welcome to the hub" in home
    assert "Hello, hub!" not in home
