import datetime as dt

import pytest

from hub.db import utcnow


@pytest.fixture
def make_event(dbsession):
    from hub_events.models import Event

    def _make(topics=(), **values):
        start = values.pop("starts_at", utcnow() + dt.timedelta(days=10))
        data = {"title": "Přednáška o diabetu", "kind": "lecture", "venue": "hybrid",
                "address": "Palackého náměstí 4, Praha", "online_url": "https://meet.example.org/x",
                "state": "published", "audience": "public", "starts_at": start,
                "ends_at": start + dt.timedelta(hours=2), "taken": 0,
                "accessibility": ["step_free"]}
        data.update(values)
        event = Event(**data)
        if topics:
            import sqlalchemy as sa

            from hub.topics.demo import seed_topics
            from hub.topics.models import Topic

            seed_topics(dbsession)
            event.topics = list(dbsession.scalars(sa.select(Topic).where(
                Topic.slug.in_(topics))))
        dbsession.add(event)
        dbsession.flush()
        return event

    return _make


def api_headers(client):
    # HubTestApp.csrf_token returns the cookie as WebTest stores it, quoted after the first
    # call; the server compares the unquoted value.
    return {"X-CSRF-Token": client.csrf_token.strip('"'), "Origin": "https://hub.example.org"}


def form_post(client, url, fields, **kwargs):
    """``client.post_form`` with the CSRF token unquoted (see ``api_headers``)."""
    return client.post(url, {**fields, "csrf_token": client.csrf_token.strip('"')},
                       headers={"Origin": "https://hub.example.org"}, **kwargs)


def job_request(registry, dbsession):
    """A background request (as jobs get) working in the test's session."""
    import transaction

    from hub.jobs import background_request

    request = background_request(registry, tm=transaction.manager)
    request.dbsession = dbsession
    return request


@pytest.fixture
def topics(dbsession):
    """The core's demo topics, by slug."""
    import sqlalchemy as sa

    from hub.topics.demo import seed_topics
    from hub.topics.models import Topic

    seed_topics(dbsession)
    return {t.slug: t for t in dbsession.scalars(sa.select(Topic))}
