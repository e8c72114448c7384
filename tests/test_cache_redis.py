"""Kept values stay coherent between machines through Redis (``hub.redis_url``)."""
import datetime as dt
import itertools
import threading
import time
import uuid
from types import SimpleNamespace

import pytest
import redis

from hub.cache import Cache
from hub.cache_redis import PREFIX
from hub.db import make_engine, utcnow
from hub.shell import MENU_REGION
from hub.testing import HubTestApp, make_user

ONE_SECOND = 1.0


def client(app) -> HubTestApp:
    return HubTestApp(app, extra_environ={"wsgi.url_scheme": "https",
                                          "HTTP_HOST": "hub.example.org"})


def within(seconds: float, condition) -> None:
    """``condition()`` becomes true within ``seconds`` from now."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s"
        time.sleep(0.02)


def seen_within(seconds: float, fetch, expected: str) -> None:
    within(seconds, lambda: expected in fetch())


@pytest.fixture
def two_machines(committed_app, base_settings, redis_url, tmp_path):
    """Two portals sharing only the database and Redis: each has its own data directory
    (so no stamp file is shared) and its own kept values."""
    from hub.app import make_config

    plugins = ("events", "news")
    first = committed_app(*plugins, **{"hub.redis_url": redis_url,
                                       "hub.data_dir": str(tmp_path / "one")})
    url = first.registry.settings["sqlalchemy.url"]
    engine = make_engine(url)
    config = make_config({**base_settings, "hub.plugins": " ".join(plugins),
                          "sqlalchemy.url": url, "hub.dbengine": engine,
                          "hub.redis_url": redis_url, "hub.data_dir": str(tmp_path / "two")})
    second = config.make_wsgi_app()
    second.registry = config.registry
    assert first.registry["hub.cache"] is not second.registry["hub.cache"]
    yield first, second
    for app in (first, second):
        app.registry["hub.cache"].close()
    engine.dispose()


def kept(app, prefix: str) -> bool:
    return any(region.entries for name, region in app.registry["hub.cache"].regions.items()
               if name.startswith(prefix))


def test_a_change_on_one_machine_is_seen_on_the_other_within_a_second(two_machines):
    first, second = two_machines
    with first.registry["hub.dbsession_writer"]() as db:
        member_id = make_user(db, f"member-{uuid.uuid4().hex[:8]}@example.org").id
        db.commit()
    visitor = client(second)
    member = client(second)
    member.login(SimpleNamespace(id=member_id))
    title = f"Seminář {uuid.uuid4().hex[:8]}"
    about = "/news/pages/about"
    pages = {
        "kept page": lambda: visitor.get("/events").text,
        "kept block": lambda: member.get("/").text,
        "menu": lambda: member.get("/my").text,
    }
    for fetch in pages.values():
        fetch()
    before = {name: fetch() for name, fetch in pages.items()}
    assert title not in before["kept page"] and title not in before["kept block"]
    assert about not in before["menu"]
    # The second machine keeps what it showed: the page, the block and the menus.
    assert kept(second, "page:events.index")
    assert kept(second, "widget:events.upcoming")
    assert kept(second, MENU_REGION)

    from hub_events.models import Event
    from hub_news.models import Page

    start = utcnow() + dt.timedelta(days=3)
    with first.registry["hub.dbsession_writer"]() as db:
        db.add(Event(title=title, kind="lecture", venue="address", address="Praha",
                     state="published", audience="public", starts_at=start,
                     ends_at=start + dt.timedelta(hours=2), taken=0))
        db.add(Page(slug="about", title_cs="O hubu", title_en="About the hub",
                    body_cs="Text", body_en="Text"))
        db.commit()

    assert title in client(first).get("/events").text  # the writer: at once
    seen_within(ONE_SECOND, pages["kept page"], title)
    seen_within(ONE_SECOND, pages["kept block"], title)
    seen_within(ONE_SECOND, pages["menu"], about)


@pytest.fixture
def watched(redis_url, tmp_path):
    """A cache on Redis, listening, with one region on a table of this test's own."""
    table = f"test_{uuid.uuid4().hex[:8]}"
    cache = Cache(tmp_path / "cache", redis_url)
    cache.add_region("r", tables=(table,), ttl=300)
    calls = itertools.count(1)
    cache.get_or_create("r", "k", lambda: next(calls))  # starts the listener
    within(5, lambda: table in cache.shared.seen)  # it has read the generations
    yield cache, table, lambda: cache.get_or_create("r", "k", lambda: next(calls))
    cache.close()


def test_a_lost_message_delays_a_change_by_the_poll_interval_at_most(watched, redis_url):
    cache, table, read = watched
    before = read()
    assert read() == before
    # A generation moved without a message, as when a message is lost with a connection.
    redis.Redis.from_url(redis_url).incr(PREFIX + table)
    within(ONE_SECOND, lambda: read() != before)


def test_a_write_elsewhere_empties_the_region_here(watched, tmp_path, redis_url):
    cache, table, read = watched
    elsewhere = Cache(tmp_path / "elsewhere", redis_url)
    try:
        before = read()
        assert read() == before
        elsewhere.tables_written({table})
        within(ONE_SECOND, lambda: read() != before)
    finally:
        elsewhere.close()


def test_reading_kept_values_asks_redis_nothing(watched, monkeypatch):
    cache, _table, read = watched
    reader = threading.current_thread()
    asked = []
    original = redis.Redis.execute_command

    def execute_command(self, *args, **options):
        if threading.current_thread() is reader:
            asked.append(args[0])
        return original(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", execute_command)
    for _ in range(100):
        read()
    assert asked == []
    cache.tables_written({"other_table"})  # a write does tell Redis
    assert asked


def test_a_write_when_redis_is_unreachable_still_empties_this_process(tmp_path, caplog):
    cache = Cache(tmp_path / "cache", "redis://127.0.0.1:1/0")
    cache.add_region("r", tables=("organisation",), ttl=300)
    calls = itertools.count(1)
    try:
        assert cache.get_or_create("r", "k", lambda: next(calls)) == 1
        cache.tables_written({"organisation"})
        assert cache.get_or_create("r", "k", lambda: next(calls)) == 2
        assert "could not tell other processes" in caplog.text
    finally:
        cache.close()
