"""Database: one declarative Base, engines for SQLite and PostgreSQL, a session per request.

Every request gets ``request.dbsession`` joined to the request's transaction manager
(pyramid_tm in explicit mode): the whole request commits or aborts as one, error
responses abort (commit veto) and serialization failures are retried (pyramid_retry).

On SQLite the driver's own transaction handling is switched off so that SQLAlchemy emits
BEGIN itself: savepoints work, and requests with unsafe methods start with
``BEGIN IMMEDIATE`` so that concurrent writers queue instead of failing half-way.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import zope.sqlalchemy
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: sa.DateTime(timezone=True)}


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware datetime stored in UTC on every backend.

    SQLite has no time zone type; values come back naive, so they are marked UTC here and
    application code only ever sees aware datetimes.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def is_sqlite(bind: Any) -> bool:
    return bind.dialect.name == "sqlite"


def make_engine(url: str, **kwargs) -> sa.Engine:
    """An engine for ``url`` with the project's SQLite behaviour switched on."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 30)
        kwargs.setdefault("connect_args", {}).setdefault("check_same_thread", False)
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy emit BEGIN (pysqlite's implicit transactions break savepoints and
        # let concurrent check-then-insert both succeed).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def writer(engine: sa.Engine) -> sa.Engine:
    """The same engine, marked so that SQLite transactions take the write lock at BEGIN."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="IMMEDIATE")
    return engine


def make_session_factory(engine: sa.Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_tm_session(session_factory, transaction_manager, request=None, **kwargs) -> Session:
    """A session joined to ``transaction_manager`` (cookiecutter pattern)."""
    dbsession = session_factory(info={"request": request}, **kwargs)
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def request_dbsession(request) -> Session:
    key = "hub.dbsession_writer" if request.method in UNSAFE_METHODS else "hub.dbsession_factory"
    return get_tm_session(request.registry[key], request.tm, request=request)


def includeme(config):
    """Wire the engine, pyramid_tm, pyramid_retry and ``request.dbsession``."""
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    settings.setdefault("tm.commit_veto", "pyramid_tm.default_commit_veto")
    settings.setdefault("retry.attempts", 3)
    config.include("pyramid_tm")
    config.include("pyramid_retry")
    pool = {key: settings[f"sqlalchemy.{key}"] for key in ("pool_size", "max_overflow")
            if settings.get(f"sqlalchemy.{key}") is not None}
    engine = settings.get("hub.dbengine") or make_engine(settings["sqlalchemy.url"], **pool)
    config.registry["hub.dbengine"] = engine
    config.registry["hub.dbsession_factory"] = make_session_factory(engine)
    config.registry["hub.dbsession_writer"] = make_session_factory(writer(engine))
    config.add_request_method(request_dbsession, "dbsession", reify=True)
