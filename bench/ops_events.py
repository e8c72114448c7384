"""Events: the event detail page of a published event with many registrations (loaded by
wrk with the other public pages) and the server time of the events pages for a signed-in
member, who gets them rendered for each request (visitors get kept pages)."""
from __future__ import annotations

from bench.common import Row, median_ms, test_client

RUNS = 100


def _busiest_event(registry) -> int | None:
    import sqlalchemy as sa

    from hub.db import utcnow
    from hub_events.models import Event, Registration

    with registry["hub.dbsession_factory"]() as db:
        return db.scalar(
            sa.select(Registration.event_id).join(Event, Event.id == Registration.event_id)
            .where(Event.state == "published", Event.ends_at >= utcnow())
            .group_by(Registration.event_id)
            .order_by(sa.func.count().desc(), Registration.event_id).limit(1))


def pages(registry) -> list:
    try:
        import hub_events  # noqa: F401
    except ImportError:
        return []
    event_id = _busiest_event(registry)
    if event_id is None:
        return []
    return [("event detail", f"/events/{event_id}", 0.40, 50.0)]


def measure(registry, args) -> list[Row]:
    try:
        import hub_events  # noqa: F401
    except ImportError:
        return []
    event_id = _busiest_event(registry)
    if event_id is None:
        return []
    client = test_client(registry, "member@example.org")
    rows = []
    for name, path in (("events list, signed in", "/events"),
                       ("event detail, signed in", f"/events/{event_id}")):
        client.get(path)  # warm: templates compiled, menus kept
        median, p99 = median_ms(lambda path=path: client.get(path), RUNS)
        rows.append(Row(name, median, p99, None, None, "", None,
                        "median server time, in process"))
    return rows
