"""API error messages are in the request's language, as on the pages."""


def message(response) -> str:
    return response.json["error"]["message"]


def headers(client):
    return {"X-CSRF-Token": client.csrf_token, "Origin": client.origin}


def test_api_errors_are_czech_by_default_and_english_when_chosen(client, users):
    client.login(users.staff)
    client.get("/crm/staff/contacts")
    bad = {"first_name": "X", "gender": "x"}
    assert message(client.get("/api/v1/crm/contacts/999999", status=404)) \
        == "Takový kontakt neexistuje"
    assert message(client.post_json("/api/v1/crm/contacts", bad, headers=headers(client),
                                    status=422)) == "Neplatný kontakt"
    client.set_cookie("hub_lang", "en")
    assert message(client.get("/api/v1/crm/contacts/999999", status=404)) == "No such contact"
    assert message(client.post_json("/api/v1/crm/contacts", bad, headers=headers(client),
                                    status=422)) == "Invalid contact"
    assert message(client.get("/api/v1/crm/segments/999999/contacts", status=404)) \
        == "No such segment"
