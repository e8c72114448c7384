"""API error messages are in the request's language, as on the pages."""


def message(response) -> str:
    return response.json["error"]["message"]


def test_api_errors_are_czech_by_default_and_english_when_chosen(testapp, users):
    testapp.login(users.member)
    url = "/api/v1/booking/reservations"
    assert message(testapp.get("/api/v1/booking/rooms/999999/availability", status=404)) \
        == "Taková místnost neexistuje."
    assert message(testapp.get(url, {"status": "x"}, status=422)) == "Neznámý stav."
    testapp.set_cookie("hub_lang", "en")
    assert message(testapp.get("/api/v1/booking/rooms/999999/availability", status=404)) \
        == "No such room."
    assert message(testapp.get(url, {"status": "x"}, status=422)) == "Unknown status."
