"""pytest plugin (entry point ``pytest11``): fixtures for the core's and plugins' tests.

It needs no file of the hub's: a plugin kept in its own repository installs hub-core and
itself and chooses its plugins with ``--hub-plugins greetings`` on the command line,
``hub_plugins = greetings`` in its pytest configuration, or by overriding the
``hub_plugins`` fixture in its ``conftest.py``. The settings are then ``TEST_SETTINGS``
(``config/development.ini`` with the test settings of ``config/test.ini``); in this
repository, or with ``--hub-ini``, they come from that ini file.

Fixtures
- ``base_settings``: the settings above for a fresh database (SQLite file per run;
  PostgreSQL database per run when ``HUB_TEST_DATABASE_URL`` is set).
- ``hub_plugins``: the plugins ``app`` enables (the choice above, else the ini's).
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
- ``hook_request(user=None)``: a request as ``user`` (anonymous when ``None``) on the
  test's session, to call hooks directly: ``request.hooks.hub_navigation(request=request,
  menu="main")``.

The guard-rail checks (every view has a permission, personal tables are covered, tables
carry the plugin prefix, the Czech catalogue is complete) are ``hub.testing.checks``.
"""
from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import transaction
from _pytest.assertion.rewrite import AssertionRewritingHook
from sqlalchemy.orm import Session

with warnings.catch_warnings():
    # WebOb, under WebTest, imports the standard library's deprecated cgi module.
    warnings.filterwarnings("ignore", "'cgi' is deprecated", DeprecationWarning)
    import webtest

from hub import checks  # noqa: F401  (hub.testing.checks: the guard-rail checks)
from hub.db import make_engine, make_session_factory
from hub.testservers import HTTPClient, HTTPResponse, SMTPSink, served  # noqa: F401


class _OrdinaryHubImports(importlib.abc.MetaPathFinder):
    """Import the hub's modules without pytest's assertion rewriting.

    pytest loads every module of a distribution that offers a pytest plugin through its
    own loader, which Pyramid's asset resolution ("hub:templates/…", through
    pkg_resources) cannot read directories through. The hub's modules hold no test
    assertions, so they are found by the finders that would find them outside pytest.
    """

    @staticmethod
    def _is_hub(name: str) -> bool:
        return name == "hub" or name.startswith("hub.")

    def find_spec(self, name, path=None, target=None):
        if not self._is_hub(name):
            return None
        for finder in sys.meta_path:
            if finder is self or isinstance(finder, AssertionRewritingHook):
                continue
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find else None
            if spec is not None:
                return spec
        return None

    @classmethod
    def install(cls):
        if not any(isinstance(finder, cls) for finder in sys.meta_path):
            sys.meta_path.insert(0, cls())
        # Modules imported before this one (the package, this module) keep pytest's code
        # but get an ordinary loader for their files.
        for name, module in list(sys.modules.items()):
            if cls._is_hub(name) and isinstance(getattr(module, "__loader__", None),
                                                AssertionRewritingHook):
                loader = importlib.machinery.SourceFileLoader(name, module.__file__)
                module.__loader__ = loader
                if module.__spec__ is not None:
                    module.__spec__.loader = loader


_OrdinaryHubImports.install()

DEFAULT_INI = "config/test.ini"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need_service(name: str, reason: str):
    """Skip locally when a server is missing; in CI a missing server is a failure."""
    if IN_CI:
        pytest.fail(f"{name} is required in CI: {reason}")
    pytest.skip(f"{name} not available: {reason}")


def pytest_configure(config):
    # The one warning Pyramid's import of pkg_resources prints (see hub/__init__.py); pytest
    # resets warning filters around each test, so it is silenced for tests too.
    config.addinivalue_line("filterwarnings", "ignore:pkg_resources is deprecated:UserWarning")
    # Deprecations inside the libraries the hub stands on, which a plugin cannot act on.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:pkg_resources")
    # The markers of the hub's suites, so that a plugin's suite accepts the same commands
    # (make test runs every suite with -m "not slow and not browser").
    for marker in ("postgresql: needs PostgreSQL (HUB_TEST_DATABASE_URL)",
                   "redis: needs Redis (HUB_TEST_REDIS_URL)",
                   "browser: runs in headless Chromium",
                   "slow: takes more than a few seconds"):
        config.addinivalue_line("markers", marker)


def pytest_addoption(parser):
    group = parser.getgroup("hub")
    group.addoption("--hub-ini", default=None, help=f"settings file (default {DEFAULT_INI} "
                    "when it exists, else the built-in test settings)")
    group.addoption("--hub-plugins", default=None,
                    help="the plugins the app fixture enables, separated by spaces or commas")
    parser.addini("hub_plugins", "the plugins the app fixture enables (as --hub-plugins)",
                  default="")


# Settings of config/development.ini with config/test.ini on top, for a plugin tested
# outside this repository (tests/test_testing.py keeps them equal to the files).
TEST_SETTINGS = {
    "hub.site_name": "Pacientský Hub",
    "hub.site_name_genitive": "Pacientského hubu",
    "hub.base_url": "https://hub.example.org",
    "hub.allowed_hosts": "",
    "hub.default_locale": "cs",
    "hub.accessibility.email": "pristupnost@example.org",
    "hub.accessibility.phone": "+420 123 456 789",
    "hub.jobs.backend": "immediate",
    "mail.backend": "files",
    "mail.sender": "Pacientský Hub <hub@example.org>",
    "pyramid.reload_templates": "false",
    "pyramid.default_locale_name": "cs",
}


def _names(text: str) -> list[str]:
    return [name for name in re.split(r"[\s,]+", text or "") if name]


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


def _settings_file(config) -> str | None:
    """The ini file the run's settings come from, or ``None`` for ``TEST_SETTINGS``."""
    chosen = config.getoption("--hub-ini") or os.environ.get("HUB_TEST_INI")
    ini = Path(chosen or DEFAULT_INI)
    if not ini.is_absolute():
        ini = Path(config.rootpath) / ini
    if chosen or ini.exists():
        return str(ini)
    return None


@pytest.fixture(scope="session")
def hub_plugins(request) -> list[str] | None:
    """The plugins ``app`` enables: ``--hub-plugins``, else the ``hub_plugins`` setting of
    the pytest configuration, else ``None`` (the ini file's ``hub.plugins``, or every
    installed plugin without one). Override it in a ``conftest.py`` to choose in code."""
    return (_names(request.config.getoption("--hub-plugins"))
            or _names(request.config.getini("hub_plugins")) or None)


@pytest.fixture(scope="session")
def base_settings(request, database_url, tmp_path_factory, hub_plugins) -> dict:
    from pyramid.paster import get_appsettings

    from hub.plugins import installed_plugins

    ini = _settings_file(request.config)
    if ini is not None:
        settings = dict(get_appsettings(ini))
    else:
        settings = {**TEST_SETTINGS, "hub.plugins": " ".join(sorted(installed_plugins()))}
    if hub_plugins is not None:
        settings["hub.plugins"] = " ".join(hub_plugins)
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


@pytest.fixture
def add_media(dbsession, registry):
    """``add_media(kind, data, file_name=..., captions=None, **values)``: an item of the
    media library (``hub.media``) with ``data`` kept on the storage service, in the test's
    session; ``captions`` maps languages to WebVTT, ``values`` are the item's columns."""
    from hub import storage
    from hub.media import MediaCaption, MediaItem
    from hub.media.services import NAMESPACE, apply_file

    def _add(kind: str, data: bytes, *, file_name: str, captions: dict | None = None,
             **values):
        stored = storage.get_store(registry).write(
            data, namespace=NAMESPACE, filename=file_name, max_size=len(data),
            allowed_types=storage.IMAGES | storage.DOCUMENTS | storage.VIDEOS | storage.AUDIOS)
        item = MediaItem(kind=kind, **values)
        apply_file(item, stored)
        for language, vtt in (captions or {}).items():
            item.captions.append(MediaCaption(language=language, vtt=vtt))
        dbsession.add(item)
        dbsession.flush()
        return item

    return _add


@pytest.fixture
def migration_registry(base_settings, empty_database):
    """``migration_registry(*plugins)``: the registry of a hub with those plugins (none: the
    core alone) on a new, empty database, for tests that walk migrations up and down with
    ``hub.migrate``; ``registry["hub.dbengine"]`` is its engine, disposed afterwards."""
    from hub.app import make_config

    engines = []

    def build(*plugins: str):
        engine = make_engine(empty_database)
        engines.append(engine)
        return make_config({**base_settings, "sqlalchemy.url": empty_database,
                            "hub.dbengine": engine, "hub.plugins": " ".join(plugins)}).registry

    yield build
    for engine in engines:
        engine.dispose()


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
        sources = registry.get("hub.search.sources")
        if sources is not None:
            from hub.search.sync import limit_sessions

            for factory in factories.values():
                limit_sessions(factory, sources)
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


@pytest.fixture
def hook_request(app, bind_registry, dbsession):
    """``hook_request(user=None, app=None, path="/")``: a request of ``app`` (the ``app``
    fixture's by default) as ``user`` (``None``: anonymous), on the test's session and
    current for the test (``get_current_request``), to call hooks and services directly.
    Its language is the user's, else the hub's default."""
    from pyramid.interfaces import IRootFactory, ISecurityPolicy
    from pyramid.request import Request, apply_request_extensions
    from pyramid.threadlocal import RequestContext

    contexts = []

    def _make(user=None, app=None, path: str = "/"):
        registry = bind_registry((app or default_app).registry)
        request = Request.blank(path, base_url=registry.settings["hub.base_url"])
        request.registry = registry
        apply_request_extensions(request)
        request.context = registry.getUtility(IRootFactory)(request)  # for has_permission
        request.tm = transaction.manager
        request.dbsession = dbsession
        registry.getUtility(ISecurityPolicy).identity_cache.set(request, user)
        context = RequestContext(request)
        context.begin()
        contexts.append(context)
        return request

    default_app = app
    yield _make
    for context in reversed(contexts):
        context.end()


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

