"""The booking plugin's room provider, replaced by a small fake."""
import pytest
import sqlalchemy as sa

from hub import hookimpl

from .conftest import form_post


class FakeRooms:
    def __init__(self):
        self.reserved = {}
        self.released = []
        self.busy = False

    def rooms(self):
        return [{"id": 7, "name": "Velký sál", "capacity": 40, "location": "Praha 2",
                 "accessibility": ["step_free", "induction_loop"]}]

    def room(self, room_id):
        return next((r for r in self.rooms() if r["id"] == room_id), None)

    def reserve(self, room_id, starts_at, ends_at, title, user, organisation_id=None):
        if self.busy:
            return {"ok": False, "message": "Sál je v tu dobu obsazený."}
        number = len(self.reserved) + 100
        self.reserved[number] = (room_id, starts_at, ends_at, title)
        return {"ok": True, "reservation_id": number}

    def release(self, reservation_id):
        self.released.append(reservation_id)


class FakeBooking:
    def __init__(self, provider):
        self.provider = provider

    @hookimpl
    def hub_room_provider(self, request):
        return self.provider


@pytest.fixture(scope="module")
def rooms(make_app):
    app = make_app("events", **{"events.reminder_hours": 23})  # an app of its own
    provider = FakeRooms()
    pm = app.registry["hub.pm"]
    pm.register(FakeBooking(provider), name="fake-booking")
    return app, provider


def _fields(**values):
    data = {"title": "Konference v sále", "kind": "conference", "starts_at": "2031-06-01T09:00",
            "ends_at": "2031-06-01T17:00", "venue": "room", "room_id": "7", "audience": "public",
            "state": "published", "capacity": ""}
    data.update(values)
    return data


def test_room_is_reserved_limited_and_released(rooms, make_testapp, users, dbsession):
    from hub_events.models import Event

    app, provider = rooms
    client = make_testapp(app).login(users.staff)
    page = client.get("/events/manage/new")
    assert "Velký sál" in page.text
    resp = form_post(client, "/events/manage/new", _fields(capacity="60"), status=422)
    assert "40" in resp.text and not provider.reserved
    form_post(client, "/events/manage/new", _fields()).follow()
    event = dbsession.scalar(sa.select(Event).where(Event.title == "Konference v sále"))
    assert event.capacity == 40 and event.room_reservation_id in provider.reserved
    assert "induction_loop" in event.accessibility
    form_post(client, f"/events/manage/{event.id}", _fields(state="cancelled")).follow()
    dbsession.refresh(event)
    assert event.room_reservation_id is None and provider.released


def test_busy_room_is_a_form_error_and_nothing_is_saved(rooms, make_testapp, users, dbsession):
    from hub_events.models import Event

    app, provider = rooms
    provider.busy = True
    try:
        client = make_testapp(app).login(users.staff)
        resp = form_post(client, "/events/manage/new", _fields(title="Obsazeno"), status=409)
        assert "obsazený" in resp.text
        assert dbsession.scalar(sa.select(Event).where(Event.title == "Obsazeno")) is None
    finally:
        provider.busy = False


def test_without_booking_a_room_venue_is_refused(testapp, users, make_app, make_testapp):
    client = make_testapp(make_app("events")).login(users.staff)
    resp = form_post(client, "/events/manage/new", _fields(), status=422)
    assert "hub-error-summary" in resp.text


def test_venue_address_needs_an_address_even_with_a_room_chosen(rooms, make_testapp, users,
                                                                dbsession):
    """The room field stands in for the address only when the room is used."""
    from hub_events.models import Event

    app, provider = rooms
    client = make_testapp(app).login(users.staff)
    resp = form_post(client, "/events/manage/new",
                     _fields(title="Bez adresy", venue="address", address=""), status=422)
    assert 'id="event-address-error"' in resp.text and "Zadejte adresu." in resp.text
    assert dbsession.scalar(sa.select(Event).where(Event.title == "Bez adresy")) is None
