"""Rooms in Czech and English: pages, mails, calendars, the API, the staff form, search
and the staff's list of what has no English version."""
import base64

import pytest
import sqlalchemy as sa

from hub.jobs import background_request
from hub.mail import MailMessage
from hub.testing import html_text
from hub_booking.models import Room, RoomPhoto
from hub_booking.search import room_documents
from tests.conftest import future_day, make_room, post_form

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def rooms(dbsession):
    translated = make_room(dbsession, "Velký sál", name_en="Main hall",
                           description="Sál pro konference.",
                           description_en="A hall for conferences.",
                           location="přízemí", location_en="ground floor")
    translated.photos.append(RoomPhoto(content_type="image/png", alt="Sál s židlemi",
                                       alt_en="The hall with chairs", data=PNG))
    plain = make_room(dbsession, "Kancelář", description="Kancelář na den.")
    dbsession.flush()
    return translated, plain


def test_english_pages_show_english_texts_and_mark_czech_ones(testapp, rooms):
    translated, plain = rooms
    testapp.set_cookie("hub_lang", "en")
    page = testapp.get("/booking")
    text = html_text(page)
    assert "Main hall" in text and "A hall for conferences." in text
    assert "ground floor" in text and "Velký sál" not in text
    link = page.html.find("a", string="Main hall")
    assert link.get("lang") is None
    fallback = page.html.find("a", string="Kancelář")
    assert fallback["lang"] == "cs"
    assert page.html.find("p", string="Kancelář na den.")["lang"] == "cs"
    page = testapp.get(f"/booking/rooms/{translated.id}")
    assert page.html.find("h1").text == "Main hall" and page.html.find("h1").get("lang") is None
    assert page.html.find("img")["alt"] == "The hall with chairs"
    assert "Booked times of Main hall" in page.text
    page = testapp.get(f"/booking/rooms/{plain.id}")
    assert page.html.find("h1").text == "Kancelář" and page.html.find("h1")["lang"] == "cs"
    feed = testapp.get(f"/booking/rooms/{translated.id}/calendar.ics")
    assert "X-WR-CALNAME:Main hall" in feed.text


def test_czech_pages_keep_the_czech_texts(testapp, rooms):
    translated, _plain = rooms
    page = testapp.get(f"/booking/rooms/{translated.id}")
    assert page.html.find("h1").text == "Velký sál" and page.html.find("h1").get("lang") is None
    assert "Main hall" not in html_text(page)


def test_booking_in_english_names_the_room_in_english_in_the_mail_and_its_ics(
        testapp, dbsession, users, rooms):
    translated, _plain = rooms
    users.member.language = "en"
    dbsession.flush()
    testapp.login(users.member)
    day = future_day()
    assert "Book: Main hall" in html_text(testapp.get(f"/booking/rooms/{translated.id}/book"))
    post_form(testapp, f"/booking/rooms/{translated.id}/book", {
        "title": "Porada", "date": day.isoformat(), "start": "10:00", "end": "11:00"},
        status=303)
    (mail,) = dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == users.member.email)).all()
    assert "Main hall" in mail.text and "Velký sál" not in mail.text
    ics = base64.b64decode(mail.attachments[0]["data"]).decode()
    assert "LOCATION:Main hall\\, ground floor" in ics
    mine = testapp.get("/booking/my")
    assert mine.html.find("td", string="Main hall") is not None


def test_a_czech_reader_gets_the_czech_name_in_the_mail(testapp, dbsession, users, rooms):
    translated, _plain = rooms
    testapp.login(users.member)
    post_form(testapp, f"/booking/rooms/{translated.id}/book", {
        "title": "Porada", "date": future_day().isoformat(), "start": "10:00",
        "end": "11:00"}, status=303)
    (mail,) = dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == users.member.email)).all()
    assert "Velký sál" in mail.text and "Main hall" not in mail.text


def test_api_answers_in_the_language_asked_for_with_translations(
        testapp, dbsession, users, rooms):
    translated, plain = rooms
    items = {r["id"]: r for r in testapp.get(
        "/api/v1/booking/rooms", headers={"Accept-Language": "en"}).json["items"]}
    assert items[translated.id]["name"] == "Main hall"
    assert items[translated.id]["location"] == "ground floor"
    assert items[translated.id]["translations"] == {"en": {
        "name": "Main hall", "description": "A hall for conferences.",
        "location": "ground floor"}}
    assert items[plain.id]["name"] == "Kancelář"
    assert items[plain.id]["translations"] == {"en": {}}
    czech = {r["id"]: r for r in testapp.get("/api/v1/booking/rooms").json["items"]}
    assert czech[translated.id]["name"] == "Velký sál"
    assert czech[translated.id]["translations"]["en"]["name"] == "Main hall"
    day = future_day()
    testapp.login(users.member)
    post_form(testapp, f"/booking/rooms/{translated.id}/book", {
        "title": "Porada", "date": day.isoformat(), "start": "10:00", "end": "11:00"},
        status=303)
    listed = testapp.get("/api/v1/booking/reservations",
                         headers={"Accept-Language": "en"}).json["items"]
    assert [r["room"] for r in listed] == ["Main hall"]
    listed = testapp.get("/api/v1/booking/reservations").json["items"]
    assert [r["room"] for r in listed] == ["Velký sál"]


def test_openapi_documents_the_translations_of_rooms(testapp):
    document = testapp.get("/api/v1/openapi.json").json
    room = document["components"]["schemas"]["BookingRoom"]["properties"]
    english = room["translations"]["properties"]["en"]["properties"]
    assert english["name"] == {"type": "string", "maxLength": 200}
    assert set(english) == {"name", "description", "location"}


def test_staff_form_saves_the_english_version_and_keeps_it_on_errors(
        testapp, dbsession, users, rooms):
    translated, plain = rooms
    testapp.login(users.staff)
    page = testapp.get(f"/booking/manage/rooms/{plain.id}")
    legend = [fs.find("legend").text for fs in page.html.find_all("fieldset")]
    assert "Anglická verze" in legend
    form = page.forms["room-form"]
    form["name_en"] = "x" * 201
    form["description_en"] = "An office for a day."
    page = form.submit(status=400)
    assert "Název může mít nejvýše 200 znaků." in html_text(page)
    form = page.forms["room-form"]
    assert form["description_en"].value == "An office for a day."
    form["name_en"], form["location_en"] = "Office", "2nd floor"
    form.submit(status=303)
    dbsession.refresh(plain)
    assert (plain.name_en, plain.description_en, plain.location_en) == (
        "Office", "An office for a day.", "2nd floor")
    form = testapp.get(f"/booking/manage/rooms/{translated.id}").forms["room-form"]
    photo = translated.photos[0]
    assert form[f"alt_en_{photo.id}"].value == "The hall with chairs"
    form[f"alt_en_{photo.id}"] = "Chairs in the hall"
    form.submit(status=303)
    dbsession.refresh(photo)
    assert photo.alt_en == "Chairs in the hall"


def test_a_new_photo_gets_its_english_description(testapp, dbsession, users, rooms):
    _translated, plain = rooms
    testapp.login(users.staff)
    form = testapp.get(f"/booking/manage/rooms/{plain.id}").forms["photo-form"]
    form["photo"] = ("office.png", PNG, "image/png")
    form["alt"], form["alt_en"] = "Stůl u okna", "A desk by the window"
    form.submit(status=303)
    photo = dbsession.scalars(sa.select(RoomPhoto).where(RoomPhoto.room_id == plain.id)).one()
    assert (photo.alt, photo.alt_en) == ("Stůl u okna", "A desk by the window")


def test_missing_translations_list_bookable_rooms_without_english(
        app, dbsession, users, rooms):
    translated, plain = rooms
    make_room(dbsession, "Zavřená místnost", is_active=False)
    request = background_request(app.registry)
    request.dbsession = dbsession
    found = [item for items in app.registry["hub.pm"].hook.hub_translations_missing(
        request=request) for item in items or () if item.url.startswith("/booking/")]
    assert [(item.title, item.fields) for item in found] == [
        ("Kancelář", ("name", "description", "location"))]
    assert found[0].url == f"/booking/manage/rooms/{plain.id}"
    translated.photos[0].alt_en = ""
    dbsession.flush()
    found = {item.title: item.fields for items in app.registry["hub.pm"].hook
             .hub_translations_missing(request=request) for item in items or ()}
    assert found["Velký sál"] == ("alt",)


def test_search_documents_per_language(dbsession, rooms):
    translated, _plain = rooms
    documents = {d.language: d for d in room_documents(dbsession, [translated])}
    assert documents["en"].title == "Main hall" and documents["cs"].title == "Velký sál"
    assert "Velký sál" in documents["en"].extra


def test_reservation_rows_and_personal_feed_follow_the_reader(testapp, dbsession, users,
                                                              rooms):
    translated, _plain = rooms
    users.member.language = "en"
    dbsession.flush()
    testapp.login(users.member)
    day = future_day()
    post_form(testapp, f"/booking/rooms/{translated.id}/book", {
        "title": "Porada", "date": day.isoformat(), "start": "10:00", "end": "11:00"},
        status=303)
    page = testapp.get("/booking/my").forms["feed-form"].submit(status=303).follow()
    url = [w for w in html_text(page).split() if "/feed/" in w][0]
    testapp.logout()
    feed = testapp.get(url.split("hub.example.org", 1)[1])
    assert "LOCATION:Main hall" in feed.text


def test_migration_adds_and_removes_the_english_columns(migration_registry):
    from hub import migrate

    registry = migration_registry("booking")
    engine = registry["hub.dbengine"]
    migrate.upgrade(registry)

    def columns():
        inspector = sa.inspect(engine)
        return ({c["name"] for c in inspector.get_columns("booking_room")}
                | {c["name"] for c in inspector.get_columns("booking_room_photo")})

    assert {"name_en", "description_en", "location_en", "alt_en"} <= columns()
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO booking_room (name, description, capacity, location, equipment, "
            "accessibility, min_duration_minutes, max_duration_minutes, min_notice_hours, "
            "max_advance_days, buffer_minutes, requires_approval, "
            "representatives_book_directly, is_active) VALUES ('Sál', '', 5, '', '[]', '[]', "
            "30, 60, 0, 10, 0, false, false, true)"))
        assert conn.execute(sa.select(Room.name_en)).scalar_one() == ""
    migrate.downgrade(registry, "booking", "b7c2e5a1d904")
    assert not {"name_en", "description_en", "location_en", "alt_en"} & columns()
    migrate.upgrade(registry)
    assert "name_en" in columns()


def test_mail_dates_follow_the_recipients_language_not_the_page_they_were_caused_on(
        testapp, dbsession, users, rooms):
    from hub_booking.models import Reservation
    from hub_booking.services import format_span

    translated, _plain = rooms
    users.member.language = "en"
    dbsession.flush()
    testapp.login(users.member)
    testapp.set_cookie("hub_lang", "cs")  # the page is read in Czech this time
    post_form(testapp, f"/booking/rooms/{translated.id}/book", {
        "title": "Porada", "date": future_day().isoformat(), "start": "10:00",
        "end": "11:00"}, status=303)
    booked = dbsession.scalars(sa.select(Reservation)).one()
    (mail,) = dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == users.member.email)).all()
    english = format_span(None, booked.starts_at, booked.ends_at, "en")
    czech = format_span(None, booked.starts_at, booked.ends_at, "cs")
    assert english != czech
    assert english in mail.text and czech not in mail.text
