"""Built data for the indicators: March and April 2026, in Prague time."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

PRAGUE = ZoneInfo("Europe/Prague")
PLUGINS = ("booking", "events", "elearning", "newsletter")


def prague(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PRAGUE)


@pytest.fixture
def client(make_app, make_testapp):
    return make_testapp(make_app(*PLUGINS))


@pytest.fixture
def built(dbsession, users):
    """People, events, registrations and a course of March and April 2026.

    - the member attended two events in March (2 h and 3 h) and completed a course (90 min)
      in March, and was also registered by address as a guest at the second event;
    - a guest cancelled, another was confirmed but did not come;
    - a guest attended an event at 23:30 on 31 March (Prague), another one at 00:00 on
      1 April; a cancelled event had a checked-in registration.
    """
    from hub_elearning.models import Course, Enrolment
    from hub_events.models import Event, Registration

    def event(title, kind, starts, hours, state="published"):
        item = Event(title=title, kind=kind, venue="address", address="Praha", state=state,
                     audience="public", starts_at=starts,
                     ends_at=starts + dt.timedelta(hours=hours), taken=0)
        dbsession.add(item)
        dbsession.flush()
        return item

    def register(item, email, status="confirmed", attended=False, user=None):
        dbsession.add(Registration(event_id=item.id, user_id=user.id if user else None,
                                   email=email, name=email.split("@")[0], status=status,
                                   attended=attended, access_key=f"key-{item.id}-{email}"))

    member = users.member
    lecture = event("Přednáška", "lecture", prague(2026, 3, 10, 17), 2)
    workshop = event("Dílna", "workshop", prague(2026, 3, 20, 9), 3)
    late = event("Pozdní seminář", "seminar", prague(2026, 3, 31, 23, 30), 1)
    april = event("Dubnová přednáška", "lecture", prague(2026, 4, 1, 0, 0), 1)
    cancelled = event("Zrušená", "lecture", prague(2026, 3, 12, 17), 2, state="cancelled")
    register(lecture, member.email, attended=True, user=member)
    register(workshop, member.email, attended=True, user=member)
    # The member's address typed again by a representative, as a guest: the same person.
    register(lecture, member.email.upper(), attended=True)
    register(workshop, "zrusil@test.example", status="cancelled", attended=True)
    register(workshop, "neprisel@test.example")
    register(late, "pozdni@test.example", attended=True)
    register(april, "dubnovy@test.example", attended=True)
    register(cancelled, "zrusena@test.example", attended=True)
    course = Course(slug="kurz-ind", title="Kurz o diabetu", level="beginner", language="cs",
                    visibility="public", link_token="token-kurz-ind", is_published=True,
                    duration_minutes=90)
    dbsession.add(course)
    dbsession.flush()
    dbsession.add_all([
        Enrolment(user_id=member.id, course_id=course.id, started_at=prague(2026, 3, 1, 10),
                  completed_at=prague(2026, 3, 5, 10)),
        Enrolment(user_id=users.representative.id, course_id=course.id,
                  started_at=prague(2026, 3, 2, 10)),
    ])
    dbsession.flush()
    return {"lecture": lecture, "workshop": workshop, "late": late, "april": april,
            "course": course}


def by_key(payload: dict) -> dict:
    return {item["key"]: item for item in payload["indicators"]}
