"""Portal reach: page views per day and page type, counted without tracking anyone."""
from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
import sqlalchemy as sa

from hub.indicators.models import PageViewDaily
from hub.indicators.reach import REDIS_PREFIX, is_bot

from .conftest import PRAGUE, by_key

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}


def fresh(client):
    counter = client.app.registry["hub.reach"]
    counter.pending.clear()
    counter.next_flush = time.monotonic() + 3600
    return counter


def stored(dbsession) -> dict:
    return {(r.day, r.page_type): r.views for r in dbsession.scalars(sa.select(PageViewDaily))}


def test_pages_people_see_are_counted_robots_and_the_api_are_not(client, dbsession):
    counter = fresh(client)
    for _ in range(3):
        client.get("/", headers=BROWSER)
    client.get("/", headers={"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"})
    client.get("/", headers={"User-Agent": ""})
    client.get("/", headers={**BROWSER, "Sec-Purpose": "prefetch"})
    client.head("/", headers=BROWSER)
    client.get("/api/v1/openapi.json", headers=BROWSER)
    client.get("/no-such-page", headers=BROWSER, status=404)
    today = dt.datetime.now(PRAGUE).date()
    assert dict(counter.pending) == {(today, "home"): 3}
    assert counter.flush() == 3
    assert stored(dbsession) == {(today, "home"): 3}
    client.get("/", headers=BROWSER)
    counter.flush()
    assert stored(dbsession) == {(today, "home"): 4}  # added to the day's row
    assert not counter.pending


def test_counts_are_written_after_the_request_once_due(client, dbsession):
    counter = fresh(client)
    client.get("/", headers=BROWSER)
    assert stored(dbsession) == {}  # kept in memory until a minute has passed
    counter.next_flush = 0
    # Written by a finished callback, outside the request's transaction: a write inside
    # it would be refused (hub.db.OutOfBandWrite) and the counts kept in memory.
    client.get("/", headers=BROWSER)
    assert sum(stored(dbsession).values()) == 2 and not counter.pending
    assert counter.next_flush > time.monotonic() + 50


def test_nothing_about_the_visitor_is_stored(client):
    columns = {c.name for c in PageViewDaily.__table__.columns}
    assert columns == {"day", "page_type", "views"}
    counter = fresh(client)
    robot = client.get("/", headers={"User-Agent": "curl/8.5.0"})
    client.reset()  # a new visitor: no cookie yet
    person = client.get("/", headers=BROWSER)
    assert dict(counter.pending) == {(dt.datetime.now(PRAGUE).date(), "home"): 1}

    def names(response):
        return sorted(c.split("=", 1)[0] for c in response.headers.getall("Set-Cookie"))

    assert names(person) == names(robot)  # counting sets no cookie


def test_the_report_shows_stored_page_views(client, users, dbsession):
    dbsession.add_all([PageViewDaily(day=dt.date(2026, 3, 31), page_type="home", views=40),
                       PageViewDaily(day=dt.date(2026, 3, 31), page_type="events.detail",
                                     views=7),
                       PageViewDaily(day=dt.date(2026, 4, 1), page_type="home", views=1000)])
    dbsession.flush()
    client.login(users.staff)
    found = by_key(client.get("/api/v1/indicators",
                              {"from": "2026-03-01", "to": "2026-03-31"}).json)
    views = found["portal_page_views"]
    assert views["value"] == 47
    assert [(p["key"], p["value"]) for p in views["breakdown"]] == [("home", 40), ("events", 7)]


def test_redis_counts(make_app, make_testapp, redis_url, users, dbsession):
    import redis

    client = make_testapp(make_app("events", **{"hub.redis_url": redis_url}))
    counter = fresh(client)
    day = dt.date(2026, 3, 15)
    store = redis.Redis.from_url(redis_url)
    store.delete(REDIS_PREFIX + day.isoformat())
    try:
        counter.add("home", day)
        counter.add("home", day)
        counter.add("events.index", day)
        assert counter.flush() == 3
        assert stored(dbsession) == {}
        client.login(users.staff)
        found = by_key(client.get("/api/v1/indicators",
                                  {"from": "2026-03-15", "to": "2026-03-15"}).json)
        assert found["portal_page_views"]["value"] == 3
    finally:
        store.delete(REDIS_PREFIX + day.isoformat())


def test_known_robots():
    assert is_bot("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)")
    assert is_bot("curl/8.5.0") and is_bot(None) and is_bot("python-requests/2.32")
    assert not is_bot(BROWSER["User-Agent"])
    assert not is_bot("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                      "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


def test_recording_and_course_views_are_counted_apart_and_reported(client, users, dbsession,
                                                                    built):
    from hub.indicators.reach import PAGE_TYPE_HEADER

    counter = fresh(client)
    lecture, course = built["lecture"], built["course"]
    client.get(f"/events/{built['workshop'].id}", headers=BROWSER)
    lecture.recording_published = True
    lecture.video_url = "https://video.example.org/lecture"
    dbsession.flush()
    for _ in range(2):  # the second is the kept page: still counted apart
        page = client.get(f"/events/{lecture.id}", headers=BROWSER)
        assert PAGE_TYPE_HEADER not in page.headers
    client.get(f"/elearning/courses/{course.slug}", headers=BROWSER)
    today = dt.datetime.now(PRAGUE).date()
    assert dict(counter.pending) == {(today, "events.detail"): 1,
                                     (today, "events.recording"): 2,
                                     (today, "elearning.course"): 1}
    counter.flush()
    client.login(users.staff)
    figures = by_key(client.get("/api/v1/indicators", {
        "from": today.isoformat(), "to": today.isoformat()}).json)
    assert figures["recording_views"]["value"] == 2
    assert figures["course_views"]["value"] == 1
    assert figures["portal_page_views"]["value"] >= 4


@pytest.fixture
def kept(make_app, bind_registry, redis_url):
    """A counter on Redis, with keys of its own: other runs may share the Redis."""
    from hub.indicators.reach import ReachCounter

    app = make_app("events", **{"hub.redis_url": redis_url})
    counter = ReachCounter(bind_registry(app.registry))
    counter.prefix = f"test:{uuid.uuid4().hex[:10]}:page_views:"
    yield counter
    keys = list(counter.redis.scan_iter(match=counter.prefix + "*"))
    if keys:
        counter.redis.delete(*keys)


def count(counter, views: dict) -> None:
    for (day, page_type), n in views.items():
        for _ in range(n):
            counter.add(page_type, day)
    counter.flush()


FIRST, SECOND = dt.date(2019, 5, 1), dt.date(2019, 5, 2)


def in_redis(counter) -> list:
    return sorted(k.decode() for k in counter.redis.scan_iter(match=counter.prefix + "*"))


@pytest.mark.redis
def test_redis_counts_are_copied_to_the_database_once(kept, dbsession):
    views = {(FIRST, "home"): 2, (SECOND, "events.index"): 1}
    count(kept, views)
    assert stored(dbsession) == {}
    before = kept.views(dbsession, FIRST, SECOND)
    assert before == views
    assert kept.copy_to_database() == 3
    assert stored(dbsession) == views
    assert in_redis(kept) == [kept.prefix + "copies"]  # nothing left to copy
    assert kept.views(dbsession, FIRST, SECOND) == before  # no view counted twice
    assert kept.copy_to_database() == 0
    assert stored(dbsession) == views
    count(kept, {(FIRST, "home"): 1})
    assert kept.views(dbsession, FIRST, SECOND) == {**views, (FIRST, "home"): 3}
    assert kept.copy_to_database() == 1
    assert stored(dbsession) == {**views, (FIRST, "home"): 3}  # added to the day's row


@pytest.mark.redis
def test_views_counted_during_a_copy_are_kept_for_the_next(kept, dbsession, monkeypatch,
                                                          make_app, redis_url):
    from hub.indicators.reach import ReachCounter

    count(kept, {(FIRST, "home"): 2})
    other = ReachCounter(make_app("events", **{"hub.redis_url": redis_url}).registry)
    other.prefix = kept.prefix  # another process of the same portal
    write = kept._write_sql
    during = []

    def slow_write(batch):
        count(other, {(FIRST, "home"): 5})  # HINCRBY between the take and the write
        during.append(other.copy_to_database())  # a second worker waits its turn
        write(batch)

    monkeypatch.setattr(kept, "_write_sql", slow_write)
    assert kept.copy_to_database() == 2
    assert during == [0]
    assert stored(dbsession) == {(FIRST, "home"): 2}
    assert kept.views(dbsession, FIRST, FIRST) == {(FIRST, "home"): 7}
    monkeypatch.setattr(kept, "_write_sql", write)
    assert kept.copy_to_database() == 5
    assert stored(dbsession) == {(FIRST, "home"): 7}
    assert kept.views(dbsession, FIRST, FIRST) == {(FIRST, "home"): 7}


@pytest.mark.redis
def test_counts_the_database_refuses_are_put_back(kept, dbsession, monkeypatch):
    count(kept, {(FIRST, "home"): 3})

    def refuse(batch):
        raise RuntimeError("database gone")

    monkeypatch.setattr(kept, "_write_sql", refuse)
    assert kept.copy_to_database() == 0
    assert stored(dbsession) == {}
    assert kept.views(dbsession, FIRST, FIRST) == {(FIRST, "home"): 3}
    monkeypatch.undo()
    assert kept.copy_to_database() == 3  # the next copy is not blocked
    assert stored(dbsession) == {(FIRST, "home"): 3}


@pytest.mark.redis
def test_a_reader_during_a_copy_reads_again_once_it_is_done(kept, dbsession, monkeypatch):
    from hub.indicators import reach

    count(kept, {(FIRST, "home"): 4})
    write = kept._write_sql
    running, copies = kept._copy_keys
    during = []

    def read_while_copying(batch):
        # The counts are out of Redis and not yet in the table: the reader must wait.
        def sleep(_seconds):
            if not during:
                during.append("copied")
                write(batch)
                kept.redis.pipeline().incr(copies).delete(running).execute()

        with monkeypatch.context() as patched:
            patched.setattr(reach.time, "sleep", sleep)
            during.append(kept.views(dbsession, FIRST, FIRST))

    monkeypatch.setattr(kept, "_write_sql", read_while_copying)
    kept.copy_to_database()
    assert during == ["copied", {(FIRST, "home"): 4}]
    assert stored(dbsession) == {(FIRST, "home"): 4}


@pytest.mark.redis
def test_the_worker_copies_periodically_with_redis_only(make_app, kept, dbsession, redis_url):
    from types import SimpleNamespace

    from hub.indicators.reach import copy_job

    def periodic(app):
        return [job.name for job in app.registry.get("hub.core_periodic_jobs", ())]

    assert "hub.indicators.reach_copy" in periodic(
        make_app("events", **{"hub.redis_url": redis_url}))
    assert "hub.indicators.reach_copy" not in periodic(make_app("events"))
    count(kept, {(SECOND, "home"): 1})
    copy_job(SimpleNamespace(registry={"hub.reach": kept}))
    assert stored(dbsession) == {(SECOND, "home"): 1}
