"""Contributions to the rest of the hub and the room provider for other plugins."""
import datetime as dt

import pytest
import sqlalchemy as sa

from hub.jobs import background_request
from hub.notifications.models import Notification
from hub.testing import html_text
from hub_booking.models import FeedToken, Reservation, Room, RoomManager, Series
from tests.conftest import at, future_day, make_room


@pytest.fixture
def request_(app, dbsession):
    request = background_request(app.registry)
    request.dbsession = dbsession
    return request


def add(dbsession, room, user, day, start, end, **kwargs):
    reservation = Reservation(room_id=room.id, user_id=user.id if user else None,
                              title=kwargs.pop("title", "Porada"), starts_at=at(day, start),
                              ends_at=at(day, end), blocked_until=at(day, end),
                              status=kwargs.pop("status", "approved"), **kwargs)
    dbsession.add(reservation)
    dbsession.flush()
    return reservation


def test_room_provider_for_events(app, request_, dbsession, users, room):
    provider = app.registry["hub.pm"].hook.hub_room_provider(request=request_)
    assert {"id": room.id, "name": room.name, "capacity": 12, "location": "1. patro",
            "accessibility": ["step_free", "lift"],
            "translations": {"en": {}}} in provider.rooms()
    assert provider.room(room.id)["capacity"] == 12 and provider.room(999999) is None
    day = future_day()
    result = provider.reserve(room.id, at(day, 10), at(day, 12), "Konference", users.staff)
    assert result["ok"] is True
    reservation = dbsession.get(Reservation, result["reservation_id"])
    assert reservation.status == "approved" and reservation.source == "events"
    clash = provider.reserve(room.id, at(day, 11), at(day, 13), "Jiná", users.staff)
    assert clash["ok"] is False and "10:00" in clash["message"]
    # The request's transaction is still usable after the refused insert.
    assert provider.reserve(room.id, at(day, 13), at(day, 14), "Další", None)["ok"] is True
    naive = provider.reserve(room.id, dt.datetime(2030, 1, 1, 10), dt.datetime(2030, 1, 1, 11),
                             "x", None)
    assert naive["ok"] is False
    provider.release(result["reservation_id"])
    assert dbsession.get(Reservation, result["reservation_id"]).status == "cancelled"
    assert provider.reserve(room.id, at(day, 11), at(day, 13), "Jiná", None)["ok"] is True


def test_activity_and_segment_criterion(app, request_, dbsession, users, room):
    hook = app.registry["hub.pm"].hook
    day = future_day()
    add(dbsession, room, users.member, day, 10, 11, title="Svépomocná skupina")
    entries = [e for result in hook.hub_activity(request=request_, user=users.member)
               for e in (result or [])]
    assert any(e["kind"] == "booking" and "Svépomocná skupina" in e["title"]
               and e["when"] == at(day, 10) for e in entries)
    (criterion,) = [c for result in hook.hub_segment_criteria() for c in (result or [])
                    if c.name == "booking.booked_recently"]
    assert [v for v, _label in criterion.options(request_)] == ["1", "3", "6", "12"]
    ids = set(dbsession.scalars(criterion.user_ids(request_, "3")))
    assert ids == {users.member.id}


def test_personal_data_export_and_erase(app, request_, dbsession, users, room):
    hook = app.registry["hub.pm"].hook
    day = future_day()
    future = add(dbsession, room, users.member, day, 10, 11, title="Moje porada",
                 purpose="Diagnóza X")
    past = add(dbsession, room, users.member, day - dt.timedelta(days=60), 10, 11)
    dbsession.add(Series(user_id=users.member.id, frequency="weekly", until=day))
    dbsession.add(FeedToken(user_id=users.member.id, token="t" * 40))
    dbsession.add(RoomManager(room_id=room.id, user_id=users.member.id))
    dbsession.flush()
    results = [r or {} for r in hook.hub_personal_data_export(request=request_,
                                                              user=users.member)]
    exported = [r for result in results for r in result.get("Room bookings", [])]
    assert {r["title"] for r in exported} >= {"Moje porada"}
    assert [r for result in results for r in result.get("Rooms you manage", [])] == [
        {"room": room.name}]
    tables = [t for result in hook.hub_personal_data_tables() for t in (result or [])]
    assert {"booking_reservation", "booking_series", "booking_feed_token"} <= set(tables)
    hook.hub_personal_data_erase(request=request_, user=users.member)
    dbsession.expire_all()
    assert future.status == "cancelled" and past.status == "approved"
    assert future.user_id is None and future.purpose == "" and future.title == "—"
    assert dbsession.scalars(sa.select(FeedToken)).all() == []
    assert dbsession.scalars(sa.select(RoomManager)).all() == []
    assert dbsession.scalars(sa.select(Series.user_id)).all() == [None]


def test_dashboard_widget_profile_section_and_search(testapp, dbsession, users, room):
    add(dbsession, room, users.member, future_day(), 10, 11, title="Nadcházející schůzka")
    testapp.login(users.member)
    assert "Nadcházející schůzka" in html_text(testapp.get("/my"))
    assert "Nadcházející schůzka" in html_text(testapp.get("/profile"))
    nav = html_text(testapp.get("/booking"))
    assert "Moje rezervace" in nav
    from hub.search.query import search

    request = background_request(testapp.app.registry)
    request.dbsession = dbsession
    assert [r.title for r in search(request, "zasedaci").results] == [room.name]
    room.is_active = False
    dbsession.flush()
    assert search(request, "zasedací").results == []


def test_reminders_are_sent_once(app, request_, dbsession, users, room):
    from hub_booking.hooks import send_reminders

    soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    dbsession.add(Reservation(room_id=room.id, user_id=users.member.id, title="Brzy",
                              starts_at=soon, ends_at=soon + dt.timedelta(hours=1),
                              blocked_until=soon + dt.timedelta(hours=1), status="approved"))
    add(dbsession, room, users.member, future_day(10), 10, 11, title="Později")
    dbsession.flush()
    assert send_reminders(request_) == 1
    assert send_reminders(request_) == 0
    note = dbsession.scalars(sa.select(Notification).where(
        Notification.kind == "booking.reminder")).one()
    assert note.user_id == users.member.id and "Brzy" in note.subject


def test_demo_data_is_idempotent_and_scales(dbsession, users):
    from hub_booking.demo import create_demo_data

    create_demo_data(dbsession, 1)
    rooms = dbsession.scalar(sa.select(sa.func.count(Room.id)))
    bookings = dbsession.scalar(sa.select(sa.func.count(Reservation.id)))
    assert rooms == 5 and bookings > 20
    create_demo_data(dbsession, 1)
    assert dbsession.scalar(sa.select(sa.func.count(Room.id))) == rooms
    assert dbsession.scalar(sa.select(sa.func.count(Reservation.id))) == bookings


def test_benchmark_scale_follows_the_contract(dbsession, users):
    """At scale S > 1: min(S/2, 50) rooms and 100·S bookings, none overlapping."""
    from hub_booking.demo import create_demo_data, room_count

    assert [room_count(s) for s in (1, 2, 4, 20, 100, 300)] == [5, 1, 2, 10, 50, 50]
    create_demo_data(dbsession, 14)
    assert dbsession.scalar(sa.select(sa.func.count(Room.id))) == 7
    assert dbsession.scalar(sa.select(sa.func.count(Reservation.id))) == 1400
    busiest = dbsession.execute(
        sa.select(Reservation.room_id, sa.func.count()).group_by(Reservation.room_id)
        .order_by(sa.func.count().desc())).first()
    assert busiest[1] == 700
    a, b = sa.orm.aliased(Reservation), sa.orm.aliased(Reservation)
    overlapping = dbsession.scalar(
        sa.select(sa.func.count()).select_from(a).join(b, sa.and_(
            a.room_id == b.room_id, a.id < b.id, a.starts_at < b.blocked_until,
            b.starts_at < a.blocked_until)))
    assert overlapping == 0


def test_the_database_itself_refuses_overlaps(dbsession, users):
    """Without the application: the constraint (PostgreSQL) or trigger (SQLite)."""
    room = make_room(dbsession, "Holá databáze")
    day = future_day()
    add(dbsession, room, users.member, day, 10, 11)
    with pytest.raises(sa.exc.IntegrityError) as error, dbsession.begin_nested():
        add(dbsession, room, users.member, day, 10, 30 // 30 + 10)
    assert "booking overlap" in str(error.value) or "23P01" in str(
        getattr(error.value.orig, "sqlstate", ""))
    # Adjacent is fine, cancelled does not block, another room is independent.
    add(dbsession, room, users.member, day, 11, 12)
    add(dbsession, room, users.member, day, 10, 11, status="cancelled")
    other = make_room(dbsession, "Jiná")
    add(dbsession, other, users.member, day, 10, 11)
    # Re-activating a cancelled booking over a live one is refused too (update trigger).
    cancelled = add(dbsession, room, users.member, day, 12, 13, status="cancelled")
    add(dbsession, room, users.member, day, 12, 13)
    with pytest.raises(sa.exc.IntegrityError), dbsession.begin_nested():
        cancelled.status = "approved"
        dbsession.flush()
    if dbsession.bind.dialect.name == "postgresql":
        kinds = dbsession.execute(sa.text(
            "SELECT contype FROM pg_constraint WHERE conname = 'booking_reservation_no_overlap'"
        )).scalars().all()
        assert kinds == ["x"]
