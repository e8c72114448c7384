import datetime as dt

import pytest

from hub.db import utcnow


@pytest.fixture
def make_event(dbsession):
    from hub_events.models import Event

    def _make(**values):
        start = values.pop("starts_at", utcnow() + dt.timedelta(days=10))
        data = {"title": "Přednáška o diabetu", "kind": "lecture", "venue": "hybrid",
                "address": "Palackého náměstí 4, Praha", "online_url": "https://meet.example.org/x",
                "state": "published", "audience": "public", "starts_at": start,
                "ends_at": start + dt.timedelta(hours=2), "taken": 0,
                "accessibility": ["step_free"]}
        data.update(values)
        event = Event(**data)
        dbsession.add(event)
        dbsession.flush()
        return event

    return _make


def api_headers(client):
    return {"X-CSRF-Token": client.csrf_token, "Origin": "https://hub.example.org"}
