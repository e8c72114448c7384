"""Content in two languages: the model mixin, the API's translations, Accept-Language and
the staff's list of what is missing."""
import pytest

from hub import hookimpl
from hub.testing import html_text
from hub.translations import (
    MissingTranslation,
    Translated,
    read_translations,
    translations_json,
    translations_schema,
)


class Room(Translated):
    TRANSLATED = ("name", "description")

    def __init__(self, name="", name_en="", description="", description_en=""):
        self.name, self.name_en = name, name_en
        self.description, self.description_en = description, description_en


def test_english_text_with_czech_fallback_and_its_language():
    room = Room(name="Velký sál", name_en="Large hall", description="Pro 40 lidí")
    assert room.translated("name", "en") == "Large hall"
    assert room.translated("name", "cs") == "Velký sál"
    assert room.translated("description", "en") == "Pro 40 lidí"
    assert (room.language_of("name", "en"), room.language_of("description", "en")) == (
        "en", "cs")
    assert room.missing_translations() == ["description"]
    assert translations_json(room) == {"en": {"name": "Large hall"}}
    assert Room(name="Sál", name_en="  ").translated("name", "en") == "Sál"


def test_translations_in_api_bodies():
    fields = {"name": 20, "description": None}
    assert read_translations({}, fields) == ({}, {})
    values, errors = read_translations(
        {"translations": {"en": {"name": " Hall ", "description": "For 40"}}}, fields)
    assert (values, errors) == ({"name_en": "Hall", "description_en": "For 40"}, {})
    _values, errors = read_translations({"translations": {
        "de": {"name": "Saal"}, "en": {"name": "x" * 21, "colour": "red", "description": 5}}},
        fields)
    assert errors == {"translations.de": "unknown language",
                      "translations.en.name": "at most 20 characters",
                      "translations.en.colour": "not translatable",
                      "translations.en.description": "must be a string"}
    assert read_translations({"translations": []}, fields)[1] == {
        "translations": "must be an object"}
    schema = translations_schema(fields)
    assert schema["properties"]["en"]["properties"]["name"] == {"type": "string",
                                                                "maxLength": 20}


@pytest.mark.parametrize(("header", "expected"), [
    ("en", "There is nothing at this address."),
    ("en-GB,en;q=0.8", "There is nothing at this address."),
    ("cs", "Na této adrese nic není."),
    ("de", "Na této adrese nic není."),  # no match: the hub's language
])
def test_api_clients_choose_the_language_with_accept_language(testapp, header, expected):
    reply = testapp.get("/api/v1/no-such-thing", headers={"Accept-Language": header},
                        status=404)
    assert reply.json["error"]["message"] == expected


def test_pages_keep_the_visitors_choice_not_the_browsers(testapp):
    page = testapp.get("/", headers={"Accept-Language": "en"})
    assert page.html.find("html")["lang"] == "cs"


class MissingPlugin:
    @hookimpl
    def hub_translations_missing(self, request):
        return [MissingTranslation(kind="Event", title="Den pacientů", url="/events/1/edit",
                                   fields=("title", "summary")),
                MissingTranslation(kind="Course", title="Práva pacientů", url="/c/1",
                                   fields=("description",))]


def test_staff_see_what_is_missing_in_english(make_app, make_testapp, users):
    app = make_app(**{"hub.plugins": ""})
    client = make_testapp(app)
    client.login(users.member)
    client.get("/admin/translations", status=403)
    client.login(users.staff)
    assert "Vše má anglickou verzi." in html_text(client.get("/admin/translations"))
    assert "/admin/translations" in client.get("/admin").text
    pm = app.registry["hub.pm"]
    plugin = pm.register(MissingPlugin(), name="missing-test")
    try:
        page = client.get("/admin/translations")
    finally:
        pm.unregister(name=plugin)
    text = html_text(page)
    assert "Bez anglické verze: 2" in text
    assert "Den pacientů" in text and "Nadpis, Shrnutí" in text and "Popis" in text
    assert page.html.find("a", string="Den pacientů")["href"] == "/events/1/edit"


def test_api_names_translated_columns_as_in_its_translations_object():
    from hub.translations import api_field

    assert api_field("subject_en") == "translations.en.subject"
    assert api_field("header_html_en") == "translations.en.header_html"
    assert api_field("subject") == "subject" and api_field("token") == "token"
