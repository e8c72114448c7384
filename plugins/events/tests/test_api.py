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


def test_the_list_pages_with_limit_and_next_offset(testapp, make_event):
    soon = utcnow() + dt.timedelta(days=3)
    ids = [make_event(title=f"Akce {n}", starts_at=soon + dt.timedelta(days=n)).id
           for n in range(3)]
    first = testapp.get("/api/v1/events", {"limit": "1"}).json
    assert set(first) == {"items", "total", "limit", "offset", "next_offset"}
    assert (first["total"], first["limit"], first["offset"], first["next_offset"]) == (
        3, 1, 0, 1)
    second = testapp.get("/api/v1/events",
                         {"limit": "1", "offset": str(first["next_offset"])}).json
    last = testapp.get("/api/v1/events", {"limit": "1", "page": "3"}).json
    assert [p["items"][0]["id"] for p in (first, second, last)] == ids
    assert second["next_offset"] == 2 and last["next_offset"] is None
    assert testapp.get("/api/v1/events").json["limit"] == 30
    testapp.get("/api/v1/events", {"limit": "101"}, status=422)


def test_my_registrations_are_a_collection(testapp, users, make_event):
    soon = utcnow() + dt.timedelta(days=3)
    events = [make_event(starts_at=soon + dt.timedelta(days=n)) for n in range(2)]
    testapp.login(users.member)
    for event in events:
        testapp.post_json(f"/api/v1/events/{event.id}/registrations", {},
                          headers=api_headers(testapp), status=201)
    first = testapp.get("/api/v1/events/registrations", {"limit": "1"}).json
    assert first["total"] == 2 and first["next_offset"] == 1
    rest = testapp.get("/api/v1/events/registrations", {"offset": "1"}).json
    # The latest event first.
    assert [first["items"][0]["event_id"], rest["items"][0]["event_id"]] == [
        events[1].id, events[0].id]
    assert rest["next_offset"] is None and rest["limit"] == 500


def test_the_documented_input_is_what_the_view_requires(testapp, users):
    # The validator schemathesis uses (the test extras).
    from jsonschema_rs import Draft202012Validator

    from hub.api.samples import sample_body
    from hub_events.models import AUDIENCES, EVENT_STATES, KINDS, VENUES

    document = testapp.get("/api/v1/openapi.json").json
    schema = document["components"]["schemas"]["EventInput"]
    for name, values in (("kind", KINDS), ("venue", VENUES), ("audience", AUDIENCES),
                         ("state", EVENT_STATES)):
        assert schema["properties"][name]["enum"] == list(values), name
    valid = Draft202012Validator(schema).is_valid
    testapp.login(users.staff)
    smallest = sample_body(document, document["paths"]["/events"]["post"])
    assert set(smallest) == {"title", "starts_at", "ends_at", "address"}
    assert testapp.post_json("/api/v1/events", smallest, headers=api_headers(testapp),
                             status=201).json["venue"] == "address"
    when = {"title": "Akce", "starts_at": "2031-05-01T10:00:00+02:00",
            "ends_at": "2031-05-01T12:00:00+02:00"}
    where = {"address": "Brno", "online_url": "https://meet.example.org/a"}
    needs = {None: {"address"}, "address": {"address"}, "online": {"online_url"},
             "hybrid": {"address", "online_url"}, "room": {"room_id"}}
    for venue, fields in needs.items():
        body = {**when, **({"venue": venue} if venue else {}),
                **{k: v for k, v in where.items() if k in fields}}
        for field in fields:
            short = {k: v for k, v in body.items() if k != field}
            assert not valid(short), (venue, field)
            refused = testapp.post_json("/api/v1/events", short,
                                        headers=api_headers(testapp), status=422).json
            assert field in refused["error"]["details"]["fields"], (venue, field)
        if venue != "room":  # the suite has no rooms to book
            assert valid(body), body
            testapp.post_json("/api/v1/events", body, headers=api_headers(testapp),
                              status=201)


def test_the_documented_registration_body_registers(testapp, users, make_event):
    from hub.api.samples import sample_body

    event = make_event(privacy_notice="Údaje zpracováváme jen kvůli akci.")
    document = testapp.get("/api/v1/openapi.json").json
    operation = document["paths"]["/events/{id}/registrations"]["post"]
    body = sample_body(document, operation)
    assert body == {"privacy_accepted": True}
    testapp.login(users.member)
    url = f"/api/v1/events/{event.id}/registrations"
    assert testapp.get(f"/api/v1/events/{event.id}").json["privacy_notice"]
    testapp.post_json(url, {}, headers=api_headers(testapp), status=422)
    created = testapp.post_json(url, body, headers=api_headers(testapp), status=201).json
    assert created["status"] == "confirmed"
