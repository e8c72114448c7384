"""Events and talks in Czech and English: pages, the API, the staff's form, what is missing."""
import datetime as dt

import sqlalchemy as sa

from hub import migrate
from hub.db import utcnow
from hub.testing import html_text

from .conftest import api_headers
from .test_hooks import _request
from .test_migrations import empty_registry  # noqa: F401 (a fixture)


def test_english_page_shows_english_texts(testapp, make_event, dbsession):
    from hub_events.models import Talk

    event = make_event(title="Přednáška o diabetu", title_en="A lecture on diabetes",
                       summary="Shrnutí", summary_en="Summary",
                       description="Popis akce", description_en="About the event",
                       accessibility_note="Bezbariérový vchod",
                       accessibility_note_en="Step-free entrance")
    dbsession.add(Talk(event_id=event.id, title="Úvod", title_en="Introduction",
                       starts_at=event.starts_at, ends_at=event.ends_at))
    dbsession.flush()
    testapp.set_cookie("hub_lang", "en")
    page = testapp.get(f"/events/{event.id}")
    assert page.html.find("h1").text == "A lecture on diabetes"
    text = html_text(page)
    for english in ("Summary", "About the event", "Step-free entrance", "Introduction"):
        assert english in text
    assert "Popis akce" not in text and "Bezbariérový vchod" not in text
    assert not page.html.select("main [lang=cs]")
    listing = testapp.get("/events")
    assert listing.html.find("a", string="A lecture on diabetes") is not None
    assert "SUMMARY:A lecture on diabetes" in testapp.get(f"/events/{event.id}/event.ics").text
    # The Czech page keeps the Czech texts.
    testapp.set_cookie("hub_lang", "cs")
    assert testapp.get(f"/events/{event.id}").html.find("h1").text == "Přednáška o diabetu"


def test_untranslated_text_falls_back_to_czech_marked_as_czech(testapp, make_event, dbsession):
    from hub_events.models import Talk

    event = make_event(title="Jen česky", summary="Krátce česky", title_en="",
                       description="Dlouze česky")
    dbsession.add(Talk(event_id=event.id, title="Česká přednáška", starts_at=event.starts_at,
                       ends_at=event.ends_at))
    dbsession.flush()
    testapp.set_cookie("hub_lang", "en")
    page = testapp.get(f"/events/{event.id}")
    heading = page.html.find("h1")
    assert heading.text == "Jen česky" and heading["lang"] == "cs"
    assert page.html.find("p", class_="hub-lead")["lang"] == "cs"
    assert page.html.find("p", string="Dlouze česky")["lang"] == "cs"
    assert page.html.find("th", string="Česká přednáška")["lang"] == "cs"
    link = testapp.get("/events").html.find("a", string="Jen česky")
    assert link["lang"] == "cs"
    # On a Czech page nothing needs marking.
    testapp.set_cookie("hub_lang", "cs")
    assert testapp.get(f"/events/{event.id}").html.find("h1").get("lang") is None


def test_api_answers_in_the_language_asked_for(testapp, make_event, dbsession):
    from hub_events.models import Talk

    event = make_event(title="Přednáška o diabetu", title_en="A lecture on diabetes",
                       summary="Shrnutí")
    dbsession.add(Talk(event_id=event.id, title="Úvod", title_en="Introduction",
                       starts_at=event.starts_at, ends_at=event.ends_at))
    dbsession.flush()
    english = testapp.get(f"/api/v1/events/{event.id}",
                          headers={"Accept-Language": "en"}).json
    assert english["title"] == "A lecture on diabetes"
    assert english["summary"] == "Shrnutí"  # no English summary: the Czech one
    assert english["translations"] == {"en": {"title": "A lecture on diabetes"}}
    assert english["programme"][0]["title"] == "Introduction"
    assert english["programme"][0]["translations"] == {"en": {"title": "Introduction"}}
    czech = testapp.get(f"/api/v1/events/{event.id}", headers={"Accept-Language": "cs"}).json
    assert czech["title"] == "Přednáška o diabetu"
    assert czech["translations"] == english["translations"]
    listed = testapp.get("/api/v1/events", headers={"Accept-Language": "en"}).json["items"]
    assert [e["title"] for e in listed] == ["A lecture on diabetes"]


BODY = {"title": "Akce z API", "starts_at": "2031-05-01T10:00:00+02:00",
        "ends_at": "2031-05-01T12:00:00+02:00", "address": "Brno"}


def test_api_creates_an_event_with_its_english_version(testapp, users, dbsession):
    from hub_events.models import Event

    testapp.login(users.staff)
    created = testapp.post_json("/api/v1/events", {**BODY, "translations": {"en": {
        "title": " An event from the API ", "description": "In English"}}},
        headers=api_headers(testapp), status=201).json
    event = dbsession.get(Event, created["id"])
    assert (event.title_en, event.description_en, event.summary_en) == (
        "An event from the API", "In English", "")
    assert created["translations"] == {"en": {"title": "An event from the API",
                                              "description": "In English"}}


def test_api_refuses_invalid_translations_with_field_paths(testapp, users, dbsession):
    from hub_events.models import Event

    testapp.login(users.staff)
    error = testapp.post_json("/api/v1/events", {**BODY, "translations": {
        "en": {"title": "x" * 201, "kind": "Lecture"}, "de": {"title": "Vortrag"}}},
        headers=api_headers(testapp), status=422).json["error"]
    assert error["code"] == "validation_failed"
    assert set(error["details"]["fields"]) == {"translations.en.title", "translations.en.kind",
                                               "translations.de"}
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_staff_form_saves_and_keeps_the_english_version(testapp, users, dbsession):
    from hub_events.models import Event

    testapp.login(users.staff)
    page = testapp.get("/events/manage/new")
    legend = page.html.find("fieldset", id="event-english").find("legend")
    assert legend.text == "Anglická verze"
    form = page.forms["events-event"]
    form["title"] = "Seminář o právech pacientů"
    form["title_en"] = "A seminar on patients' rights"
    form["summary_en"] = "x" * 501
    form["description_en"] = "In English."
    form["starts_at"] = "2031-03-10T17:00"
    form["ends_at"] = "2031-03-10T19:00"
    form["venue"] = "address"
    form["address"] = "Praha"
    resp = form.submit(status=422)
    assert resp.html.find(id="event-summary_en-error") is not None
    form = resp.forms["events-event"]
    assert form["title_en"].value == "A seminar on patients' rights"  # kept on errors
    form["summary_en"] = "In short."
    form.submit().follow()
    event = dbsession.scalar(sa.select(Event))
    assert (event.title_en, event.summary_en, event.description_en) == (
        "A seminar on patients' rights", "In short.", "In English.")
    edit = testapp.get(f"/events/manage/{event.id}")
    assert edit.forms["events-event"]["title_en"].value == "A seminar on patients' rights"


def test_staff_saves_the_english_title_of_a_talk(testapp, users, make_event, dbsession):
    from hub_events.models import Talk

    event = make_event()
    testapp.login(users.staff)
    form = testapp.get(f"/events/manage/{event.id}").forms["events-talk"]
    form["title"] = "Úvod"
    form["title_en"] = "Introduction"
    form.submit().follow()
    talk = dbsession.scalar(sa.select(Talk))
    assert (talk.title, talk.title_en) == ("Úvod", "Introduction")


def test_staff_see_what_is_missing_and_not_what_is_translated(app, make_event, dbsession):
    from hub_events.hooks import hub_translations_missing
    from hub_events.models import Talk

    done = make_event(title="Přeloženo", title_en="Translated", summary="Ano",
                      summary_en="Yes")
    missing = make_event(title="Nepřeloženo", summary="Shrnutí", title_en="Untranslated")
    make_event(title="Koncept", state="draft")
    make_event(title="Zrušeno", state="cancelled")
    old = utcnow() - dt.timedelta(days=400)
    make_event(title="Dávno", starts_at=old)
    dbsession.add(Talk(event_id=done.id, title="Bez překladu", starts_at=done.starts_at,
                       ends_at=done.ends_at))
    dbsession.flush()
    request, context = _request(app, dbsession)
    with context:
        found = {(str(item.kind), item.title): item for item in
                 hub_translations_missing(request)}
    assert set(found) == {("Event", "Nepřeloženo"), ("Talk", "Bez překladu")}
    assert found[("Event", "Nepřeloženo")].fields == ("summary",)
    assert found[("Event", "Nepřeloženo")].url == f"/events/manage/{missing.id}"
    assert found[("Talk", "Bez překladu")].fields == ("title",)


def test_missing_translations_reach_the_staff_page(testapp, users, make_event):
    make_event(title="Nepřeložená akce")
    make_event(title="Přeložená akce", title_en="A translated event")
    testapp.login(users.staff)
    text = html_text(testapp.get("/admin/translations"))
    assert "Nepřeložená akce" in text and "Přeložená akce" not in text


def test_demo_events_are_mostly_translated(app, dbsession):
    from hub_events.demo import create_demo_data
    from hub_events.models import Event

    create_demo_data(dbsession)
    events = dbsession.scalars(sa.select(Event)).all()
    untranslated = [e.title for e in events if not e.title_en]
    assert untranslated == ["Online setkání: duševní zdraví pečujících"]
    assert all(not e.missing_translations() for e in events if e.title_en)


def test_migration_adds_and_removes_the_english_columns(empty_registry):  # noqa: F811
    registry = empty_registry
    migrate.upgrade(registry, branch="core")
    migrate.upgrade(registry, "e2c5a7f3b914", branch="events")
    engine = registry["hub.dbengine"]
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO events_event (title, kind, venue, starts_at, ends_at, taken, audience, "
            "state, summary, description, speakers, address, accessibility, "
            "accessibility_note, online_url, approval_required, questions, privacy_notice, "
            "video_url, embed_url, captions_url, transcript, materials, recording_published, "
            "created_at, stakeholders) VALUES ('A', 'lecture', 'online', '2026-01-01 10:00:00', "
            "'2026-01-01 12:00:00', 0, 'public', 'published', '', '', '', '', '[]', '', '', "
            ":f, '', '', '', '', '', '', '', :f, '2026-01-01 10:00:00', '[]')"), {"f": False})
    migrate.upgrade(registry, branch="events")
    with engine.connect() as conn:
        assert conn.execute(sa.text(
            "SELECT title, title_en, summary_en, description_en, accessibility_note_en "
            "FROM events_event")).one() == ("A", "", "", "", "")
    migrate.downgrade(registry, "events", "e2c5a7f3b914")
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("events_event")}
        talk_columns = {c["name"] for c in sa.inspect(conn).get_columns("events_talk")}
    assert "title_en" not in columns and "title_en" not in talk_columns and "title" in columns


def test_search_has_an_english_document_with_the_english_texts(make_event):
    from hub_events.search import event_documents

    event = make_event(title="Přednáška o diabetu", title_en="A lecture on diabetes",
                       summary="Shrnutí", description="Popis", description_en="About")
    documents = {d.language: d for d in event_documents(None, [event])}
    assert set(documents) == {"cs", "en"}
    assert (documents["en"].title, documents["en"].summary) == ("A lecture on diabetes",
                                                                "Shrnutí")
    assert "About" in documents["en"].body and "Popis" in documents["cs"].body
    assert "A lecture on diabetes" in documents["cs"].extra
    assert documents["cs"].title == "Přednáška o diabetu"
