"""API error messages are in the request's language, as on the pages."""


def message(response) -> str:
    return response.json["error"]["message"]


def test_api_errors_are_czech_by_default_and_english_when_chosen(client):
    assert message(client.get("/api/v1/news/articles/999999", status=404)) \
        == "Zveřejněný článek s tímto id neexistuje."
    assert message(client.get("/api/v1/news/articles?page=0", status=422)) \
        == "page musí být celé číslo od 1 do 100000."
    client.set_cookie("hub_lang", "en")
    assert message(client.get("/api/v1/news/articles/999999", status=404)) \
        == "No published article with this id."
    assert message(client.get("/api/v1/news/articles?page=0", status=422)) \
        == "page must be a whole number from 1 to 100000."
