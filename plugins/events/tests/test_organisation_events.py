"""Events by organisations: drafted and submitted by a representative or editor, reviewed
by staff; the organisation runs its own event's registrations; its own organisation only."""
import sqlalchemy as sa

from hub.notifications.models import Notification
from hub.testing import html_text
from hub_events.models import Event, Registration

from .conftest import api_headers, form_post

BODY = {"title": "Setkání pacientů s roztroušenou sklerózou", "venue": "online",
        "online_url": "https://meet.example.org/rs",
        "starts_at": "2031-05-01T17:00:00+02:00", "ends_at": "2031-05-01T19:00:00+02:00"}


def test_api_representative_submits_staff_publish(testapp, make_testapp, app, users,
                                                  dbsession):
    anonymous_client = make_testapp(app)
    org = users.organisation
    testapp.login(users.representative)
    created = testapp.post_json("/api/v1/events", {**BODY, "organisation_id": org.id,
                                                   "state": "published"},
                                headers=api_headers(testapp), status=201).json
    assert created["state"] == "submitted" and created["organisation_id"] == org.id
    event_id = created["id"]
    # Not public: not listed, not readable by others, not publishable by the organisation.
    assert event_id not in [e["id"] for e in anonymous_client.get("/api/v1/events").json[
        "items"]]
    anonymous_client.get(f"/api/v1/events/{event_id}", status=404)
    testapp.post_json(f"/api/v1/events/{event_id}/publish", {},
                      headers=api_headers(testapp), status=403)
    assert dbsession.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == users.staff.id, Notification.kind == "events.review")) == 1
    testapp.login(users.staff)
    published = testapp.post_json(f"/api/v1/events/{event_id}/publish", {},
                                  headers=api_headers(testapp)).json
    assert published["state"] == "published"
    testapp.post_json(f"/api/v1/events/{event_id}/publish", {},
                      headers=api_headers(testapp), status=409)
    page = html_text(anonymous_client.get(f"/events/{event_id}"))
    assert org.name in page
    assert dbsession.scalar(sa.select(Notification.subject).where(
        Notification.user_id == users.representative.id,
        Notification.kind == "events.review")).startswith("Vaše akce je zveřejněna")


def test_api_representative_acts_for_their_own_organisation_only(testapp, users, dbsession):
    testapp.login(users.representative)
    for org_id in (users.other_organisation.id, None, "1", True):
        testapp.post_json("/api/v1/events", {**BODY, "organisation_id": org_id},
                          headers=api_headers(testapp), status=403)
    testapp.login(users.member)  # a plain member acts for nobody
    testapp.post_json("/api/v1/events", {**BODY, "organisation_id": users.organisation.id},
                      headers=api_headers(testapp), status=403)
    bad = testapp.login(users.representative).post_json(
        "/api/v1/events", {**BODY, "organisation_id": users.organisation.id,
                           "ends_at": "2031-05-01T16:00:00+02:00"},
        headers=api_headers(testapp), status=422).json
    assert "ends_at" in bad["error"]["details"]["fields"]
    assert dbsession.scalar(sa.select(sa.func.count(Event.id))) == 0


def test_pages_draft_submit_return_and_publish(testapp, make_testapp, app, users, dbsession):
    org = users.organisation
    testapp.login(users.representative)
    assert f"/events/organisation/{org.id}/new" in testapp.get(f"/organisation/{org.id}").text
    form = testapp.get(f"/events/organisation/{org.id}/new").forms["events-event"]
    form["title"] = "Den otevřených dveří"
    form["venue"] = "address"
    form["address"] = "Praha 2"
    form["starts_at"], form["ends_at"] = "2031-06-01T10:00", "2031-06-01T12:00"
    page = form.submit().follow()
    event = dbsession.scalar(sa.select(Event).where(Event.title == "Den otevřených dveří"))
    assert event.state == "draft" and event.organisation_id == org.id
    page.forms["events-event"].submit("submit_for_review", value="1").follow()
    dbsession.refresh(event)
    assert event.state == "submitted"

    staff = make_testapp(app).login(users.staff)
    assert "Den otevřených dveří" in html_text(staff.get("/events/manage"))
    form_post(staff, f"/events/manage/{event.id}/review", {"action": "return", "comment": ""},
              status=422)
    dbsession.refresh(event)
    assert event.state == "submitted"  # a return needs a comment
    form_post(staff, f"/events/manage/{event.id}/review",
              {"action": "return", "comment": "Doplňte prosím program."})
    dbsession.refresh(event)
    assert (event.state, event.review_comment) == ("draft", "Doplňte prosím program.")
    assert "Doplňte prosím program." in testapp.get(
        f"/events/organisation/{org.id}/{event.id}").text
    testapp.get(f"/events/organisation/{org.id}/{event.id}").forms["events-event"].submit(
        "submit_for_review", value="1").follow()
    form_post(staff, f"/events/manage/{event.id}/review", {"action": "publish"})
    dbsession.refresh(event)
    assert event.state == "published"


def test_organisation_runs_registrations_of_its_own_event_only(testapp, users, dbsession,
                                                                make_event):
    ours = make_event(organisation_id=users.organisation.id, title="Naše akce")
    theirs = make_event(organisation_id=users.other_organisation.id, title="Cizí akce")
    registration = Registration(event_id=ours.id, email="host@example.org", name="Host",
                                status="confirmed", access_key="k" * 20)
    ours.taken = 1
    dbsession.add(registration)
    dbsession.flush()
    testapp.login(users.representative)
    assert "Host" in html_text(testapp.get(f"/events/manage/{ours.id}/registrations"))
    testapp.get(f"/events/manage/{ours.id}/checkin")
    form_post(testapp, f"/events/manage/{ours.id}/checkin",
              {"registration_id": str(registration.id), "attended": "1"})
    dbsession.refresh(registration)
    assert registration.attended
    for url in (f"/events/manage/{theirs.id}/registrations", f"/events/manage/{theirs.id}/checkin",
                f"/events/manage/{theirs.id}/registrations.csv"):
        testapp.get(url, status=403)
    testapp.get(f"/events/organisation/{users.other_organisation.id}/new", status=404)
    testapp.get(f"/events/organisation/{users.organisation.id}/{theirs.id}", status=404)
    testapp.login(users.member)
    testapp.get(f"/events/manage/{ours.id}/registrations", status=403)
    testapp.get(f"/events/organisation/{users.organisation.id}/new", status=404)
    # Staff pages stay the staff's.
    testapp.login(users.representative)
    testapp.get("/events/manage", status=403)
    form_post(testapp, f"/events/manage/{ours.id}/review", {"action": "publish"}, status=403)


def booking_room(dbsession):
    from hub_booking.models import Room

    room = Room(name="Velký sál hubu", capacity=30, location="Praha 2")
    dbsession.add(room)
    dbsession.flush()
    return room


def reservations(dbsession, room):
    from hub_booking.models import Reservation

    dbsession.expire_all()
    return list(dbsession.scalars(sa.select(Reservation).where(
        Reservation.room_id == room.id, Reservation.status.in_(("pending", "approved")))
        .order_by(Reservation.id)))


def draft_in_room(client, dbsession, org, room, title):
    form = client.get(f"/events/organisation/{org.id}/new").forms["events-event"]
    assert "Velký sál hubu" in form.response.text
    form["title"] = title
    form["venue"] = "room"
    form["room_id"] = str(room.id)
    form["starts_at"], form["ends_at"] = "2031-06-03T10:00", "2031-06-03T12:00"
    form.submit("submit_for_review", value="1").follow()
    return dbsession.scalar(sa.select(Event).where(Event.title == title))


def test_an_organisation_event_in_a_hub_room_reserves_it_only_when_published(
        make_app, make_testapp, users, dbsession):
    app = make_app("booking", "events")
    room = booking_room(dbsession)
    org = users.organisation
    rep = make_testapp(app).login(users.representative)
    event = draft_in_room(rep, dbsession, org, room, "Setkání v sále hubu")
    assert (event.state, event.venue, event.room_id) == ("submitted", "room", room.id)
    # Drafted and submitted, the event holds no room yet.
    assert reservations(dbsession, room) == [] and event.room_reservation_id is None

    staff = make_testapp(app).login(users.staff)
    form_post(staff, f"/events/manage/{event.id}/review", {"action": "publish"})
    dbsession.refresh(event)
    assert event.state == "published"
    (reservation,) = reservations(dbsession, room)
    assert event.room_reservation_id == reservation.id
    assert (reservation.starts_at, reservation.ends_at) == (event.starts_at, event.ends_at)
    assert reservation.source == "events"
    # The organisation uses the room: the reservation is its own (its bookings, its quota).
    assert reservation.organisation_id == org.id
    assert "Velký sál hubu" in html_text(make_testapp(app).get(f"/events/{event.id}"))


def test_publishing_an_organisation_event_in_a_taken_room_fails(make_app, make_testapp,
                                                                users, dbsession):
    from hub_booking.models import Reservation

    app = make_app("booking", "events")
    room = booking_room(dbsession)
    org = users.organisation
    rep = make_testapp(app).login(users.representative)
    event = draft_in_room(rep, dbsession, org, room, "Setkání v obsazeném sále")
    # Meanwhile someone else books the room for the same time.
    dbsession.add(Reservation(room_id=room.id, user_id=users.member.id, title="Jiná schůze",
                              starts_at=event.starts_at, ends_at=event.ends_at,
                              blocked_until=event.ends_at, status="approved"))
    dbsession.flush()

    staff = make_testapp(app).login(users.staff)
    page = form_post(staff, f"/events/manage/{event.id}/review",
                     {"action": "publish"}).follow()
    assert "Místnost je už rezervována od" in html_text(page)
    dbsession.expire_all()
    assert dbsession.get(Event, event.id).state == "submitted"
    refused = staff.post_json(f"/api/v1/events/{event.id}/publish", {},
                              headers=api_headers(staff), status=409).json
    assert refused["error"]["code"] == "room_unavailable"
    assert refused["error"]["message"].startswith("Místnost je už rezervována od")
    dbsession.expire_all()
    assert dbsession.get(Event, event.id).state == "submitted"
    assert [r.title for r in reservations(dbsession, room)] == ["Jiná schůze"]


def test_in_english_the_organisation_prepares_an_event_and_is_told_of_the_return(
        testapp, make_testapp, app, users, dbsession):
    org = users.organisation
    users.representative.language = "en"
    dbsession.flush()
    testapp.set_cookie("hub_lang", "en")
    testapp.login(users.representative)
    page = testapp.get(f"/events/organisation/{org.id}/new")
    text = html_text(page)
    assert f"New event of {org.name}" in text
    assert "A hub room is reserved when the event is published." in text
    assert "Save and submit for review" in text
    form = page.forms["events-event"]
    form["title"], form["venue"], form["address"] = "Open day", "address", "Praha 2"
    form["starts_at"], form["ends_at"] = "2031-06-01T10:00", "2031-06-01T12:00"
    form.submit("submit_for_review", value="1").follow()
    event = dbsession.scalar(sa.select(Event).where(Event.title == "Open day"))
    staff = make_testapp(app).login(users.staff)
    form_post(staff, f"/events/manage/{event.id}/review",
              {"action": "return", "comment": "Add the programme, please."})
    assert dbsession.scalar(sa.select(Notification.subject).where(
        Notification.user_id == users.representative.id,
        Notification.kind == "events.review")) == "Your event was returned: Open day"
    page = html_text(testapp.get(f"/events/organisation/{org.id}/{event.id}"))
    assert "The hub staff returned the event" in page and "Add the programme, please." in page
    workspace = html_text(testapp.get(f"/organisation/{org.id}"))
    assert "Events of the organisation" in workspace and "returned with a comment" in workspace


def test_the_organisation_writes_the_english_version_of_its_event(testapp, users, dbsession):
    org = users.organisation
    testapp.login(users.representative)
    page = testapp.get(f"/events/organisation/{org.id}/new")
    english = page.html.find("fieldset", id="event-english")
    assert english.find("legend").text == "Anglická verze"
    assert english["aria-describedby"] == "event-english-hint"
    assert {i["name"] for i in english.select("input, textarea")} == {
        "title_en", "summary_en", "description_en", "accessibility_note_en"}
    form = page.forms["events-event"]
    form["title"], form["venue"], form["address"] = "Den otevřených dveří", "address", "Praha"
    form["starts_at"], form["ends_at"] = "2031-06-01T10:00", "2031-06-01T12:00"
    form["title_en"], form["summary_en"] = "Open day", "Come and see us."
    form["description_en"] = "A tour of the office."
    form["accessibility_note_en"] = "Step-free entrance."
    page = form.submit().follow()
    event = dbsession.scalar(sa.select(Event).where(Event.title == "Den otevřených dveří"))
    assert (event.title_en, event.summary_en, event.description_en,
            event.accessibility_note_en) == ("Open day", "Come and see us.",
                                             "A tour of the office.", "Step-free entrance.")
    form = page.forms["events-event"]
    assert form["title_en"].value == "Open day"
    form["title_en"] = "x" * 201
    invalid = form.submit(status=422)
    assert invalid.html.find(class_="hub-error-summary").find("a")["href"] == "#event-title_en"
    dbsession.refresh(event)
    assert event.title_en == "Open day"


def test_returning_an_event_without_a_comment_marks_the_comment_field(
        testapp, make_testapp, app, users, dbsession):
    org = users.organisation
    testapp.login(users.representative)
    form = testapp.get(f"/events/organisation/{org.id}/new").forms["events-event"]
    form["title"] = "Den otevřených dveří"
    form["venue"] = "address"
    form["address"] = "Praha 2"
    form["starts_at"], form["ends_at"] = "2031-06-01T10:00", "2031-06-01T12:00"
    form.submit("submit_for_review", value="1").follow()
    event = dbsession.scalar(sa.select(Event).where(Event.title == "Den otevřených dveří"))
    assert event.state == "submitted"

    staff = make_testapp(app).login(users.staff)
    page = form_post(staff, f"/events/manage/{event.id}/review",
                     {"action": "return", "comment": "   "}, status=422)
    message = "Než akci vrátíte, napište organizaci, co má změnit."
    summary = page.html.select_one(".hub-error-summary")
    assert summary["tabindex"] == "-1"
    assert summary.select_one(f"a[href='#review-comment-{event.id}']").get_text(
        strip=True) == message
    field = page.html.select_one(f"#review-comment-{event.id}")
    assert field["aria-invalid"] == "true"
    assert field["aria-describedby"] == f"review-comment-{event.id}-error"
    assert message in page.html.select_one(f"#review-comment-{event.id}-error").get_text()
    assert page.html.title.get_text().startswith("Chyba: ")
    # The rest of the staff's page is there, and the event is still waiting.
    assert "Den otevřených dveří" in html_text(page)
    dbsession.refresh(event)
    assert (event.state, event.review_comment) == ("submitted", "")
    assert not dbsession.scalar(sa.select(Notification.id).where(
        Notification.user_id == users.representative.id,
        Notification.kind == "events.review"))
    # A plain visit of the page shows no error.
    assert "hub-error-summary" not in staff.get("/events/manage").text


def test_a_proposal_answered_without_the_privacy_box_shows_the_error_summary(
        testapp, users, make_event, dbsession):
    from .test_on_behalf import _link, _propose

    event = make_event(privacy_notice="Údaje zpracovává spolek.")
    testapp.login(users.representative)
    _propose(testapp, event, users.member)
    testapp.logout()
    page = testapp.get(_link(dbsession, users.member.email)).forms["events-proposal"].submit(
        "action", value="confirm", status=422)
    summary = page.html.select_one(".hub-error-summary")
    assert summary["tabindex"] == "-1"
    link = summary.select_one("a[href='#proposal-privacy']")
    assert "Potvrďte prosím, že jste si přečetli" in link.get_text()
    box = page.html.select_one("#proposal-privacy")
    assert box["aria-invalid"] == "true"
    assert "proposal-privacy-error" in box["aria-describedby"].split()
    assert page.html.title.get_text().startswith("Chyba: ")
