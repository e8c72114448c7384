"""No double booking, enforced by the database, under concurrent requests."""
import datetime as dt

import sqlalchemy as sa

from hub.testing import make_user
from tests.conftest import at, future_day

THREADS = 100


def _limit_connections(app):
    """PostgreSQL serves 100 connections to everyone on the machine: let the 100 requests
    share 30 (requests still race; the losers wait for a connection, not for each other)."""
    from hub.db import make_engine, make_session_factory, writer

    engine = app.registry["hub.dbengine"]
    if engine.dialect.name != "postgresql":
        return
    limited = make_engine(engine.url.render_as_string(hide_password=False), pool_size=30,
                          max_overflow=0, pool_timeout=120)
    engine.dispose()
    app.registry["hub.dbsession_factory"] = make_session_factory(limited)
    app.registry["hub.dbsession_writer"] = make_session_factory(writer(limited))


def _setup(app):
    """A room and THREADS members in the committed database of ``app``."""
    from hub_booking.models import BookableHours, Room

    _limit_connections(app)

    with app.registry["hub.dbsession_factory"]() as db:
        room = Room(name="Sál", capacity=50, min_notice_hours=0)
        room.hours = [BookableHours(weekday=d, opens_at=dt.time(0), closes_at=dt.time(23, 59))
                      for d in range(7)]
        db.add(room)
        users = [make_user(db, f"racer{i}@test.example") for i in range(THREADS)]
        db.commit()
        return room.id, users


def _clients(app, users):
    from hub.testing import _make_testapp

    clients = []
    for user in users:
        client = _make_testapp(app).login(user)
        client.csrf_token  # noqa: B018 (sets the cookie before the race)
        clients.append(client)
    return clients


def _race(concurrent, clients, body):
    def post(i):
        client = clients[i]
        return client.post_json("/api/v1/booking/reservations", body(i), headers={
            "X-CSRF-Token": client.csrf_token.strip('"'), "Origin": client.origin},
            expect_errors=True).status_int

    return concurrent(THREADS, post)


def _active(app, room_id):
    from hub_booking.models import Reservation

    with app.registry["hub.dbsession_factory"]() as db:
        return db.scalars(sa.select(Reservation).where(
            Reservation.room_id == room_id,
            Reservation.status.in_(("pending", "approved")))).all()


def test_one_slot_hundred_requests_exactly_one_wins(committed_app, concurrent):
    app = committed_app("booking")
    room_id, users = _setup(app)
    clients = _clients(app, users)
    day = future_day(10)
    # Different but overlapping spans: every pair overlaps (all contain 10:30-11:00).
    results = _race(concurrent, clients, lambda i: {
        "room_id": room_id, "title": f"Porada {i}",
        "starts_at": at(day, 10, i % 3 * 10).isoformat(),
        "ends_at": at(day, 11, i % 2 * 30).isoformat()})
    errors = [r for r in results if not isinstance(r, int)]
    assert not errors, errors[:3]
    assert sorted(results) == [201] + [409] * (THREADS - 1), results
    assert len(_active(app, room_id)) == 1


def test_overlapping_recurring_series_exactly_one_wins(committed_app, concurrent):
    app = committed_app("booking")
    room_id, users = _setup(app)
    clients = _clients(app, users)
    day = future_day(10)
    results = _race(concurrent, clients, lambda i: {
        "room_id": room_id, "title": f"Série {i}",
        "starts_at": at(day, 9).isoformat(), "ends_at": at(day, 10).isoformat(),
        "recurrence": {"frequency": "weekly", "interval": 1,
                       "until": (day + dt.timedelta(weeks=3)).isoformat()}})
    assert sorted(results) == [201] + [409] * (THREADS - 1), results
    active = _active(app, room_id)
    assert len(active) == 4 and len({r.series_id for r in active}) == 1


def test_concurrent_decisions_on_one_pending_booking_only_one_wins(committed_app, concurrent):
    """K4: staff approving and rejecting (and the booker cancelling) at the same time."""
    from hub_booking.models import Reservation

    app = committed_app("booking")
    room_id, users = _setup(app)
    day = future_day(10)
    with app.registry["hub.dbsession_factory"]() as db:
        for user in users[:20]:
            staff = db.get(type(user), user.id)
            staff.role, staff.totp_secret = "staff", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        reservation = Reservation(room_id=room_id, user_id=users[20].id, title="Čeká",
                                  starts_at=at(day, 9), ends_at=at(day, 10),
                                  blocked_until=at(day, 10), status="pending")
        db.add(reservation)
        db.commit()
        reservation_id = reservation.id
    clients = _clients(app, users[:21])

    def act(i):
        client = clients[i]
        url = f"/booking/reservations/{reservation_id}/" + ("cancel" if i == 20 else "decide")
        fields = {"decision": "approve" if i % 2 else "reject", "reason": "Obsazeno",
                  "csrf_token": client.csrf_token.strip('"')}
        response = client.post(url, fields, headers={"Origin": client.origin})
        return response.status_int, response.location or "", i

    results = concurrent(21, act)
    errors = [r for r in results if not isinstance(r, tuple)]
    assert not errors, errors[:3]
    assert {status for status, _loc, _i in results} == {303}, results
    decided = [i for _s, location, i in results if i < 20 and location.endswith("/manage")]
    assert len(decided) <= 1
    with app.registry["hub.dbsession_factory"]() as db:
        final = db.get(Reservation, reservation_id)
        if decided:
            expected = "approved" if decided[0] % 2 else "rejected"
            assert final.status in (expected, "cancelled")
            assert final.decided_by_id == users[decided[0]].id
        else:
            assert final.status == "cancelled"
        assert final.status != "pending"


def test_quota_holds_under_concurrent_requests_of_one_person(committed_app, concurrent):
    app = committed_app("booking", **{"booking.user_monthly_hours": "1"})
    room_id, users = _setup(app)
    clients = _clients(app, users[:1] * 10)
    day = future_day(10)

    def post(i):
        client = clients[i]
        return client.post_json("/api/v1/booking/reservations", {
            "room_id": room_id, "title": f"Kvóta {i}",
            "starts_at": at(day, 8 + i).isoformat(), "ends_at": at(day, 9 + i).isoformat()},
            headers={"X-CSRF-Token": client.csrf_token.strip('"'), "Origin": client.origin},
            expect_errors=True).status_int

    results = concurrent(10, post)
    assert sorted(results) == [201] + [422] * 9, results
    assert len(_active(app, room_id)) == 1
