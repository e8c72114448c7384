"""Health endpoints for the load balancer: live (the process) and ready (what it needs)."""
import pytest
import sqlalchemy as sa
import webtest

from hub import migrate
from hub.app import make_config
from hub.db import make_engine

READY = {"status": "ok", "database": "ok", "migrations": "ok"}


def test_a_ready_portal_says_so(testapp):
    live = testapp.get("/health/live")
    assert live.json == {"status": "ok"}
    assert "no-store" in live.headers["Cache-Control"]
    assert testapp.get("/health/ready").json == READY
    assert testapp.get("/healthz").json == READY


def test_live_needs_no_database_and_ready_does(base_settings):
    broken = make_engine("postgresql://nobody@127.0.0.1:1/none")
    config = make_config({**base_settings, "hub.plugins": "events", "hub.dbengine": broken})
    client = webtest.TestApp(config.make_wsgi_app())
    assert client.get("/health/live").json == {"status": "ok"}
    client.get("/health/ready", status=503)  # the body: test_database.py


@pytest.fixture
def core_only(base_settings, empty_database):
    """A core-only portal on a database of its own, not migrated yet."""
    engine = make_engine(empty_database)
    config = make_config({**base_settings, "hub.plugins": "", "sqlalchemy.url": empty_database,
                          "hub.dbengine": engine})
    yield config.registry, webtest.TestApp(config.make_wsgi_app())
    engine.dispose()


def test_ready_waits_for_the_migrations_and_survives_newer_ones(core_only):
    registry, client = core_only
    assert client.get("/health/ready", status=503).json["migrations"] == "behind"
    migrate.upgrade(registry)
    assert client.get("/health/ready").json == READY
    # A newer release migrated the database before this process was stopped (an upgrade
    # without downtime): the old code still serves.
    with registry["hub.dbengine"].begin() as conn:
        conn.execute(sa.text(f"UPDATE {migrate.version_table('core')} "
                             "SET version_num = 'f0f0f0f0f0f0'"))
    assert client.get("/health/ready").json == {**READY, "migrations": "ahead"}


@pytest.fixture
def with_redis(make_app, make_testapp):
    made = []

    def _make(url):
        app = make_app("events", **{"hub.redis_url": url})
        made.append(app)
        return make_testapp(app)

    yield _make
    for app in made:
        app.registry["hub.cache"].close()


def test_ready_checks_redis_when_it_is_configured(with_redis, redis_url):
    assert with_redis(redis_url).get("/health/ready").json == {**READY, "redis": "ok"}
    down = with_redis("redis://127.0.0.1:1/0").get("/health/ready", status=503)
    assert down.json == {**READY, "status": "degraded", "redis": "unavailable"}
