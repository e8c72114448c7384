"""pytest plugin (entry point ``pytest11``): fixtures for the core's and plugins' tests.

Fixtures
- ``app_settings``: settings from ``config/test.ini`` (or ``--hub-ini``) for a fresh
  database (SQLite file per run; PostgreSQL database per run when
  ``HUB_TEST_DATABASE_URL`` is set).
- ``make_app(*plugins, **settings)``: an application with the chosen plugins (cached).
- ``app`` / ``registry``: all plugins of the ini enabled.
- ``dbsession``: a session in an outer transaction rolled back after the test; requests
  made by ``testapp`` in the same test use the same connection, so they see the test's
  data and everything they write disappears after the test.
- ``testapp``: WebTest over https (so CSRF origin checks run) with ``login(user)``,
  ``logout()`` and ``csrf_token`` helpers.
- ``users``: one user per role (member, representative, staff, admin).
- ``smtp_sink``: a real SMTP server on 127.0.0.1 collecting messages.
- ``concurrent(n, fn)``: run ``fn(i)`` in ``n`` threads released together.
"""
from __future__ import annotations

import contextlib
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import transaction
import webtest
from sqlalchemy.orm import Session

from hub.db import make_engine, make_session_factory


def _let_pkg_resources_read_rewritten_packages():
    # pytest imports this plugin's package through its assertion-rewriting loader, which
    # pkg_resources (used by Pyramid for asset specs such as "hub:locale/") does not know.
    import pkg_resources
    from _pytest.assertion.rewrite import AssertionRewritingHook

    pkg_resources.register_loader_type(AssertionRewritingHook, pkg_resources.DefaultProvider)


_let_pkg_resources_read_rewritten_packages()

DEFAULT_INI = "config/test.ini"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need_service(name: str, reason: str):
    """Skip locally when a server is missing; in CI a missing server is a failure."""
    if IN_CI:
        pytest.fail(f"{name} is required in CI: {reason}")
    pytest.skip(f"{name} not available: {reason}")


def pytest_addoption(parser):
    group = parser.getgroup("hub")
    group.addoption("--hub-ini", default=None, help=f"settings file (default {DEFAULT_INI})")


# -- database ---------------------------------------------------------------------------

def _postgres_database(base_url: str) -> tuple[str, Callable[[], None]]:
    """Create a database of its own for this run; return its URL and a drop function."""
    name = f"hub_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        need_service("PostgreSQL", f"cannot connect to {base_url}: {exc.orig}")
    url = sa.engine.make_url(make_engine(base_url).url).set(database=name)

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """URL of an empty database for this test run."""
    base = os.environ.get("HUB_TEST_DATABASE_URL")
    if base:
        url, drop = _postgres_database(base)
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'hub.sqlite'}"


@pytest.fixture(scope="session")
def base_settings(request, database_url, tmp_path_factory) -> dict:
    from pyramid.paster import get_appsettings

    ini = request.config.getoption("--hub-ini") or os.environ.get("HUB_TEST_INI") or DEFAULT_INI
    if not os.path.isabs(ini):
        ini = str(Path(request.config.rootpath) / ini)
    settings = dict(get_appsettings(ini))
    data_dir = tmp_path_factory.mktemp("data")
    settings.update({"sqlalchemy.url": database_url, "hub.data_dir": str(data_dir)})
    return settings


@pytest.fixture(scope="session")
def dbengine(base_settings):
    engine = make_engine(base_settings["sqlalchemy.url"])
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(base_settings, dbengine):
    """The run's database with the tables of every installed plugin.

    Migrating everything once, before any test holds a transaction, lets tests build apps
    with any set of plugins without touching the schema again.
    """
    from hub import migrate
    from hub.app import make_config
    from hub.plugins import installed_plugins

    everything = " ".join(sorted(installed_plugins()))
    config = make_config({**base_settings, "hub.plugins": everything, "hub.dbengine": dbengine})
    migrate.upgrade(config.registry)
    return dbengine


@pytest.fixture
def empty_database(tmp_path):
    """The URL of a new, empty database on the backend under test (dropped afterwards):
    for migration tests, which need a schema of their own."""
    base = os.environ.get("HUB_TEST_DATABASE_URL")
    if base:
        url, drop = _postgres_database(base)
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"


@pytest.fixture(scope="session")
def make_app(base_settings, migrated_database):
    """``make_app(*plugins, **settings)``: a WSGI app on the run's database, cached."""
    from hub.app import make_config

    dbengine = migrated_database
    cache: dict = {}

    def _make(*plugins, **overrides):
        names = plugins if plugins else tuple(
            base_settings["hub.plugins"].split())
        key = (names, tuple(sorted(overrides.items())))
        if key not in cache:
            settings = {**base_settings, "hub.plugins": " ".join(names),
                        "hub.dbengine": dbengine, **overrides}
            config = make_config(settings)
            app = config.make_wsgi_app()
            app.registry = config.registry
            cache[key] = app
        return cache[key]

    return _make


@pytest.fixture(scope="session")
def app(make_app):
    return make_app()


@pytest.fixture
def registry(app):
    return app.registry


@pytest.fixture
def connection(dbengine):
    conn = dbengine.connect()
    outer = conn.begin()
    yield conn
    if outer.is_active:
        outer.rollback()
    conn.close()


@pytest.fixture
def bind_registry(connection):
    """Point an application's sessions at the test's connection for this test."""
    from hub.cache import watch_sessions

    bound = []

    def _bind(registry):
        # The same factories as the application's, so the transaction rule holds in tests:
        # a second connection writing inside a request's transaction fails here as it
        # would deadlock on SQLite.
        factories = {
            "hub.dbsession_factory": make_session_factory(
                connection, join_transaction_mode="create_savepoint"),
            "hub.dbsession_writer": make_session_factory(
                connection, takes_write_lock=True, join_transaction_mode="create_savepoint"),
        }
        saved = {k: registry.get(k) for k in factories}
        registry.update(factories)
        cache = registry.get("hub.cache")
        if cache is not None:
            # Values cached by an earlier test came from data rolled back since.
            cache.clear()
            for factory in factories.values():
                watch_sessions(factory, cache)
        bound.append((registry, saved))
        return registry

    yield _bind
    for registry, saved in bound:
        registry.update(saved)
        if registry.get("hub.cache") is not None:
            registry["hub.cache"].clear()


@pytest.fixture
def dbsession(app, bind_registry, connection) -> Iterator[Session]:
    """A session on the test's connection, joined to the global transaction manager.

    Use ``transaction.commit()`` to make data visible to requests as a real commit would
    (it only releases a savepoint: everything is rolled back after the test).
    """
    from hub.db import get_tm_session

    registry = bind_registry(app.registry)
    transaction.manager.begin()
    session = get_tm_session(registry["hub.dbsession_factory"], transaction.manager)
    yield session
    transaction.manager.abort()
    session.close()


@contextlib.contextmanager
def count_queries(connection):
    """``with count_queries(connection) as statements:`` the SQL sent meanwhile, as a list."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(connection, "before_cursor_execute", record)


def page_query_counts(client, connection, pages: dict, mentioning: str = "",
                      cold: bool = True) -> dict:
    """``{name: statements}`` sent for each page of ``pages`` (``{name: url}``), counting
    only statements that mention ``mentioning`` (a plugin's table prefix, so that the
    core's own reads are left out). With ``cold`` the app's cache is emptied first: test
    data that is never committed would not empty it, and the pages must be rendered."""
    if cold:
        client.app.registry["hub.cache"].clear()
    counts = {}
    for name, url in pages.items():
        with count_queries(connection) as statements:
            client.get(url)
        counts[name] = sum(mentioning in statement for statement in statements)
    return counts


@contextlib.contextmanager
def served(app, threads: int = 4):
    """``with served(app) as url:`` the app served by waitress on a free loopback port, in a
    thread (for browsers and real HTTP clients)."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    closing = threading.Event()

    def run():
        try:
            server.run()
        except OSError:
            if not closing.is_set():  # closing the sockets ends the loop's select()
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        closing.set()
        server.close()
        thread.join(5)


class HTTPResponse:
    def __init__(self, status: int, headers, text: str):
        self.status, self.headers, self.text = status, headers, text


class HTTPClient:
    """A browser-like client for a served app (``served``) over real HTTP: keeps cookies,
    sends the CSRF token with forms, follows no redirects."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> HTTPResponse:
        import http.client
        from http.cookies import SimpleCookie
        from urllib.parse import urlsplit

        url = urlsplit(self.base_url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        sent = {"Origin": self.base_url, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return HTTPResponse(response.status, response.headers, text)

    def get(self, path: str) -> HTTPResponse:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict) -> HTTPResponse:
        from urllib.parse import urlencode

        if "hub_csrf" not in self.cookies:
            self.get("/")
        body = urlencode({**fields, "csrf_token": self.cookies["hub_csrf"]}).encode()
        return self.request("POST", path, body, {
            "Content-Type": "application/x-www-form-urlencoded"})

    def sign_in(self, email: str, password: str) -> HTTPResponse:
        """The sign-in form; 303 when it worked."""
        return self.post_form("/login", {"email": email, "password": password})

    def with_session(self, app, user_id: int) -> HTTPClient:
        """Signed in as ``user_id`` through a session row, as ``HubTestApp.login`` does."""
        from hub.accounts.models import UserSession
        from hub.db import utcnow
        from hub.sessions import COOKIE_NAME, hash_token

        token = uuid.uuid4().hex + uuid.uuid4().hex
        with app.registry["hub.dbsession_factory"]() as db:
            db.add(UserSession(id=hash_token(token), user_id=user_id, data={},
                               created_at=utcnow(), last_seen_at=utcnow()))
            db.commit()
        self.cookies[COOKIE_NAME] = token
        return self


# -- web --------------------------------------------------------------------------------

class HubTestApp(webtest.TestApp):
    """WebTest over https with helpers for signing in and CSRF tokens."""

    @property
    def csrf_token(self) -> str:
        # WebTest keeps cookie values as sent, quotes included.
        token = (self.cookies.get("hub_csrf") or "").strip('"')
        if not token:
            token = uuid.uuid4().hex * 2
            self.set_cookie("hub_csrf", token)
        return token

    def login(self, user):
        """Sign ``user`` in through a server-side session, as the login form does."""
        from hub.accounts.models import UserSession
        from hub.db import utcnow
        from hub.sessions import COOKIE_NAME, hash_token

        token = uuid.uuid4().hex + uuid.uuid4().hex
        registry = self.app.registry
        with registry["hub.dbsession_factory"]() as db:
            db.add(UserSession(id=hash_token(token), user_id=user.id, data={},
                               created_at=utcnow(), last_seen_at=utcnow()))
            db.commit()
        self.set_cookie(COOKIE_NAME, token)
        return self

    def logout(self):
        from hub.sessions import COOKIE_NAME

        for cookie in list(self.cookiejar):
            if cookie.name == COOKIE_NAME:
                self.cookiejar.clear(cookie.domain, cookie.path, cookie.name)
        return self

    origin = "https://hub.example.org"

    def post_form(self, url, fields: dict, **kwargs):
        """POST ``fields`` with this client's CSRF token, as a browser on the site would."""
        headers = {"Origin": self.origin, **kwargs.pop("headers", {})}
        return self.post(url, {**fields, "csrf_token": self.csrf_token}, headers=headers,
                         **kwargs)


def _make_testapp(app) -> HubTestApp:
    return HubTestApp(app, extra_environ={"wsgi.url_scheme": "https",
                                          "HTTP_HOST": "hub.example.org"})


@pytest.fixture
def testapp(app, dbsession) -> HubTestApp:
    return _make_testapp(app)


@pytest.fixture
def make_testapp(bind_registry, dbsession):
    """A test client for an app from ``make_app`` (bound to this test's connection)."""

    def _make(app):
        bind_registry(app.registry)
        return _make_testapp(app)

    return _make


# -- people -----------------------------------------------------------------------------

class Users(dict):
    """``users.member``, ``users.representative``, ``users.staff``, ``users.admin``."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


TEST_PASSWORD = "correct horse battery staple"  # noqa: S105


def make_user(dbsession, email: str, role: str = "member", name: str | None = None,
              language: str = "cs", password: str | None = TEST_PASSWORD):
    import pyotp

    from hub.accounts.models import User
    from hub.db import utcnow

    # Staff and admins must use two-factor sign-in; test accounts have it set up.
    user = User(email=email, name=name or email.split("@")[0].title(), role=role,
                language=language, email_verified_at=utcnow(),
                password_hash=_cached_hash(password) if password else None,
                totp_secret=pyotp.random_base32(32) if role in ("staff", "admin") else None)
    dbsession.add(user)
    dbsession.flush()
    return user


_HASHES: dict[str, str] = {}


def _cached_hash(password: str) -> str:
    from hub.accounts.passwords import hash_password

    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    return _HASHES[password]


@pytest.fixture
def users(dbsession) -> Users:
    from hub.organizations.models import Membership, Organisation

    result = Users(
        member=make_user(dbsession, "member@test.example", name="Marie Členová"),
        representative=make_user(dbsession, "rep@test.example", name="Roman Zástupce"),
        other_representative=make_user(dbsession, "rep2@test.example", name="Olga Jiná"),
        staff=make_user(dbsession, "staff@test.example", "staff", name="Stanislav Tým"),
        admin=make_user(dbsession, "admin@test.example", "admin", name="Adéla Správcová"),
    )
    org = Organisation(name="Testovací spolek pacientů", slug="test-spolek")
    other = Organisation(name="Jiná organizace", slug="jina-organizace")
    dbsession.add_all([org, other])
    dbsession.flush()
    dbsession.add_all([
        Membership(organisation_id=org.id, user_id=result["representative"].id,
                   is_representative=True),
        Membership(organisation_id=org.id, user_id=result["member"].id),
        Membership(organisation_id=other.id, user_id=result["other_representative"].id,
                   is_representative=True),
    ])
    dbsession.flush()
    result["organisation"], result["other_organisation"] = org, other
    return result


# -- services ---------------------------------------------------------------------------

def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPSink:
    """A real SMTP server on 127.0.0.1 that keeps every message it receives.

    ``pipelining``: offer RFC 2920 command pipelining in the EHLO reply (clients may then
    send MAIL, RCPT and DATA in one write). ``refuse``: address → reply (e.g.
    ``"550 5.1.1 no such user"``) given to RCPT for that address; changeable while running.
    """

    def __init__(self, pipelining: bool = False, refuse: dict | None = None):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.refuse = dict(refuse or {})
        self._lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                reply = sink.refuse.get(address)
                if reply:
                    return reply
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                import email

                message = email.message_from_bytes(envelope.content)
                with sink._lock:
                    sink.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
                return "250 OK"

            if pipelining:
                async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
                    session.host_name = hostname
                    return [*responses[:-1], "250-PIPELINING", responses[-1]]

        self.host, self.port = "127.0.0.1", _free_port()
        self.controller = Controller(Handler(), hostname=self.host, port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def to(self, address: str) -> list:
        with self._lock:
            return [m for _f, rcpts, m in self.messages if address in rcpts]

    def recipients(self) -> list:
        """Every recipient of every message received, in order."""
        with self._lock:
            return [r for _f, rcpts, _m in self.messages for r in rcpts]

    def clear(self):
        with self._lock:
            self.messages.clear()


@pytest.fixture
def smtp_sink() -> Iterator[SMTPSink]:
    sink = SMTPSink().start()
    yield sink
    sink.stop()


def concurrent_calls(n: int, fn: Callable[[int], object], timeout: float = 120) -> list:
    """Run ``fn(i)`` for i in range(n) in ``n`` threads released at once; return results
    (an exception is returned in place of a result)."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait(timeout)
            results[i] = fn(i)
        except BaseException as exc:  # noqa: BLE001 (reported to the test)
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results


@pytest.fixture
def concurrent():
    return concurrent_calls


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("HUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        need_service("Redis", f"cannot connect to {url}: {exc}")
    return url


@pytest.fixture
def committed_app(base_settings, tmp_path):
    """``committed_app(*plugins)``: an app on a database of its own where requests really
    commit (for concurrency tests: every thread has its own connection)."""
    from hub import migrate
    from hub.app import make_config

    made = []

    def _make(*plugins, **overrides):
        url = base_settings["sqlalchemy.url"]
        drop = None
        if url.startswith("sqlite"):
            url = f"sqlite:///{tmp_path / f'committed{len(made)}.sqlite'}"
        else:
            url, drop = _postgres_database(os.environ["HUB_TEST_DATABASE_URL"])
        engine = make_engine(url, pool_size=20, max_overflow=100) if not url.startswith(
            "sqlite") else make_engine(url)
        names = plugins or tuple(base_settings["hub.plugins"].split())
        settings = {**base_settings, "hub.plugins": " ".join(names), "sqlalchemy.url": url,
                    "hub.dbengine": engine, **overrides}
        config = make_config(settings)
        migrate.upgrade(config.registry)
        app = config.make_wsgi_app()
        app.registry = config.registry
        made.append((engine, drop))
        return app

    yield _make
    for engine, drop in made:
        engine.dispose()
        if drop:
            drop()


def html_text(response) -> str:
    """The visible text of an HTML response, whitespace collapsed (for assertions)."""
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", text)

