import datetime as dt

import pytest

from hub.db import utcnow
from hub_booking.models import BookableHours, Room
from hub_booking.services import PRAGUE


def make_room(dbsession, name="Zasedací místnost", **kwargs):
    values = {"capacity": 12, "location": "1. patro", "min_notice_hours": 0,
              "accessibility": ["step_free", "lift"], "equipment": ["projector"], **kwargs}
    room = Room(name=name, **values)
    room.hours = [BookableHours(weekday=d, opens_at=dt.time(0), closes_at=dt.time(23, 59))
                  for d in range(7)]
    dbsession.add(room)
    dbsession.flush()
    return room


@pytest.fixture
def room(dbsession):
    return make_room(dbsession)


def future_day(days=7) -> dt.date:
    """A weekday ``days`` or a little more from now (Prague)."""
    day = utcnow().astimezone(PRAGUE).date() + dt.timedelta(days=days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PRAGUE)


def csrf(testapp) -> str:
    # WebTest stores cookie values quoted; the core helper returns them as stored.
    return testapp.csrf_token.strip('"')


def post_form(testapp, url, fields, **kwargs):
    """``testapp.post_form`` with the CSRF token unquoted (works for repeated posts)."""
    headers = {"Origin": testapp.origin, **kwargs.pop("headers", {})}
    return testapp.post(url, {**fields, "csrf_token": csrf(testapp)}, headers=headers, **kwargs)
