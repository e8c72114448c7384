"""The JSON API: rooms, availability, reservations."""
import datetime as dt

from hub_booking.models import Reservation
from tests.conftest import at, csrf, future_day, make_room


def api_post(testapp, body, status):
    return testapp.post_json("/api/v1/booking/reservations", body, status=status, headers={
        "X-CSRF-Token": csrf(testapp), "Origin": testapp.origin})


def api_delete(testapp, reservation_id, status):
    return testapp.delete(f"/api/v1/booking/reservations/{reservation_id}", status=status,
                          headers={"X-CSRF-Token": csrf(testapp), "Origin": testapp.origin})


def body(room, day, start=10, end=11, **extra):
    return {"room_id": room.id, "title": "Porada", "starts_at": at(day, start).isoformat(),
            "ends_at": at(day, end).isoformat(), **extra}


def test_rooms_and_availability_are_public_without_personal_details(
        testapp, dbsession, users, room):
    day = future_day()
    dbsession.add(Reservation(room_id=room.id, user_id=users.member.id, title="Tajné",
                              starts_at=at(day, 10), ends_at=at(day, 11),
                              blocked_until=at(day, 11), status="approved"))
    dbsession.flush()
    listed = testapp.get("/api/v1/booking/rooms").json
    rooms = listed["items"]
    assert [r["name"] for r in rooms] == [room.name]
    assert (listed["total"], listed["limit"], listed["offset"], listed["next_offset"]) == (
        1, 100, 0, None)
    assert rooms[0]["accessibility"] == ["step_free", "lift"]
    data = testapp.get(f"/api/v1/booking/rooms/{room.id}/availability", {
        "from": at(day, 0).isoformat(), "to": at(day + dt.timedelta(days=1), 0).isoformat()}).json
    assert data["busy"] == [{"starts_at": at(day, 10).astimezone(dt.UTC).isoformat(),
                             "ends_at": at(day, 11).astimezone(dt.UTC).isoformat(),
                             "status": "approved"}]
    assert "Tajné" not in str(data)
    error = testapp.get(f"/api/v1/booking/rooms/{room.id}/availability",
                        {"from": "2026-01-01T10:00"}, status=422).json["error"]
    assert error["code"] == "validation_failed" and "+02:00" in error["message"]
    testapp.get("/api/v1/booking/rooms/999999/availability", status=404)


def test_create_conflict_invalid_list_and_delete(testapp, dbsession, users, room):
    day = future_day()
    api_post(testapp, body(room, day), 401)
    testapp.login(users.member)
    created = api_post(testapp, body(room, day, attendees=4), 201)
    reservation = created.json["reservation"]
    assert reservation["status"] == "approved" and created.location.endswith(
        f"/api/v1/booking/reservations/{reservation['id']}")
    conflict = api_post(testapp, body(room, day, 10, 12), 409).json["error"]
    assert conflict["code"] == "conflict"
    assert conflict["details"]["conflicting"]["starts_at"] == at(day, 10).astimezone(
        dt.UTC).isoformat()
    assert conflict["details"]["suggestions"]
    assert "rezervována od" in conflict["message"]
    invalid = [
        ({**body(room, day, 12, 11)}, "ends_at"),
        ({**body(room, day), "starts_at": "2030-01-01T10:00:00"}, "starts_at"),
        ({**body(room, day), "title": ""}, "title"),
        ({**body(room, day), "room_id": "x"}, "room_id"),
        ({**body(room, day - dt.timedelta(days=60), 14, 15)}, "starts_at"),
        ({**body(room, day, 14, 15), "attendees": 500}, "attendees"),
        ({**body(room, day, 14, 15), "recurrence": {"frequency": "yearly",
                                                    "until": "2030-01-01"}},
         "recurrence.frequency"),
    ]
    for data, field in invalid:
        error = api_post(testapp, data, 422).json["error"]
        assert error["details"]["field"] == field, (data, error)
        assert error["details"]["fields"] == {field: "invalid"}, (data, error)
    mine = testapp.get("/api/v1/booking/reservations").json["items"]
    assert [r["id"] for r in mine] == [reservation["id"]]
    # Someone else neither sees nor cancels it.
    testapp.login(users.representative)
    assert testapp.get("/api/v1/booking/reservations").json["items"] == []
    testapp.get(f"/api/v1/booking/reservations/{reservation['id']}", status=404)
    api_delete(testapp, reservation["id"], 404)
    # Staff see everyone's with filters.
    testapp.login(users.staff)
    everyone = testapp.get("/api/v1/booking/reservations",
                           {"all": "1", "room_id": str(room.id)}).json["items"]
    assert [r["id"] for r in everyone] == [reservation["id"]]
    testapp.get("/api/v1/booking/reservations", {"status": "nonsense"}, status=422)
    testapp.login(users.member)
    cancelled = api_delete(testapp, reservation["id"], 200).json["reservation"]
    assert cancelled["status"] == "cancelled"
    api_delete(testapp, reservation["id"], 409)
    # The slot is free again.
    api_post(testapp, body(room, day, 10, 12), 201)


def test_recurring_booking_through_the_api(testapp, dbsession, users, room):
    day = future_day()
    testapp.login(users.member)
    api_post(testapp, body(room, day + dt.timedelta(weeks=1), 9, 10), 201)
    data = api_post(testapp, body(room, day, 9, 10, recurrence={
        "frequency": "weekly", "interval": 1,
        "until": (day + dt.timedelta(weeks=2)).isoformat()}), 201).json
    assert len(data["occurrences"]) == 2 and len(data["skipped"]) == 1
    assert "rezervována" in data["skipped"][0]["reason"]


def test_approval_needed_rooms_answer_pending(testapp, dbsession, users):
    room = make_room(dbsession, "Sál se schvalováním", requires_approval=True)
    testapp.login(users.member)
    data = api_post(testapp, body(room, future_day()), 201).json
    assert data["reservation"]["status"] == "pending"


def test_openapi_document_lists_the_endpoints(testapp):
    document = testapp.get("/api/v1/openapi.json").json
    for path in ("/booking/rooms", "/booking/rooms/{id}/availability",
                 "/booking/reservations", "/booking/reservations/{id}"):
        assert path in document["paths"], path
    assert "post" in document["paths"]["/booking/reservations"]
    assert "BookingReservation" in document["components"]["schemas"]


def test_integer_and_range_inputs_are_422_naming_the_rule_never_500(
        testapp, dbsession, users, room):
    day = future_day()
    testapp.login(users.member)
    huge = 10**25
    for path in (f"/api/v1/booking/rooms/{huge}/availability",
                 "/api/v1/booking/rooms/x/availability",
                 f"/api/v1/booking/reservations/{huge}", "/api/v1/booking/reservations/-1"):
        # An id out of range in the address is no such thing: the core answers first.
        assert testapp.get(path, status=404).json["error"]["code"] == "not_found"
    api_delete(testapp, huge, 404)
    cases = [
        ({"room_id": huge}, "room_id"), ({"room_id": "1"}, "room_id"),
        ({"room_id": True}, "room_id"), ({"attendees": -1}, "attendees"),
        ({"attendees": huge}, "attendees"), ({"attendees": 2.5}, "attendees"),
        ({"organisation_id": 0}, "organisation_id"),
        ({"recurrence": {"frequency": "weekly", "interval": 13,
                         "until": (day + dt.timedelta(weeks=2)).isoformat()}},
         "recurrence.interval"),
        ({"recurrence": {"frequency": "weekly", "interval": "2", "count": 3}},
         "recurrence.interval"),
        ({"recurrence": {"frequency": "daily", "count": 0}}, "recurrence.count"),
        ({"recurrence": {"frequency": "daily", "count": 201}}, "recurrence.count"),
        ({"recurrence": {"frequency": "daily"}}, "recurrence.until"),
        ({"recurrence": {"frequency": "daily", "count": 2, "weekdays": [7]}},
         "recurrence.weekdays"),
    ]
    for extra, field in cases:
        error = api_post(testapp, {**body(room, day), **extra}, 422).json["error"]
        assert error["code"] == "validation_failed", extra
        assert error["details"]["field"] == field, (extra, error)
    error = api_post(testapp, {**body(room, day), "attendees": -1}, 422).json["error"]
    assert "attendees" in error["message"] and "0" in error["message"]
    testapp.post_json("/api/v1/booking/reservations", [1, 2], status=400, headers={
        "X-CSRF-Token": csrf(testapp), "Origin": testapp.origin})
    for params, field in (({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"),
                          ({"limit": "ten"}, "limit"), ({"offset": "-1"}, "offset"),
                          ({"room_id": str(huge)}, "room_id"),
                          ({"user_id": "1.5"}, "user_id"),
                          ({"organisation_id": "x"}, "organisation_id")):
        error = testapp.get("/api/v1/booking/reservations", params, status=422).json["error"]
        assert error["details"]["field"] == field, params
    assert dbsession.query(Reservation).count() == 0


def test_a_series_by_count_and_paging(testapp, dbsession, users, room):
    day = future_day()
    testapp.login(users.member)
    data = api_post(testapp, body(room, day, 9, 10, recurrence={
        "frequency": "daily", "count": 3}), 201).json
    assert len(data["occurrences"]) == 3
    assert [o["starts_at"][:10] for o in data["occurrences"]] == [
        (day + dt.timedelta(days=i)).isoformat() for i in range(3)]
    first = testapp.get("/api/v1/booking/reservations", {"limit": "2"}).json
    assert len(first["items"]) == 2 and first["next_offset"] == 2 and first["total"] == 3
    rest = testapp.get("/api/v1/booking/reservations",
                       {"limit": "2", "offset": str(first["next_offset"])}).json
    assert len(rest["items"]) == 1 and rest["next_offset"] is None and rest["total"] == 3
    ids = [r["id"] for r in first["items"] + rest["items"]]
    assert sorted(ids) == sorted(o["id"] for o in data["occurrences"])
    # Pages counted from 1 still work, one item at a time.
    second = testapp.get("/api/v1/booking/reservations", {"limit": "1", "page": "2"}).json
    assert second["offset"] == 1 and second["items"] == first["items"][1:]
    assert set(second) == {"items", "total", "limit", "offset", "next_offset"}


def test_openapi_document_describes_the_validation(testapp):
    document = testapp.get("/api/v1/openapi.json").json
    listing = document["paths"]["/booking/reservations"]["get"]
    params = {p["name"]: p["schema"] for p in listing["parameters"]}
    assert params["limit"]["minimum"] == 1 and params["limit"]["maximum"] == 500
    assert params["offset"]["minimum"] == 0 and params["room_id"]["type"] == "integer"
    assert "422" in listing["responses"]
    detail = document["paths"]["/booking/reservations/{id}"]
    for method in ("get", "delete"):
        assert detail[method]["parameters"][0]["schema"]["maximum"] == 2**31 - 1
        assert "422" in detail[method]["responses"]
    request = document["components"]["schemas"]["BookingRequest"]["properties"]
    assert request["recurrence"]["properties"]["count"]["maximum"] == 200
    assert request["attendees"]["minimum"] == 0 and "maximum" in request["attendees"]
    from hub_booking.services import FREQUENCIES

    assert request["recurrence"]["properties"]["frequency"]["enum"] == list(FREQUENCIES)
    assert request["room_id"]["examples"] and request["title"]["minLength"] == 1
    assert params["page"]["minimum"] == 1 and listing["operationId"] == "listBookingReservations"
    listed = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed["required"] == ["items", "total", "limit", "offset", "next_offset"]
    rooms = document["paths"]["/booking/rooms"]["get"]["responses"]["200"]
    assert "items" in rooms["content"]["application/json"]["schema"]["properties"]
    for method in ("get", "delete"):
        one = detail[method]["responses"]["200"]["content"]["application/json"]["schema"]
        assert one["required"] == ["reservation"]


def test_dates_at_the_ends_of_the_calendar_are_refused_by_name(testapp, dbsession, users, room):
    day = future_day()
    testapp.login(users.member)
    for extra, field in (({"starts_at": "0001-01-01T00:00:00+14:00"}, "starts_at"),
                         ({"ends_at": "9999-12-31T23:59:00-12:00"}, "ends_at"),
                         ({"recurrence": {"frequency": "daily", "until": "9999-12-31"}},
                          "recurrence.until"),
                         ({"recurrence": {"frequency": "weekly", "count": 2,
                                          "weekdays": [True]}}, "recurrence.weekdays")):
        error = api_post(testapp, {**body(room, day), **extra}, 422).json["error"]
        assert error["details"]["field"] == field, (extra, error)
    error = testapp.get(f"/api/v1/booking/rooms/{room.id}/availability",
                        {"from": "9999-12-31T00:00:00+00:00"}, status=422).json["error"]
    assert "2200" in error["message"]
    # The pages fall back to today or name the rule.
    testapp.get(f"/booking/rooms/{room.id}", {"day": "9999-12-31", "view": "month"})
    testapp.get(f"/booking/rooms/{room.id}", {"day": "0001-01-01"})
    page = testapp.get("/booking", {"date": "9999-12-31", "start": "10:00", "end": "11:00"})
    assert "2200" in page.text
    testapp.login(users.staff)
    testapp.get("/booking/manage/overview", {"day": "9999-12-31"})
    testapp.get("/booking/manage/statistics", {"month": "9999-12"})
    testapp.get("/booking/manage/statistics.csv", {"month": "0001-01"})


def test_staff_book_for_another_person_through_the_api(testapp, dbsession, users, room):
    from hub.notifications.models import Notification

    day = future_day()
    testapp.login(users.member)
    error = api_post(testapp, body(room, day, user_id=users.representative.id), 422).json
    assert error["error"]["details"]["field"] == "user_id"
    # Their own id is just a booking for themselves.
    own = api_post(testapp, body(room, day, 8, 9, user_id=users.member.id), 201).json
    assert dbsession.get(Reservation, own["reservation"]["id"]).user_id == users.member.id
    testapp.login(users.staff)
    error = api_post(testapp, body(room, day, user_id=999999), 422).json["error"]
    assert error["details"]["field"] == "user_id"
    created = api_post(testapp, body(room, day, user_id=users.representative.id,
                                     organisation_id=users.organisation.id), 201).json
    reservation = dbsession.get(Reservation, created["reservation"]["id"])
    assert reservation.user_id == users.representative.id
    assert reservation.organisation_id == users.organisation.id
    assert reservation.source == "on_behalf"
    assert dbsession.query(Notification).filter_by(
        user_id=users.representative.id, kind="booking.confirmed").count() == 1


def test_a_missing_field_is_called_missing(testapp, users, room):
    """Leaving a field out is not a format mistake: the answer names it as missing."""
    testapp.login(users.member)
    for field in ("starts_at", "ends_at", "title", "room_id"):
        data = body(room, future_day())
        del data[field]
        error = api_post(testapp, data, 422).json["error"]
        assert error["details"]["fields"] == {field: "missing"}, error
        assert "ISO 8601" not in error["message"] and error["message"] == "Tato položka chybí."
