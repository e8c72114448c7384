"""Times are aware, shown in Prague; clock changes (last Sunday of March/October)."""
import datetime as dt

import pytest
from pyramid.testing import DummyRequest

from hub_booking import services
from hub_booking.services import PRAGUE, BookingError, Recurrence
from tests.conftest import make_room

SPRING = dt.date(2027, 3, 28)   # 02:00 -> 03:00
AUTUMN = dt.date(2027, 10, 31)  # 03:00 -> 02:00


def test_weekly_series_keeps_the_wall_clock_time_across_clock_changes():
    for change in (SPRING, AUTUMN):
        first = change - dt.timedelta(days=7)
        days = services.occurrence_days(first, Recurrence("weekly", 1, (first.weekday(),),
                                                          change + dt.timedelta(days=7)))
        starts = [services.aware_local(d, dt.time(10)) for d in days]
        assert [s.astimezone(PRAGUE).time() for s in starts] == [dt.time(10)] * 3
        utc_hours = [s.astimezone(dt.UTC).hour for s in starts]
        assert utc_hours[0] != utc_hours[-1]
        assert utc_hours[1] == utc_hours[2]


def test_a_skipped_hour_is_refused_and_an_ambiguous_one_shows_its_offset():
    with pytest.raises(BookingError) as error:
        services.aware_local(SPRING, dt.time(2, 30))
    assert "clocks go forward" in str(error.value)
    first = services.aware_local(AUTUMN, dt.time(2, 30))
    assert first.utcoffset() == dt.timedelta(hours=2)
    second = first.astimezone(dt.UTC) + dt.timedelta(hours=1)
    assert services.is_ambiguous(first) and services.is_ambiguous(second)
    request = DummyRequest()
    request.locale_name = "cs"
    assert services.format_when(request, first).endswith("2:30 (UTC+02:00)")
    assert services.format_when(request, second).endswith("2:30 (UTC+01:00)")
    assert "UTC" not in services.format_when(request, services.aware_local(AUTUMN,
                                                                            dt.time(10)))


def test_days_around_clock_changes_have_23_and_25_hours():
    start, end = services.day_bounds(SPRING)
    assert end - start == dt.timedelta(hours=23)
    start, end = services.day_bounds(AUTUMN)
    assert end - start == dt.timedelta(hours=25)


def test_daily_and_monthly_recurrence():
    days = services.occurrence_days(dt.date(2027, 1, 31), Recurrence(
        "monthly", 1, (), dt.date(2027, 5, 1)))
    assert days == [dt.date(2027, 1, 31), dt.date(2027, 2, 28), dt.date(2027, 3, 31),
                    dt.date(2027, 4, 30)]
    days = services.occurrence_days(dt.date(2027, 3, 26), Recurrence(
        "daily", 2, (), dt.date(2027, 4, 1)))
    assert days == [dt.date(2027, 3, 26), dt.date(2027, 3, 28), dt.date(2027, 3, 30),
                    dt.date(2027, 4, 1)]
    days = services.occurrence_days(dt.date(2027, 3, 1), Recurrence(
        "weekly", 2, (0, 2), dt.date(2027, 3, 31)))
    assert days == [dt.date(2027, 3, 1), dt.date(2027, 3, 3), dt.date(2027, 3, 15),
                    dt.date(2027, 3, 17), dt.date(2027, 3, 29), dt.date(2027, 3, 31)]
    with pytest.raises(BookingError):
        services.occurrence_days(dt.date(2027, 3, 1), Recurrence("daily", 1, (),
                                                                  dt.date(2028, 6, 1)))


def test_series_over_the_spring_change_is_stored_in_utc_with_prague_wall_times(
        dbsession, users, app):
    from hub.jobs import background_request

    room = make_room(dbsession, "Letní čas", max_advance_days=600)
    request = background_request(app.registry)
    request.dbsession = dbsession
    request.locale_name = "cs"
    outcome = services.book(request, room, users.staff, first_day=SPRING - dt.timedelta(days=7),
                            start=dt.time(9), end=dt.time(10), title="Skupina",
                            recurrence=Recurrence("weekly", 1, (), SPRING))
    assert len(outcome.created) == 2
    dbsession.expire_all()
    stored = sorted(r.starts_at for r in room_reservations(dbsession, room))
    assert [s.tzinfo for s in stored] == [dt.UTC, dt.UTC]
    assert [s.hour for s in stored] == [8, 7]
    assert [s.astimezone(PRAGUE).hour for s in stored] == [9, 9]


def room_reservations(dbsession, room):
    import sqlalchemy as sa

    from hub_booking.models import Reservation

    return dbsession.scalars(sa.select(Reservation).where(Reservation.room_id == room.id))


def test_ambiguous_time_on_the_room_page(testapp, dbsession, users):
    from hub.testing import html_text
    from hub_booking.models import Reservation

    room = make_room(dbsession, "Podzim")
    first = services.aware_local(AUTUMN, dt.time(2, 30))
    dbsession.add(Reservation(room_id=room.id, user_id=users.member.id, title="Noční",
                              starts_at=first, ends_at=first + dt.timedelta(minutes=90),
                              blocked_until=first + dt.timedelta(minutes=90),
                              status="approved"))
    dbsession.flush()
    testapp.login(users.member)
    page = testapp.get("/booking/my")
    assert "2:30 (UTC+02:00)" in html_text(page)
    assert "3:00 (UTC+01:00)" not in html_text(page)


def test_booking_a_skipped_hour_on_the_page_names_the_rule(testapp, dbsession, users):
    from hub.testing import html_text
    from tests.conftest import post_form

    room = make_room(dbsession, "Jaro")
    testapp.login(users.member)
    page = post_form(testapp, f"/booking/rooms/{room.id}/book", {
        "title": "Noc", "date": SPRING.isoformat(), "start": "02:30", "end": "03:30"},
        status=400)
    assert "posun hodin na letní čas" in html_text(page)
