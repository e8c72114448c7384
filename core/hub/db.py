"""Database: one declarative Base, engines for SQLite and PostgreSQL, a session per request.

Every request gets ``request.dbsession`` joined to the request's transaction manager
(pyramid_tm in explicit mode): the whole request commits or aborts as one, error
responses abort (commit veto) and serialization failures are retried (pyramid_retry).

On SQLite the driver's own transaction handling is switched off so that SQLAlchemy emits
BEGIN itself: savepoints work, and requests with unsafe methods start with
``BEGIN IMMEDIATE`` so that concurrent writers queue instead of failing half-way. A safe
request that writes after all (an audited read) and meets another writer is retried once
with ``BEGIN IMMEDIATE``.

The one rule for writing outside the request's transaction (docs/architecture.md): while
a request's transaction is open, nothing opens a second connection to write. A write
either joins the transaction (``request.dbsession``) or runs after it has ended (an
after-commit hook, a finished callback, the session tween), on its own connection. The
session factories enforce it: a session made from them inside an open request
transaction refuses to write (``OutOfBandWrite``), so a plugin cannot deadlock SQLite by
forgetting it.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import re
import sqlite3
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from transaction._transaction import Status as ZopeStatus
from zope.sqlalchemy.datamanager import STATUS_ACTIVE, join_transaction, mark_changed

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
    elif engine.dialect.driver == "psycopg" and "isolation_level" not in kwargs:
        _configure_postgresql(engine)
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


# Statements that need the transaction even before a write: row locks, advisory locks,
# transaction-local settings. Anything but a plain SELECT begins it too.
_TRANSACTIONAL_READ = re.compile(
    r"\bFOR\s+(?:UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b|advisory|set_config", re.I)
_DEFERRED_BEGIN = "hub.deferred_begin"


def _plain_read(statement: str, context) -> bool:
    return (statement.lstrip()[:6].upper() == "SELECT"
            and not (context is not None and context.execution_options.get("stream_results"))
            and not _TRANSACTIONAL_READ.search(statement))


def _configure_postgresql(engine: sa.Engine) -> None:
    """BEGIN emitted by the hub, and on reading connections only before the first write.

    psycopg sends BEGIN as a round trip of its own before a transaction's first statement
    and ROLLBACK after a read-only one: three round trips for a signed-in page that reads
    its session. On a connection marked by ``reader()`` plain SELECTs run on their own
    (at READ COMMITTED, the default, each statement has its own snapshot either way) and
    BEGIN is sent just before the first statement that is not one, so that a safe request
    that writes still commits or rolls back as one.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.rollback()  # the dialect's first queries may have opened one
        dbapi_connection.autocommit = True

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        if options.get("hub_begin_before_write"):
            conn.info[_DEFERRED_BEGIN] = True
        else:
            conn.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "before_cursor_execute")
    def _before_execute(conn, cursor, statement, parameters, context, executemany):
        if conn.info.get(_DEFERRED_BEGIN) and not _plain_read(statement, context):
            del conn.info[_DEFERRED_BEGIN]
            # On the connection, not the cursor: a server-side cursor would DECLARE it.
            cursor.connection.execute("BEGIN")

    def _ended(conn, *_args):
        conn.info.pop(_DEFERRED_BEGIN, None)

    event.listen(engine, "commit", _ended)
    event.listen(engine, "rollback", _ended)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info.pop(_DEFERRED_BEGIN, None)


def reader(engine: sa.Engine) -> sa.Engine:
    """The same engine, marked so that PostgreSQL transactions begin at the first write."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(hub_begin_before_write=True)
    return engine


def writer(engine: sa.Engine) -> sa.Engine:
    """The same engine, marked so that SQLite transactions take the write lock at BEGIN."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="IMMEDIATE")
    return engine


# Set while a web request's transaction is open (see ``transaction_guard_tween_factory``).
_open_request_transaction: contextvars.ContextVar = contextvars.ContextVar(
    "hub_open_request_transaction", default=False)
_OUT_OF_BAND = "hub.out_of_band"


class OutOfBandWrite(RuntimeError):
    """A write on a second connection while the request's own transaction is open.

    On SQLite it would wait for the write lock the request itself holds; on PostgreSQL it
    would commit a change the request may still roll back. Join the request's transaction
    (``request.dbsession``) or write after it (``request.tm.get().addAfterCommitHook``,
    ``request.add_finished_callback``)."""


def inside_request_transaction() -> bool:
    return _open_request_transaction.get()


class HubSessionFactory(sessionmaker):
    """A sessionmaker that keeps the transaction rule (module docstring).

    ``factory()`` inside an open request transaction gives a session that may read but
    refuses to write; on a factory that takes the write lock at BEGIN it is refused at
    once. ``factory.joined(transaction_manager)`` makes the request's own session.
    """

    takes_write_lock = False

    def __call__(self, **local_kw) -> Session:
        if inside_request_transaction():
            if self.takes_write_lock:
                raise OutOfBandWrite("a writing session was opened inside a request's "
                                     "transaction")
            local_kw["info"] = {**local_kw.get("info", {}), _OUT_OF_BAND: True}
        return super().__call__(**local_kw)

    def joined(self, transaction_manager, **local_kw) -> Session:
        """A session joined to ``transaction_manager`` (see ``_TransactionManagerEvents``)."""
        info = {**local_kw.pop("info", {}), _TRANSACTION_MANAGER: transaction_manager}
        return super().__call__(info=info, **local_kw)


class WriterSessionFactory(HubSessionFactory):
    takes_write_lock = True


def _refuse_out_of_band_writes(factory: sessionmaker) -> None:
    def refuse(session):
        if session.info.get(_OUT_OF_BAND):
            raise OutOfBandWrite("a write on a second connection inside a request's "
                                 "transaction")

    event.listen(factory, "before_flush", lambda session, _ctx, _objs: refuse(session))

    @event.listens_for(factory, "do_orm_execute")
    def _on_execute(state):
        if state.is_insert or state.is_update or state.is_delete:
            refuse(state.session)


_TRANSACTION_MANAGER = "hub.transaction_manager"


class _TransactionManagerEvents:
    """zope.sqlalchemy's listeners (``ZopeTransactionEvents``), registered once on a
    session factory.

    ``zope.sqlalchemy.register(session)`` adds seven listeners to every new session, which
    cost a signed-in page a fifth of its time; pyramid_tm gives each request a transaction
    manager of its own, so one registration per factory cannot name it. Here each joined
    session names its manager in ``session.info``; sessions without one (out-of-band
    reads, jobs' own sessions) are left alone.
    """

    @staticmethod
    def after_begin(session, transaction, connection):
        if (manager := session.info.get(_TRANSACTION_MANAGER)) is not None:
            join_transaction(session, STATUS_ACTIVE, manager)

    @staticmethod
    def after_attach(session, instance):
        _TransactionManagerEvents.after_begin(session, None, None)

    @staticmethod
    def after_flush(session, flush_context):
        if (manager := session.info.get(_TRANSACTION_MANAGER)) is not None:
            mark_changed(session, manager)

    @staticmethod
    def after_bulk_update(update_context):
        _TransactionManagerEvents.after_flush(update_context.session, None)

    after_bulk_delete = after_bulk_update

    @staticmethod
    def before_commit(session):
        manager = session.info.get(_TRANSACTION_MANAGER)
        assert (manager is None or session.in_nested_transaction()
                or manager.get().status == ZopeStatus.COMMITTING), \
            "Transaction must be committed using the transaction manager"

    @staticmethod
    def do_orm_execute(execute_state):
        if (execute_state.is_orm_statement and (execute_state.is_update
                or execute_state.is_insert or execute_state.is_delete)):
            _TransactionManagerEvents.after_flush(execute_state.session, None)


def _join_transaction_managers(factory: sessionmaker) -> None:
    events = _TransactionManagerEvents
    for name in ("after_begin", "after_attach", "after_flush", "after_bulk_update",
                 "after_bulk_delete", "before_commit", "do_orm_execute"):
        event.listen(factory, name, getattr(events, name))


def make_session_factory(bind, takes_write_lock: bool = False, **kwargs) -> sessionmaker:
    cls = WriterSessionFactory if takes_write_lock else HubSessionFactory
    factory = cls(bind=bind, expire_on_commit=False, **kwargs)
    _refuse_out_of_band_writes(factory)
    _join_transaction_managers(factory)
    return factory


def get_tm_session(session_factory: HubSessionFactory, transaction_manager, request=None,
                   **kwargs) -> Session:
    """A session of ``session_factory`` (``make_session_factory``) joined to
    ``transaction_manager`` (cookiecutter pattern)."""
    return session_factory.joined(transaction_manager, info={"request": request}, **kwargs)


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SQLITE_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, getattr(sqlite3, "SQLITE_BUSY_SNAPSHOT", 517)})


def request_dbsession(request) -> Session:
    writes = request.method in UNSAFE_METHODS or request.environ.get("hub.db.upgrade_lock")
    key = "hub.dbsession_writer" if writes else "hub.dbsession_factory"
    return get_tm_session(request.registry[key], request.tm, request=request)


def _lost_sqlite_upgrade(request, exc) -> bool:
    """A safe request's deferred SQLite transaction could not take the write lock."""
    orig = getattr(exc, "orig", None)
    return (isinstance(exc, sa.exc.OperationalError) and isinstance(orig, sqlite3.Error)
            and getattr(orig, "sqlite_errorcode", None) in SQLITE_BUSY_CODES
            and request.method not in UNSAFE_METHODS
            and not request.environ.get("hub.db.upgrade_lock"))


def transaction_guard_tween_factory(handler, registry):
    """Inside pyramid_tm: mark the request's transaction open for ``HubSessionFactory``."""

    def transaction_guard_tween(request):
        token = _open_request_transaction.set(True)
        try:
            return handler(request)
        finally:
            _open_request_transaction.reset(token)

    return transaction_guard_tween


def sqlite_upgrade_retry_tween_factory(handler, registry):
    """Outside pyramid_tm: a GET that wrote (an audited read) and lost SQLite's write lock
    to another writer is tried again, this time taking the lock at BEGIN."""
    from pyramid_retry import mark_error_retryable

    def sqlite_upgrade_retry_tween(request):
        try:
            response = handler(request)
        except sa.exc.OperationalError as exc:
            if _lost_sqlite_upgrade(request, exc):
                request.environ["hub.db.upgrade_lock"] = True
                mark_error_retryable(exc)
            raise
        exc = getattr(request, "exception", None)
        if exc is not None and _lost_sqlite_upgrade(request, exc):
            request.environ["hub.db.upgrade_lock"] = True
            mark_error_retryable(exc)
        return response

    return sqlite_upgrade_retry_tween


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
    config.registry["hub.dbsession_factory"] = make_session_factory(reader(engine))
    config.registry["hub.dbsession_writer"] = make_session_factory(writer(engine),
                                                                    takes_write_lock=True)
    config.add_request_method(request_dbsession, "dbsession", reify=True)
    config.add_tween("hub.db.transaction_guard_tween_factory",
                     under="pyramid_tm.tm_tween_factory")
    if engine.dialect.name == "sqlite":
        config.add_tween("hub.db.sqlite_upgrade_retry_tween_factory",
                         over="pyramid_tm.tm_tween_factory")
