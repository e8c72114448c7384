"""API error messages are in the request's language, as on the pages."""


def message(response) -> str:
    return response.json["error"]["message"]


def headers(testapp) -> dict:
    return {"X-CSRF-Token": testapp.csrf_token.strip('"'), "Origin": testapp.origin}


def test_api_errors_are_czech_by_default_and_english_when_chosen(testapp, users, make_event):
    event = make_event()
    assert message(testapp.get("/api/v1/events/999999", status=404)) \
        == "Taková akce neexistuje."
    testapp.login(users.member)
    url = f"/api/v1/events/{event.id}/registrations"
    assert message(testapp.delete(url, headers=headers(testapp), status=404)) \
        == "Na tuto akci nejste přihlášeni."
    assert message(testapp.post_json(url, [1], headers=headers(testapp), status=422)) \
        == "Pošlete objekt JSON."
    testapp.set_cookie("hub_lang", "en")
    assert message(testapp.get("/api/v1/events/999999", status=404)) == "No such event."
    assert message(testapp.post_json(url, [1], headers=headers(testapp), status=422)) \
        == "Send a JSON object."


def test_a_rejected_event_speaks_one_language(testapp, users):
    testapp.login(users.staff)
    bad = {"title": "", "starts_at": "2030-05-01T10:00:00+02:00"}
    czech = testapp.post_json("/api/v1/events", bad, headers=headers(testapp),
                              status=422).json["error"]
    assert czech["message"] == "Údaje akce nejsou platné."
    testapp.set_cookie("hub_lang", "en")
    english = testapp.post_json("/api/v1/events", bad, headers=headers(testapp),
                                status=422).json["error"]
    assert english["message"] == "The event is not valid."
    # The field messages follow the same language.
    assert set(english["details"]["fields"]) == set(czech["details"]["fields"])
    assert english["details"]["fields"] != czech["details"]["fields"]
