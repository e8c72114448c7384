"""No query per booking or per room: the month calendar, the room list and the free-room
search cost the same number of queries however much there is to show."""
import datetime as dt

from hub.testing import count_queries
from hub_booking.models import Reservation
from tests.conftest import at, future_day, make_room


def queries(testapp, connection, url, params=None) -> int:
    with count_queries(connection) as statements:
        testapp.get(url, params or {}, status=200)
    return len(statements)


def fill(dbsession, room, user, first: dt.date, days: int):
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        for hour in (8, 11, 14):
            dbsession.add(Reservation(room_id=room.id, user_id=user.id, title="Porada",
                                      starts_at=at(day, hour), ends_at=at(day, hour + 2),
                                      blocked_until=at(day, hour + 2), status="approved"))
    dbsession.flush()


def test_month_calendar_needs_no_query_per_booking(testapp, dbsession, users, connection):
    room = make_room(dbsession, "Plný sál")
    day = future_day(40).replace(day=1)
    testapp.login(users.staff)      # staff see titles and links: the most work per booking
    url, params = f"/booking/rooms/{room.id}", {"view": "month", "day": day.isoformat()}
    testapp.get(url, params)        # warm-up (session, caches)
    fill(dbsession, room, users.member, day, 1)
    few = queries(testapp, connection, url, params)
    fill(dbsession, room, users.member, day + dt.timedelta(days=1), 20)
    many = queries(testapp, connection, url, params)
    assert many == few, (few, many)


def test_room_list_and_search_need_no_query_per_room(testapp, dbsession, users, connection):
    day = future_day()
    search = {"date": day.isoformat(), "start": "09:00", "end": "10:00"}
    for n in range(2):
        make_room(dbsession, f"Místnost A{n}")
    testapp.login(users.member)     # signed in: rendered every time (anonymous get kept pages)
    testapp.get("/booking")
    few = queries(testapp, connection, "/booking")
    few_search = queries(testapp, connection, "/booking", search)
    for n in range(10):
        room = make_room(dbsession, f"Místnost B{n}")
        fill(dbsession, room, users.member, day, 1)
    many = queries(testapp, connection, "/booking")
    many_search = queries(testapp, connection, "/booking", search)
    assert many == few and many_search == few_search, (few, many, few_search, many_search)
    assert few_search <= few + 3


def test_public_pages_are_kept_for_visitors_until_a_booking_changes(testapp, dbsession,
                                                                    users, connection):
    import transaction

    room = make_room(dbsession, "Sál pro návštěvníky")
    transaction.commit()
    url = f"/booking/rooms/{room.id}"
    testapp.get(url)
    assert queries(testapp, connection, url) == 0        # the kept page
    day = future_day(3)
    dbsession.add(Reservation(room_id=room.id, user_id=users.member.id, title="Porada",
                              starts_at=at(day, 9), ends_at=at(day, 10),
                              blocked_until=at(day, 10), status="approved"))
    transaction.commit()
    assert queries(testapp, connection, url) > 0         # rendered anew after the change
