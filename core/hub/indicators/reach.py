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

With Redis the counts would live only there, lost with a Redis without persistence and
missing from backups, so the worker copies them into the table every ``COPY_MINUTES``
(``copy_job``, a core periodic job). A Lua script takes a day's hash out of Redis and
deletes it in one step, so an ``HINCRBY`` of another process lands either in what is taken
or in a new hash, never in both and never nowhere; the taken counts are added to the rows
with the same upsert, or put back into Redis when the database refuses them. A worker
killed between the two loses what it took (a lower bound again). Readers add the hashes
not yet copied to the rows; a copy marks itself in Redis while it runs and bumps a number
when it is done, and a reader that saw either change while it read reads again, so no view
is counted twice or missed (after a second of waiting, as for a copier killed in between,
it takes what it read). Counts survive a restart of Redis once copied: at most one copy
interval of views is at risk.
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
COPY_MINUTES = 5
# A copy that has not finished in this time is taken for dead (its worker was killed).
COPY_LOCK_SECONDS = 60
# How long a reader waits for a running copy before taking what it read.
READ_ATTEMPTS, READ_PAUSE = 50, 0.02
# Takes the day hashes KEYS[3..] and deletes them, unless another copy is running (then
# nil): KEYS[1] marks the running copy; KEYS[2], the copies done, is bumped by the copier.
TAKE_SCRIPT = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return false end
local taken = {}
for i = 3, #KEYS do
  taken[#taken + 1] = redis.call('HGETALL', KEYS[i])
  redis.call('DEL', KEYS[i])
end
return taken
"""
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
        self.prefix = REDIS_PREFIX
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
        self._add_to(pipe, batch)
        pipe.execute()

    def _add_to(self, pipe, batch: Counter) -> None:
        for (day, page_type), n in batch.items():
            pipe.hincrby(self.prefix + day.isoformat(), page_type, n)

    @property
    def _copy_keys(self) -> tuple[str, str]:
        # Outside the day keys' pattern (prefix + YYYY-MM-DD).
        return self.prefix + "copying", self.prefix + "copies"

    def copy_to_database(self) -> int:
        """Move the counts kept in Redis into the table (module docstring); the number of
        views moved, 0 without Redis or while another copy runs."""
        if self.redis is None:
            return 0
        running, copies = self._copy_keys
        keys = sorted(key.decode() for key in
                      self.redis.scan_iter(match=self.prefix + "????-??-??", count=1000))
        if not keys:
            return 0
        taken = self.redis.eval(TAKE_SCRIPT, 2 + len(keys), running, copies, *keys,
                                COPY_LOCK_SECONDS)
        if taken is None:
            return 0
        batch: Counter = Counter()
        for key, pairs in zip(keys, taken, strict=True):
            day = dt.date.fromisoformat(key[len(self.prefix):])
            for page_type, views in zip(pairs[::2], pairs[1::2], strict=True):
                batch[(day, page_type.decode())] += int(views)
        pipe = self.redis.pipeline(transaction=True)
        try:
            if batch:
                self._write_sql(batch)
        except Exception:
            log.exception("Page view counts could not be copied from Redis; put back.")
            self._add_to(pipe, batch)
            batch = Counter()
        finally:
            pipe.incr(copies)
            pipe.delete(running)
            pipe.execute()
        return sum(batch.values())

    def views(self, dbsession, first: dt.date,
              last: dt.date) -> dict[tuple[dt.date, str], int]:
        """``{(day, page type): views}`` written so far for the days ``first`` to ``last``:
        the rows, and with Redis the counts not yet copied."""
        if self.redis is None:
            return dict(_rows(dbsession, first, last))
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        running, copies = self._copy_keys
        for _attempt in range(READ_ATTEMPTS):
            pipe = self.redis.pipeline(transaction=True)
            pipe.exists(running).get(copies)
            for day in days:
                pipe.hgetall(self.prefix + day.isoformat())
            busy, before, *hashes = pipe.execute()
            found = _rows(dbsession, first, last)
            still_busy, after = self.redis.pipeline(transaction=True).exists(
                running).get(copies).execute()
            # A copy that ran in between may have put the same views in both places.
            if not busy and not still_busy and before == after:
                break
            time.sleep(READ_PAUSE)
        for day, values in zip(days, hashes, strict=True):
            for page_type, views in values.items():
                found[(day, page_type.decode())] += int(views)
        return dict(found)


def _rows(dbsession, first: dt.date, last: dt.date) -> Counter:
    found: Counter = Counter()
    rows = dbsession.execute(
        sa.select(PageViewDaily.day, PageViewDaily.page_type, PageViewDaily.views)
        .where(PageViewDaily.day >= first, PageViewDaily.day <= last))
    for day, page_type, views in rows:
        found[(day, page_type)] += views
    return found


def stored_views(request, first: dt.date, last: dt.date) -> dict[tuple[dt.date, str], int]:
    """``{(day, page type): views}`` written so far for the days ``first`` to ``last``."""
    counter = request.registry.get("hub.reach")
    if counter is None:
        return dict(_rows(request.dbsession, first, last))
    return counter.views(request.dbsession, first, last)


def copy_job(request) -> None:
    """The worker's periodic copy of the counts kept in Redis (module docstring)."""
    copied = request.registry["hub.reach"].copy_to_database()
    if copied:
        log.info("%d page views copied from Redis to the database", copied)


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
    from hub.contributions import PeriodicJob

    counter = ReachCounter(config.registry)
    config.registry["hub.reach"] = counter
    if counter.redis is not None:
        config.registry.setdefault("hub.core_periodic_jobs", []).append(
            PeriodicJob("hub.indicators.reach_copy", copy_job, minute=f"*/{COPY_MINUTES}"))
    atexit.register(_flush_at_exit, weakref.ref(counter))
    config.add_tween("hub.indicators.reach.reach_tween_factory",
                     over="pyramid_tm.tm_tween_factory")
