"""Portal reach: page views per day and page type, counted without tracking anyone."""
from __future__ import annotations

import datetime as dt
import time

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
