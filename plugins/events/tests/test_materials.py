"""An event's materials from the core's media library: public documents only, listed on
the event's page and in the API, kept from deletion while an event lists them."""
import pytest
import sqlalchemy as sa

from hub import migrate
from hub.testing import html_text

from .conftest import api_headers

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" \
    + b"%" * 2000


@pytest.fixture
def library_document(add_media):
    """``library_document(is_public=..., title=...)``: a PDF of the media library."""

    def _make(name="prezentace.pdf", **values):
        return add_media("document", PDF, file_name=name, **{
            "title": "Prezentace z přednášky", "is_public": True, **values})

    return _make


def _choose(testapp, event, *items, status=303):
    form = testapp.get(f"/events/manage/{event.id}").forms["events-event"]
    for item in items:
        _box(form, item).checked = True
    return form.submit(status=status)


def _box(form, item):
    return next(b for b in form.fields["material_ids"] if b._value == str(item.id))


def test_staff_choose_public_documents_and_visitors_download_them(
        testapp, make_testapp, app, users, make_event, library_document, dbsession):
    from hub_events.materials import material_ids

    event = make_event(materials="Záznam na webu pořadatele\nhttps://example.org/zaznam")
    slides = library_document(title_en="Lecture slides")
    handout = library_document(name="leták.pdf", title="Leták pro pacienty")
    testapp.login(users.staff)
    form_page = testapp.get(f"/events/manage/{event.id}")
    box = form_page.html.find("fieldset", id="event-material_ids")
    assert box.find("legend").text == "Materiály z knihovny médií"
    hint = form_page.html.find(id="event-material_ids-hint")
    assert box["aria-describedby"] == "event-material_ids-hint"
    assert hint.find("a")["href"] == "/admin/media"
    assert form_page.html.find("label", attrs={"for": f"event-material_ids-{slides.id}"})
    _choose(testapp, event, handout, slides)
    # In the form's order (the documents by title).
    assert material_ids(dbsession, event.id) == [handout.id, slides.id]

    visitor = make_testapp(app)
    page = visitor.get(f"/events/{event.id}")
    items = page.html.select("#materials ~ ul li")
    assert [li.find("a").text for li in items if li.find("a")] == [
        "Leták pro pacienty", "Prezentace z přednášky", "https://example.org/zaznam"]
    assert "Záznam na webu pořadatele" in items[2].text
    assert "(PDF, 2 kB)" in html_text(page)
    link = items[1].find("a")["href"]
    assert link == f"/media/{slides.id}/prezentace.pdf"
    assert visitor.get(link).body == PDF
    # In English: the English title, and the Czech one marked as Czech.
    visitor.set_cookie("hub_lang", "en")
    english = visitor.get(f"/events/{event.id}").html.select("#materials ~ ul li a")
    assert (english[1].text, english[1]["lang"]) == ("Lecture slides", "en")
    assert (english[0].text, english[0]["lang"]) == ("Leták pro pacienty", "cs")

    # Unticking removes the document; the free-text lines stay.
    form = testapp.get(f"/events/manage/{event.id}").forms["events-event"]
    _box(form, handout).checked = False
    form.submit(status=303)
    assert material_ids(dbsession, event.id) == [slides.id]


def test_a_private_document_is_refused_with_a_message(
        testapp, users, make_event, library_document, dbsession):
    from hub_events.materials import material_ids

    event = make_event()
    private = library_document(title="Interní podklady", is_public=False)
    testapp.login(users.staff)
    form = testapp.get(f"/events/manage/{event.id}").forms["events-event"]
    label = form.html.find("label", attrs={"for": f"event-material_ids-{private.id}"})
    assert label.text == "Interní podklady (není veřejný)"
    page = _choose(testapp, event, private, status=422)
    summary = page.html.find(class_="hub-error-summary")
    assert summary.find("a")["href"] == "#event-material_ids"
    assert "Nejprve jej v knihovně médií zveřejněte." in summary.text
    error = page.html.find(id="event-material_ids-error")
    assert "Interní podklady" in error.text
    assert page.html.find("fieldset", id="event-material_ids")["aria-describedby"] == \
        "event-material_ids-hint event-material_ids-error"
    assert material_ids(dbsession, event.id) == []
    # A document made private later drops off the page rather than linking to a 404.
    public = library_document()
    _choose(testapp, event, public)
    public.is_public = False
    dbsession.flush()
    testapp.login(users.member)
    assert testapp.get(f"/events/{event.id}").html.find(id="materials") is None


def test_the_library_refuses_deleting_a_document_an_event_lists(
        testapp, users, make_event, library_document, dbsession):
    from hub.media import MediaItem
    from hub_events.materials import set_materials

    event = make_event()
    item = library_document()
    set_materials(dbsession, event, [item.id])
    testapp.login(users.staff)
    answer = testapp.delete(f"/api/v1/media/{item.id}", headers=api_headers(testapp),
                            status=409).json
    assert answer["error"]["details"]["uses"] == [f"Materiál akce „{event.title}“"]
    dbsession.expire_all()
    assert dbsession.get(MediaItem, item.id) is not None
    set_materials(dbsession, event, [])
    testapp.delete(f"/api/v1/media/{item.id}", headers=api_headers(testapp))
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(MediaItem)) == 0


def test_the_database_keeps_a_listed_document_and_drops_the_rows_of_a_deleted_event(
        make_event, library_document, dbsession):
    from hub_events.materials import set_materials
    from hub_events.models import EventMaterial

    event = make_event()
    item = library_document()
    set_materials(dbsession, event, [item.id])
    with pytest.raises(sa.exc.IntegrityError), dbsession.begin_nested():
        dbsession.execute(sa.text("DELETE FROM media_item WHERE id = :id"), {"id": item.id})
    with pytest.raises(sa.exc.IntegrityError), dbsession.begin_nested():
        dbsession.add(EventMaterial(event_id=event.id, media_id=item.id, position=1))
        dbsession.flush()
    dbsession.execute(sa.text("DELETE FROM events_event WHERE id = :id"), {"id": event.id})
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(EventMaterial)) == 0


def test_the_api_lists_and_takes_materials(testapp, users, make_event, library_document):
    item = library_document(title_en="Lecture slides")
    private = library_document(title="Interní", is_public=False)
    testapp.login(users.staff)
    body = {"title": "Přednáška", "starts_at": "2031-05-01T17:00:00+02:00",
            "ends_at": "2031-05-01T19:00:00+02:00", "address": "Praha",
            "material_ids": [private.id]}
    refused = testapp.post_json("/api/v1/events", body, headers=api_headers(testapp),
                                status=422).json
    assert "zveřejněte" in refused["error"]["details"]["fields"]["material_ids"]
    created = testapp.post_json("/api/v1/events", {**body, "material_ids": [item.id]},
                                headers=api_headers(testapp), status=201).json
    expected = {"id": item.id, "title": "Prezentace z přednášky",
                "url": f"https://hub.example.org/media/{item.id}/prezentace.pdf",
                "content_type": "application/pdf", "size": len(PDF)}
    assert created["materials"] == [expected]
    detail = testapp.get(f"/api/v1/events/{created['id']}",
                         headers={"Accept-Language": "en"}).json
    assert detail["materials"] == [{**expected, "title": "Lecture slides"}]
    listed = {e["id"]: e for e in testapp.get("/api/v1/events").json["items"]}
    assert listed[created["id"]]["materials"] == [expected]
    schema = testapp.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert "material_ids" in schema["EventInput"]["properties"]
    assert "materials" in schema["Event"]["properties"]


def test_a_copy_keeps_the_materials(testapp, users, make_event, library_document, dbsession):
    from hub_events.materials import material_ids, set_materials
    from hub_events.models import Event

    from .conftest import form_post

    event = make_event()
    item = library_document()
    set_materials(dbsession, event, [item.id])
    testapp.login(users.staff)
    form_post(testapp, f"/events/manage/{event.id}/clone", {})
    copy = dbsession.scalar(sa.select(Event).where(Event.id != event.id))
    assert material_ids(dbsession, copy.id) == [item.id]


def test_the_demo_materials_are_a_public_library_document(testapp, dbsession, registry):
    from hub.demo import core_demo_data
    from hub.media import MediaItem
    from hub_events.demo import PAST, create_demo_data
    from hub_events.materials import material_ids
    from hub_events.models import Event

    core_demo_data(dbsession, 1)
    create_demo_data(dbsession, 1, registry)
    create_demo_data(dbsession, 1, registry)  # idempotent
    past = dbsession.scalars(sa.select(Event).where(Event.title.in_([p[0] for p in PAST]))
                             ).all()
    assert len(past) == 2
    ids = {tuple(material_ids(dbsession, e.id)) for e in past}
    assert len(ids) == 1 and len(next(iter(ids))) == 1
    item = dbsession.get(MediaItem, next(iter(ids))[0])
    assert item.is_public and item.kind == "document" and item.title_en
    assert all("/static/" not in e.materials for e in past)
    link = testapp.get(f"/events/{past[0].id}").html.select_one("#materials ~ ul a")
    assert testapp.get(link["href"]).body[:5] == b"%PDF-"


def test_the_migration_creates_and_drops_the_table(migration_registry):
    registry = migration_registry("events")
    migrate.upgrade(registry, branch="core")
    migrate.upgrade(registry, branch="events")
    engine = registry["hub.dbengine"]
    assert "events_material" in sa.inspect(engine).get_table_names()
    migrate.downgrade(registry, "events", "a8c3e5f1d7b2")
    assert "events_material" not in sa.inspect(engine).get_table_names()
