"""Every public page and widget of the events plugin reads a fixed number of SQL statements,
however many events, topics, talks and registrations there are (no query per row)."""
import datetime as dt

import pytest

from hub.db import utcnow
from hub.testing import make_user, page_query_counts

from .test_organiser import _register

# Statements of the events plugin per page (the core's own reads are not counted). The
# detail and the API's list read the events' materials in one statement.
CAPS = {"list": 3, "list page 2": 3, "detail": 6, "calendar": 2, "archive": 2, "home": 1,
        "api list": 4, "api detail": 5}


def _pages(event, past):
    month = event.starts_at.strftime("%Y-%m")
    return {"list": "/events", "list page 2": "/events?page=2",
            "detail": f"/events/{event.id}", "calendar": f"/events/calendar?month={month}",
            "archive": "/events/archive", "home": "/", "api list": "/api/v1/events",
            "api detail": f"/api/v1/events/{event.id}"}


def _counts(client, connection, pages, clear=True) -> dict:
    return page_query_counts(client, connection, pages, "events_", cold=clear)


def _add(make_event, dbsession, n, first):
    from hub_events.models import Talk

    events = []
    for i in range(first, first + n):
        event = make_event(title=f"Akce {i}", capacity=500,
                           topics=[("diabetes", "oncology", "legislation")[i % 3],
                                   "patient-rights"],
                           starts_at=utcnow() + dt.timedelta(days=1 + i % 20))
        dbsession.add(Talk(event_id=event.id, title=f"Přednáška {i}", speaker="MUDr. X",
                           starts_at=event.starts_at, ends_at=event.ends_at))
        events.append(event)
    dbsession.flush()
    return events


@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_read_a_fixed_number_of_statements(testapp, make_event, users, dbsession,
                                                connection, signed_in):
    if signed_in:
        testapp.login(users.member)
    events = _add(make_event, dbsession, 32, 0)  # two pages of the list
    past = make_event(title="Proběhlá", starts_at=utcnow() - dt.timedelta(days=10),
                      recording_published=True, video_url="https://example.org/v",
                      topics=["oncology"])
    event = events[0]
    for i in range(3):
        _register(dbsession, event, make_user(dbsession, f"few{i}@example.org"))
    few = _counts(testapp, connection, _pages(event, past))
    # many more events (two pages of the list), talks and registrations
    _add(make_event, dbsession, 60, 32)
    for i in range(60):
        _register(dbsession, event, make_user(dbsession, f"many{i}@example.org"))
    many = _counts(testapp, connection, _pages(event, past))
    assert many == few
    over = {name: n for name, n in many.items() if n > CAPS[name]}
    assert not over, (over, many)
