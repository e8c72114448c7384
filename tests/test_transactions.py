"""The one rule for writing outside the request's transaction (docs/architecture.md), and
SQLite's write lock under concurrent requests."""
import os
import time
import uuid

import pytest
import sqlalchemy as sa
from pyramid.response import Response

from hub.accounts.models import AuditEvent
from hub.app import make_config
from hub.db import OutOfBandWrite, make_engine, transaction_guard_tween_factory
from hub.security import PUBLIC
from hub.testing import HTTPClient, concurrent_calls, served


def inside_a_request(registry, work):
    """Run ``work()`` as a view would, inside an open request transaction."""
    tween = transaction_guard_tween_factory(lambda _request: work(), registry)
    return tween(None)


def test_a_second_connection_cannot_write_inside_a_request(registry, dbsession):
    with pytest.raises(OutOfBandWrite):
        inside_a_request(registry, lambda: registry["hub.dbsession_writer"]())

    def write_on_a_reading_session():
        with registry["hub.dbsession_factory"]() as db:
            db.add(AuditEvent(action="out_of_band"))
            db.flush()

    with pytest.raises(OutOfBandWrite):
        inside_a_request(registry, write_on_a_reading_session)

    def delete_on_a_reading_session():
        with registry["hub.dbsession_factory"]() as db:
            db.execute(sa.delete(AuditEvent).where(AuditEvent.action == "nothing"))

    with pytest.raises(OutOfBandWrite):
        inside_a_request(registry, delete_on_a_reading_session)


def test_reading_on_a_second_connection_and_writing_after_the_request_are_allowed(
        registry, dbsession):
    def read():
        with registry["hub.dbsession_factory"]() as db:
            return db.scalar(sa.select(sa.func.count()).select_from(AuditEvent))

    assert inside_a_request(registry, read) >= 0
    with registry["hub.dbsession_writer"]() as db:  # after the request: allowed
        db.add(AuditEvent(action="after_the_request"))
        db.commit()


@pytest.fixture
def audited_reads_app(base_settings, tmp_path):
    """An app on a file SQLite database of its own with a GET that writes (an audited
    read) and a POST that writes."""
    if os.environ.get("HUB_TEST_DATABASE_URL"):
        pytest.skip("SQLite's lock upgrade: PostgreSQL has no database-wide write lock")
    from hub import migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'audited.sqlite'}")
    config = make_config({**base_settings, "hub.plugins": "", "hub.dbengine": engine})
    migrate.upgrade(config.registry)

    def audited_read(request):
        seen = request.dbsession.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        time.sleep(0.02)  # other writers commit meanwhile
        request.dbsession.add(AuditEvent(action="read", details={"seen": seen}))
        return Response("ok")

    def write(request):
        request.dbsession.add(AuditEvent(action="write"))
        return Response("ok")

    config.add_route("audited_read", "/audited-read")
    config.add_route("write", "/write")
    config.add_view(audited_read, route_name="audited_read", request_method="GET",
                    permission=PUBLIC)
    config.add_view(write, route_name="write", request_method="POST", permission=PUBLIC,
                    require_csrf=False)
    app = config.make_wsgi_app()
    yield app, engine
    engine.dispose()


def test_a_get_that_writes_waits_its_turn_on_sqlite(audited_reads_app):
    app, engine = audited_reads_app
    with served(app, threads=6) as url:
        # Templates are compiled by the first request, alone: Python 3.11 can fail to
        # compile (SystemError "AST constructor recursion depth mismatch") when another
        # thread compiles code at the same moment, which is not what this test is about.
        warm = HTTPClient(url)
        assert warm.get("/audited-read").status == 200
        assert warm.request("POST", "/write", b"").status == 200

        def run(i):
            client = HTTPClient(url)
            statuses = []
            for _ in range(8):
                if i % 2:
                    statuses.append(client.get("/audited-read").status)
                else:
                    statuses.append(client.request("POST", "/write", b"").status)
            return statuses

        results = concurrent_calls(6, run)
    assert all(status == 200 for statuses in results for status in statuses), results
    with engine.connect() as conn:
        counts = dict(conn.execute(sa.select(AuditEvent.action, sa.func.count())
                                   .group_by(AuditEvent.action)).all())
    assert counts == {"read": 25, "write": 25}


def test_tests_run_on_the_embedded_default_of_make_run(base_settings, dbengine):
    """config/test.ini is config/development.ini with test-only settings on top, and the
    test database is a file SQLite database with the same engine set-up (or PostgreSQL)."""
    from pathlib import Path

    from pyramid.paster import get_appsettings

    root = Path(__file__).resolve().parent.parent
    development = dict(get_appsettings(str(root / "config" / "development.ini")))
    differences = {key for key in development if development[key] != base_settings.get(key)}
    assert differences <= {"hub.base_url", "hub.allowed_hosts", "hub.jobs.backend",
                           "pyramid.reload_templates", "sqlalchemy.url", "hub.data_dir"}
    if dbengine.dialect.name != "sqlite":
        return
    assert dbengine.url.database not in (None, "", ":memory:")
    with dbengine.connect() as conn:
        pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "busy_timeout", "foreign_keys")}
        assert conn.connection.driver_connection.isolation_level is None  # we emit BEGIN
    assert pragma == {"journal_mode": "wal", "busy_timeout": 30000, "foreign_keys": 1}


def test_each_session_joins_its_own_transaction_manager(tmp_path):
    """One factory serves every request, each with a transaction manager of its own
    (pyramid_tm's explicit mode): a session commits or aborts with its manager only, and a
    session that no manager joined commits by itself."""
    import transaction

    from hub.db import Base, get_tm_session, make_session_factory

    engine = make_engine(f"sqlite:///{tmp_path / 'managers.sqlite'}")
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    kept, dropped = (transaction.TransactionManager(explicit=True) for _ in range(2))
    kept.begin()
    dropped.begin()
    get_tm_session(factory, kept).add(AuditEvent(action="kept"))
    get_tm_session(factory, dropped).add(AuditEvent(action="dropped"))
    dropped.abort()
    kept.commit()
    with factory() as own:
        own.add(AuditEvent(action="own"))
        own.commit()
    with pytest.raises(AssertionError, match="transaction manager"):
        kept.begin()
        joined = get_tm_session(factory, kept)
        joined.add(AuditEvent(action="committed by hand"))
        joined.commit()
    kept.abort()
    with engine.connect() as conn:
        assert set(conn.scalars(sa.select(AuditEvent.action))) == {"kept", "own"}


@pytest.fixture
def postgresql_engine(base_settings):
    url = base_settings["sqlalchemy.url"]
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL's deferred BEGIN: the run is on SQLite")
    engine = make_engine(url)
    table = f"deferred_begin_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE {table} (n integer)")
    yield engine, sa.table(table, sa.column("n"))
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE {table}")
    engine.dispose()


def _driver_status(db):
    return db.connection().connection.driver_connection.info.transaction_status.name


def test_reading_sessions_begin_on_postgresql_only_before_the_first_write(
        postgresql_engine):
    from hub.db import make_session_factory, reader

    engine, scratch = postgresql_engine
    reading = make_session_factory(reader(engine))
    with reading() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(scratch)).scalar() == 0
        assert _driver_status(db) == "IDLE"  # no BEGIN and no ROLLBACK round trips
        db.execute(sa.insert(scratch).values(n=1))
        assert _driver_status(db) == "INTRANS"
        assert db.execute(sa.select(scratch.c.n)).scalar() == 1  # inside the transaction
        db.rollback()
    with reading() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(scratch)).scalar() == 0
        db.execute(sa.select(scratch.c.n).with_for_update())
        assert _driver_status(db) == "INTRANS"  # a lock needs the transaction
        db.commit()
    with reading() as db:
        db.execute(sa.text("SELECT pg_advisory_xact_lock(1, 2)"))
        assert _driver_status(db) == "INTRANS"
    with make_session_factory(engine)() as db:
        db.execute(sa.select(scratch.c.n))
        assert _driver_status(db) == "INTRANS"  # other sessions begin as usual
