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
    form_post(staff, f"/events/manage/{event.id}/review", {"action": "return", "comment": ""})
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
