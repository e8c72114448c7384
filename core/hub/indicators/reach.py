"""Portal reach counted without tracking anyone: page views per day and page type.

Each process adds one to an in-memory counter for every page it shows (a successful HTML
``GET`` of a named route: the Prague date and the route name are all that is counted; the
User-Agent is only looked at to leave robots out) and writes the sums at most once a
minute, after a request has finished, in a short transaction of its own (``INSERT … ON
CONFLICT DO UPDATE``), or with ``HINCRBY`` in one Redis pipeline when ``hub.redis_url`` is
set; the rest is written when the process exits. Counting costs a page a few microseconds
(``bench/ops_indicators.py``: under 1 % of the kept home page). No cookie is set, and no
address, User-Agent or hash is stored: this counts page views, not visitors.

Requests from known robots (by User-Agent, or without one), prefetches, ``HEAD`` and the
API are not counted. Counts of the last minute of a process that is killed are lost; the
figure is a lower bound.
"""
from __future__ import annotations

import atexit
import datetime as dt
import logging
import re
import threading
import time
import weakref
from collections import Counter

import sqlalchemy as sa

from hub.dates import PRAGUE
from hub.indicators.models import PageViewDaily

log = logging.getLogger(__name__)

FLUSH_SECONDS = 60
REDIS_PREFIX = "hub:page_views:"
# Crawlers, link previews, monitors and command-line clients; no User-Agent at all is a
# script too. People's browsers match none of these words.
BOT_WORDS = ("bot", "crawl", "spider", "slurp", "archiver", "facebookexternalhit", "embedly",
             "preview", "monitor", "uptime", "pingdom", "lighthouse", "headless", "phantom",
             "curl", "wget", "python", "httpx", "aiohttp", "java/", "go-http", "okhttp",
             "libwww", "scrapy", "feedfetcher", "validator", "check_http")
BOT_RE = re.compile("|".join(re.escape(word) for word in BOT_WORDS))
# Verdicts by the process's salted hash of the User-Agent: a handful of browsers make most
# requests, and matching the words costs more than the rest of the counting. The table
# holds no string and is never written anywhere; it is emptied when it grows large.
_verdicts: dict[int, bool] = {}
MAX_VERDICTS = 10_000


def is_bot(user_agent: str | None) -> bool:
    if not user_agent:
        return True
    key = hash(user_agent)
    verdict = _verdicts.get(key)
    if verdict is None:
        if len(_verdicts) >= MAX_VERDICTS:
            _verdicts.clear()
        verdict = _verdicts[key] = BOT_RE.search(user_agent.lower()) is not None
    return verdict


def countable(request, response) -> bool:
    """A page a person asked to see (the API answers JSON, so it never counts)."""
    environ = request.environ
    return (request.method == "GET" and response.status_code == 200
            and request.matched_route is not None
            and response.content_type == "text/html"
            and "prefetch" not in environ.get("HTTP_SEC_PURPOSE", "")
            and environ.get("HTTP_PURPOSE") != "prefetch"
            and not is_bot(environ.get("HTTP_USER_AGENT")))


class ReachCounter:
    """Per-process page view counts, written in batches (module docstring)."""

    def __init__(self, registry, interval: float = FLUSH_SECONDS):
        self.registry = registry
        self.interval = interval
        self.pending: Counter = Counter()
        self.lock = threading.Lock()
        self.next_flush = time.monotonic() + interval
        url = registry.settings.get("hub.redis_url")
        self.redis = None
        if url:
            import redis

            self.redis = redis.Redis.from_url(url)

    def add(self, page_type: str, day: dt.date | None = None) -> bool:
        """Count one view; ``True`` when this call claimed the due write (at most one
        request a minute is told so)."""
        day = day or dt.datetime.now(PRAGUE).date()
        with self.lock:
            self.pending[(day, page_type[:100])] += 1
            now = time.monotonic()
            if now < self.next_flush:
                return False
            self.next_flush = now + self.interval
            return True

    def flush(self, last: bool = False) -> int:
        """Write what was counted; on failure the counts are kept for the next write.

        ``last`` is the write at exit: a failure then loses the counts, and is said in one
        line (the database may already be gone when a process ends).
        """
        with self.lock:
            batch, self.pending = self.pending, Counter()
        if not batch:
            return 0
        try:
            if self.redis is not None:
                self._write_redis(batch)
            else:
                self._write_sql(batch)
        except Exception as exc:
            if last:
                log.warning("%d page views were not written at exit: %s",
                            sum(batch.values()), str(exc).splitlines()[0] if str(exc) else exc)
                return 0
            log.exception("Page view counts could not be written; kept for the next try.")
            with self.lock:
                self.pending.update(batch)
            return 0
        return sum(batch.values())

    def _write_sql(self, batch: Counter) -> None:
        engine = self.registry["hub.dbengine"]
        if engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        rows = [{"day": day, "page_type": page_type, "views": n}
                for (day, page_type), n in sorted(batch.items())]
        statement = insert(PageViewDaily).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=["day", "page_type"],
            set_={"views": PageViewDaily.views + statement.excluded.views})
        with self.registry["hub.dbsession_writer"]() as db:
            db.execute(statement)
            db.commit()

    def _write_redis(self, batch: Counter) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for (day, page_type), n in batch.items():
            pipe.hincrby(REDIS_PREFIX + day.isoformat(), page_type, n)
        pipe.execute()


def stored_views(request, first: dt.date, last: dt.date) -> dict[tuple[dt.date, str], int]:
    """``{(day, page type): views}`` written so far for the days ``first`` to ``last``."""
    found: Counter = Counter()
    rows = request.dbsession.execute(
        sa.select(PageViewDaily.day, PageViewDaily.page_type, PageViewDaily.views)
        .where(PageViewDaily.day >= first, PageViewDaily.day <= last))
    for day, page_type, views in rows:
        found[(day, page_type)] += views
    counter = request.registry.get("hub.reach")
    if counter is not None and counter.redis is not None:
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        pipe = counter.redis.pipeline(transaction=False)
        for day in days:
            pipe.hgetall(REDIS_PREFIX + day.isoformat())
        for day, values in zip(days, pipe.execute(), strict=True):
            for page_type, views in values.items():
                found[(day, page_type.decode())] += int(views)
    return dict(found)


# A view that shows something worth counting apart from its route (an event page showing
# its recording) names it in this header; kept pages keep it, and it never leaves the hub.
PAGE_TYPE_HEADER = "X-Hub-Page-Type"


def count_as(request, page_type: str) -> None:
    """Count the page the view is rendering as ``page_type`` instead of its route name
    (``<plugin>.<what>``, at most 100 characters): a recording shown on an event's page
    counts as ``events.recording``. Works for kept pages too."""
    request.response.headers[PAGE_TYPE_HEADER] = page_type


def period_views(request, start: dt.datetime,
                 end: dt.datetime) -> dict[tuple[dt.date, str], int]:
    """``stored_views`` for the Prague days of the half-open period ``[start, end)``
    (midnights in Prague, as ``hub_indicators`` gets them)."""
    first = start.astimezone(PRAGUE).date()
    last = (end.astimezone(PRAGUE) - dt.timedelta(days=1)).date()
    return stored_views(request, first, last)


def views_of(request, start: dt.datetime, end: dt.datetime, page_types) -> int:
    """Page views of ``page_types`` (route names or ``count_as`` names) in the period."""
    wanted = set(page_types)
    return sum(n for (_day, page_type), n in period_views(request, start, end).items()
               if page_type in wanted)


def reach_tween_factory(handler, registry):
    """Outside pyramid_tm: count the page once the request's transaction has ended."""
    counter = registry["hub.reach"]

    def reach_tween(request):
        response = handler(request)
        page_type = response.headers.pop(PAGE_TYPE_HEADER, None)
        if countable(request, response) and counter.add(
                page_type or request.matched_route.name):
            request.add_finished_callback(lambda r: counter.flush())
        return response

    return reach_tween


def _flush_at_exit(ref) -> None:
    counter = ref()
    if counter is not None:
        counter.flush(last=True)


def includeme(config):
    counter = ReachCounter(config.registry)
    config.registry["hub.reach"] = counter
    atexit.register(_flush_at_exit, weakref.ref(counter))
    config.add_tween("hub.indicators.reach.reach_tween_factory",
                     over="pyramid_tm.tm_tween_factory")
