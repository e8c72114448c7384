"""API error messages are in the request's language, as on the pages."""
from .conftest import add_list


def test_api_errors_are_czech_by_default_and_english_when_chosen(nl_testapp, dbsession):
    add_list(dbsession)
    headers = {"Origin": "https://hub.example.org",
               "X-CSRF-Token": nl_testapp.csrf_token.strip('"')}
    url = "/api/v1/newsletter/subscriptions"
    bad = {"email": "x", "lists": ["novinky"], "consent": True}
    unknown = {"email": "a@example.cz", "lists": ["neni"], "consent": True}
    czech = nl_testapp.post_json(url, bad, headers=headers, status=422).json["error"]
    assert czech["message"] == "Přihláška k odběru není platná."
    assert czech["details"] == {"email": "Zadejte platnou e-mailovou adresu."}
    assert nl_testapp.post_json(url, unknown, headers=headers, status=422).json["error"][
        "message"] == "Neznámý seznam."
    nl_testapp.set_cookie("hub_lang", "en")
    english = nl_testapp.post_json(url, bad, headers=headers, status=422).json["error"]
    assert english["message"] == "The subscription is not valid."
    assert english["details"] == {"email": "Enter a valid e-mail address."}
    assert nl_testapp.post_json(url, unknown, headers=headers, status=422).json["error"][
        "message"] == "Unknown list."
