"""Calls in English: what staff still have to translate, and the API in the language a
client asks for."""
import datetime as dt

from hub.db import utcnow
from hub.testing import html_text


def texts(dbsession, call, **values):
    """``call`` with other texts than the fixture's."""
    for name, value in values.items():
        setattr(call, name, value)
    dbsession.flush()
    return call


def test_calls_people_can_read_without_english_are_listed(hub_request, dbsession,
                                                          make_call):
    from hub_grants import hooks

    now = utcnow()
    untranslated = texts(dbsession, make_call(), title_en="", description_en="")
    no_description = texts(dbsession, make_call(), title_cs="Velké granty")
    upcoming = texts(dbsession, make_call(opens=now + dt.timedelta(days=5),
                                          deadline=now + dt.timedelta(days=30)),
                     title_cs="Příští granty", title_en="")
    texts(dbsession, make_call(), title_cs="Přeloženo", description_en="Description")
    texts(dbsession, make_call(), title_cs="Koncept", title_en="", published=False)
    texts(dbsession, make_call(opens=now - dt.timedelta(days=30),
                               deadline=now - dt.timedelta(days=1)),
          title_cs="Uzavřeno", title_en="")
    found = {item.title: item for item in hooks.hub_translations_missing(hub_request)}
    assert set(found) == {"Malé granty", "Velké granty", "Příští granty"}
    assert found["Malé granty"].fields == ("title", "description")
    assert found["Malé granty"].url == f"/grants/staff/calls/{untranslated.id}/edit"
    assert found["Velké granty"].fields == ("description",)
    assert found["Velké granty"].url == f"/grants/staff/calls/{no_description.id}/edit"
    assert found["Příští granty"].url == f"/grants/staff/calls/{upcoming.id}/edit"


def test_staff_page_lists_the_calls(client, users, dbsession, make_call):
    call = texts(dbsession, make_call(), title_en="")
    client.login(users.staff)
    page = client.get("/admin/translations")
    assert "Grantová výzva" in html_text(page)
    assert page.html.find("a", string="Malé granty")["href"] == \
        f"/grants/staff/calls/{call.id}/edit"


def test_calls_api_for_an_english_client(client, dbsession, make_call):
    call = texts(dbsession, make_call(), description_en="For small projects.")
    english = {"Accept-Language": "en"}
    listed = client.get("/api/v1/grants/calls", headers=english).json
    item = next(i for i in listed["items"] if i["id"] == call.id)
    assert item["title"] == {"cs": "Malé granty", "en": "Small grants"}
    assert item["description"]["en"] == "For small projects."
    assert [c["name"]["en"] for c in item["criteria"]] == ["Benefit", "Budget"]
    reply = client.get("/api/v1/grants/calls?page=0", headers=english, status=422)
    assert reply.json["error"]["message"] == "page must be a whole number from 1 to 100000."
    reply = client.get("/api/v1/grants/calls?page=0", status=422)
    assert reply.json["error"]["message"] == "page musí být celé číslo od 1 do 100000."


def test_an_english_page_marks_the_czech_texts_it_falls_back_to(client, dbsession, make_call):
    call = texts(dbsession, make_call(), description_en="")
    client.set_cookie("hub_lang", "en")
    page = client.get(f"/grants/calls/{call.id}")
    heading = page.html.find("h1")
    assert heading.text == "Small grants" and heading.get("lang") is None
    description = page.html.find("p", string="Popis").parent
    assert description.get("lang") == "cs"
    listed = client.get("/grants").html.find("a", string="Small grants")
    assert listed.get("lang") is None
    texts(dbsession, call, title_en="")
    page = client.get(f"/grants/calls/{call.id}")
    assert page.html.find("h1").get("lang") == "cs"
    assert client.get("/grants").html.find("a", string="Malé granty").get("lang") == "cs"
    client.set_cookie("hub_lang", "cs")
    page = client.get(f"/grants/calls/{call.id}")
    assert page.html.find("h1").get("lang") is None
    assert page.html.find("p", string="Popis").parent.get("lang") is None
