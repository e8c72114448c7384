import datetime as dt

import sqlalchemy as sa

from hub.db import utcnow

from .conftest import api_headers


def test_list_and_detail(testapp, make_event):
    event = make_event(title="API přednáška", kind="seminar", capacity=3)
    make_event(title="Skrytý koncept", state="draft")
    data = testapp.get("/api/v1/events").json
    titles = [e["title"] for e in data["items"]]
    assert "API přednáška" in titles and "Skrytý koncept" not in titles
    assert testapp.get("/api/v1/events?kind=workshop").json["total"] == 0
    one = testapp.get(f"/api/v1/events/{event.id}").json
    assert one["places_left"] == 3 and "online_url" not in one
    error = testapp.get("/api/v1/events/999999", status=404).json
    assert error["error"]["code"] == "not_found"


def test_register_conflict_closed_and_cancel(testapp, users, make_event, dbsession):
    from hub_events.models import Registration

    event = make_event(capacity=1)
    closed = make_event(registration_closes_at=utcnow() - dt.timedelta(minutes=1))
    testapp.login(users.member)
    headers = api_headers(testapp)
    url = f"/api/v1/events/{event.id}/registrations"
    from hub_events.needs import ACCOMMODATION_NEEDS

    # Needs without the explicit consent to the purpose's text are refused.
    testapp.post_json(url, {"needs": {"step_free": True}}, headers=headers, status=422)
    created = testapp.post_json(url, {"needs": {"step_free": True},
                                      "needs_consent": ACCOMMODATION_NEEDS.text_version},
                                headers=headers, status=201).json
    assert created["status"] == "confirmed"
    assert testapp.get(f"/api/v1/events/{event.id}").json["online_url"]
    conflict = testapp.post_json(url, {}, headers=headers, status=409).json
    assert conflict["error"]["code"] == "already_registered"
    shut = testapp.post_json(f"/api/v1/events/{closed.id}/registrations", {},
                             headers=headers, status=422).json
    assert shut["error"]["code"] == "registration_closed"
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.event_id == closed.id)) == 0
    mine = testapp.get("/api/v1/events/registrations").json["items"]
    assert [m["event_id"] for m in mine] == [event.id]
    # the place is full now: another member is waitlisted
    testapp.login(users.representative)
    other = testapp.post_json(url, {}, headers=api_headers(testapp), status=201).json
    assert other["status"] == "waitlisted"
    testapp.login(users.member)
    cancelled = testapp.delete(url, headers=api_headers(testapp)).json
    assert cancelled["status"] == "cancelled"
    promoted = dbsession.scalar(sa.select(Registration).where(
        Registration.user_id == users.representative.id))
    assert promoted.status == "offered" and promoted.offered_until is not None


def test_approval_mode_returns_pending(testapp, users, make_event):
    event = make_event(approval_required=True)
    testapp.login(users.member)
    data = testapp.post_json(f"/api/v1/events/{event.id}/registrations", {},
                             headers=api_headers(testapp), status=201).json
    assert data["status"] == "pending"


def test_anonymous_cannot_register_through_the_api(testapp, make_event):
    event = make_event()
    testapp.post_json(f"/api/v1/events/{event.id}/registrations", {},
                      headers=api_headers(testapp), status=(401, 403))


def test_staff_creates_events_members_cannot(testapp, users, dbsession):
    from hub_events.models import Event

    body = {"title": "Nová akce z API", "starts_at": "2031-05-01T10:00:00+02:00",
            "ends_at": "2031-05-01T12:00:00+02:00", "address": "Brno", "capacity": 40}
    testapp.login(users.member)
    testapp.post_json("/api/v1/events", body, headers=api_headers(testapp), status=(401, 403))
    testapp.login(users.staff)
    bad = testapp.post_json("/api/v1/events", {**body, "ends_at": "2031-05-01T09:00:00+02:00"},
                            headers=api_headers(testapp), status=422).json
    assert "ends_at" in bad["error"]["details"]["fields"]
    created = testapp.post_json("/api/v1/events", body, headers=api_headers(testapp),
                                status=201).json
    event = dbsession.get(Event, created["id"])
    assert event.capacity == 40 and event.starts_at.hour == 8


def test_openapi_document_lists_the_events_api(testapp):
    doc = testapp.get("/api/v1/openapi.json").json
    assert {"/events", "/events/{id}", "/events/{id}/registrations",
            "/events/registrations"} <= set(doc["paths"])
    assert "EventRegistration" in doc["components"]["schemas"]
    assert "post" in doc["paths"]["/events"] and "delete" in doc["paths"][
        "/events/{id}/registrations"]


def test_bearer_token_registers_without_csrf(testapp, users, make_event, dbsession):
    from hub.tokens import create_token

    event = make_event(capacity=2)
    _row, secret = create_token(dbsession, users.member, "kalendářová aplikace")
    headers = {"Authorization": f"Bearer {secret}"}
    created = testapp.post_json(f"/api/v1/events/{event.id}/registrations", {},
                                headers=headers, status=201).json
    assert created["status"] == "confirmed"
    mine = testapp.get("/api/v1/events/registrations", headers=headers).json["items"]
    assert [m["id"] for m in mine] == [created["id"]]
    assert testapp.delete(f"/api/v1/events/{event.id}/registrations",
                          headers=headers).json["status"] == "cancelled"
