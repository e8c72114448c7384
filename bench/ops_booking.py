"""Room booking: the month calendar of the busiest room (target < 20 ms) and the free-room
search over all rooms (target < 50 ms), median server time in process."""
from __future__ import annotations

import datetime as dt

from bench.common import Row, median_ms, test_client

RUNS = 100


def _busiest_room(registry) -> int | None:
    import sqlalchemy as sa

    from hub_booking.models import Reservation

    with registry["hub.dbsession_factory"]() as db:
        return db.scalar(sa.select(Reservation.room_id).group_by(Reservation.room_id)
                         .order_by(sa.func.count().desc(), Reservation.room_id).limit(1))


def _next_weekday() -> dt.date:
    from hub_booking.services import PRAGUE

    day = dt.datetime.now(PRAGUE).date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def measure(registry, args) -> list[Row]:
    try:
        import hub_booking  # noqa: F401
    except ImportError:
        return []
    room_id = _busiest_room(registry)
    if room_id is None:
        return []
    import sqlalchemy as sa

    from hub_booking.models import Reservation, Room

    with registry["hub.dbsession_factory"]() as db:
        bookings = db.scalar(sa.select(sa.func.count(Reservation.id)))
        in_room = db.scalar(sa.select(sa.func.count(Reservation.id))
                            .where(Reservation.room_id == room_id))
        rooms = db.scalar(sa.select(sa.func.count(Room.id)).where(Room.is_active.is_(True)))
    client = test_client(registry)
    day = _next_weekday()
    calendar_url = f"/booking/rooms/{room_id}?view=month&day={day.isoformat()}"
    client.get(calendar_url, status=200)            # warm the templates and caches
    median, p99 = median_ms(lambda: client.get(calendar_url, status=200), RUNS)
    rows = [Row("room month calendar", median, p99, None, None, "< 20 ms", median < 20,
                f"{in_room} bookings in the room, {bookings} in all; in process")]
    search = {"date": day.isoformat(), "start": "10:00", "end": "11:00", "capacity": "4"}
    found = client.get("/booking", search, status=200)
    median, p99 = median_ms(lambda: client.get("/booking", search, status=200), RUNS)
    rows.append(Row("free-room search", median, p99, None, None, "< 50 ms", median < 50,
                    f"over {rooms} rooms ({found.text.count('booking-result')} free); "
                    "in process"))
    return rows


def pages(registry) -> list[tuple]:
    try:
        room_id = _busiest_room(registry)
    except ImportError:
        return []
    if room_id is None:
        return []
    # A public page: the same target as the other public pages.
    return [("room month calendar", f"/booking/rooms/{room_id}?view=month", 0.40, 50.0)]
