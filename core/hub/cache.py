"""A cache for what many requests compute alike: menus from the database, banners, widgets.

A *region* is declared at configuration time with the tables its values are computed from::

    config.add_cache_region("news.banners", tables=("news_banner",), ttl=300)

and used at request time (the key tells values apart, e.g. by language)::

    html = request.cached("news.banners", language, lambda: render_banners(request))

Values are plain data (strings, tuples, dicts, markup), never ORM objects: they outlive the
session that read them.

A region is emptied when a transaction that wrote to one of its tables commits:

* in the process that wrote, at once (the session records the tables it wrote to);
* in the other processes, on one machine or several, when ``hub.redis_url`` is set: within
  milliseconds, at most ``hub.cache_redis.POLL_SECONDS`` if a message is lost (see
  ``hub.cache_redis``; a read costs no round trip to Redis);
* without Redis, in the other processes of the same machine (web workers, the queue
  worker) at their next read: the writer touches a stamp file per table under
  ``hub.data_dir/cache`` and a reader compares their modification times (a ``stat`` call
  per table) with the ones its values were made under;
* everywhere else (several machines without Redis, Redis unreachable) at the latest after
  ``ttl`` seconds, which also bounds values that change with time alone (a banner's end).

A region that depends on ``"*"`` (``ANY_TABLE``) is emptied by any committed write.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from hub import metrics
from hub.cache_redis import RedisGenerations

MAX_ENTRIES_PER_REGION = 1000
# A region that depends on "*" is emptied by any committed write (for values made from
# many plugins' tables, which no single list can name).
ANY_TABLE = "*"


@dataclass
class Region:
    name: str
    tables: tuple[str, ...]
    ttl: float
    entries: dict = field(default_factory=dict)
    seen_stamps: tuple = ()
    seen_any_write: int = -1
    generation: int = 0


class Cache:
    """The regions of one application (kept in ``registry["hub.cache"]``)."""

    def __init__(self, directory: Path, redis_url: str = ""):
        self.directory = directory
        # With Redis, other processes learn of writes from it, not from stamp files.
        self.shared = RedisGenerations(redis_url, self) if redis_url else None
        self.regions: dict[str, Region] = {}
        self.by_table: dict[str, list[Region]] = {}
        self.lock = threading.Lock()
        self.directory_made = False
        self.paths: dict[str, str] = {}

    def add_region(self, name: str, tables: Iterable[str], ttl: float) -> None:
        if name in self.regions:
            raise ValueError(f"cache region {name!r} is declared twice")
        self.ensure_region(name, tables, ttl)

    def ensure_region(self, name: str, tables: Iterable[str], ttl: float) -> None:
        """Declare ``name`` unless it exists (for regions known only at request time)."""
        if name in self.regions:
            return  # the usual case, on every request: no lock needed to read
        with self.lock:
            if name in self.regions:
                return
            region = Region(name, tuple(sorted(set(tables))), float(ttl))
            self.regions[name] = region
            for table in region.tables:
                self.by_table.setdefault(table, []).append(region)

    def get_or_create(self, name: str, key: Hashable, create: Callable[[], object]):
        hit, value, generation = self.lookup(name, key)
        if not hit:
            value = create()
            self.store(name, key, value, generation)
        return value

    def lookup(self, name: str, key: Hashable) -> tuple[bool, object, int]:
        """``(hit, value, generation)``; pass ``generation`` to ``store`` with a new value."""
        region = self.regions[name]
        shared = self.shared
        if shared is None:
            # Every write touches the stamp of ANY_TABLE after its tables' own: while that
            # one is unchanged, no table's is, and one stat stands for a region's many.
            any_write = self._stamp(ANY_TABLE)
            if any_write == region.seen_any_write:
                stamps = region.seen_stamps
            else:
                stamps = tuple(self._stamp(table) for table in region.tables)
        else:
            if not shared.watching:
                shared.watch()
            stamps = ()
        with self.lock:
            if stamps != region.seen_stamps:
                self._empty(region)
                region.seen_stamps = stamps
            if shared is None:
                region.seen_any_write = any_write
            found = region.entries.get(key)
            hit = found is not None and found[0] > time.monotonic()
            generation = region.generation
        metrics.cache_lookup(name, hit)
        return (True, found[1], generation) if hit else (False, None, generation)

    def store(self, name: str, key: Hashable, value, generation: int) -> None:
        region = self.regions[name]
        with self.lock:
            if region.generation != generation:
                return  # emptied while the value was made: it may be stale already
            if len(region.entries) >= MAX_ENTRIES_PER_REGION:
                region.entries.clear()
            region.entries[key] = (time.monotonic() + region.ttl, value)

    @staticmethod
    def _empty(region: Region) -> None:
        region.entries.clear()
        region.generation += 1

    def tables_written(self, tables: Iterable[str]) -> None:
        """A transaction that wrote to ``tables`` has committed: empty their regions here
        and tell the other processes."""
        tables = (*tables, ANY_TABLE)
        self.empty_tables(tables)
        if self.shared is not None:
            self.shared.publish(tables)
        else:
            for table in tables:
                self._touch(table)

    def empty_tables(self, tables: Iterable[str]) -> None:
        """Empty the regions of ``tables`` in this process only."""
        for table in tables:
            for region in self.by_table.get(table, ()):
                with self.lock:
                    self._empty(region)

    def clear(self) -> None:
        with self.lock:
            for region in self.regions.values():
                self._empty(region)

    def close(self) -> None:
        """Stop listening to other processes (an application that is shut down)."""
        if self.shared is not None:
            self.shared.close()

    def _stamp(self, table: str) -> int:
        path = self.paths.get(table)
        if path is None:
            path = self.paths[table] = os.path.join(self.directory, table)
        try:
            return os.stat(path).st_mtime_ns
        except FileNotFoundError:
            return 0

    def _touch(self, table: str) -> None:
        path = self.directory / table
        try:
            if not self.directory_made:
                self.directory.mkdir(parents=True, exist_ok=True)
                self.directory_made = True
            previous = self._stamp(table)
            path.touch()
            # Set explicitly: file times are coarse, and two writes in one clock tick must
            # still give two different stamps.
            stamp = max(time.time_ns(), previous + 1)
            os.utime(path, ns=(stamp, stamp))
        except OSError:
            pass  # a read-only data directory: other processes fall back on the ttl


WRITTEN = "hub.cache.written_tables"


def watch_sessions(session_factory, cache: Cache) -> None:
    """Record the tables a session writes to and tell ``cache`` when it commits."""

    @event.listens_for(session_factory, "after_flush")
    def _after_flush(session, _context):
        written = session.info.setdefault(WRITTEN, set())
        for obj in (*session.new, *session.dirty, *session.deleted):
            table = getattr(obj, "__table__", None)
            if table is not None:
                written.add(table.name)

    @event.listens_for(session_factory, "do_orm_execute")
    def _on_execute(state):
        if state.is_insert or state.is_update or state.is_delete:
            table = getattr(state.statement, "table", None)
            if isinstance(table, sa.Table):
                state.session.info.setdefault(WRITTEN, set()).add(table.name)

    @event.listens_for(session_factory, "after_commit")
    def _after_commit(session):
        written = session.info.pop(WRITTEN, None)
        if written:
            cache.tables_written(written)

    @event.listens_for(session_factory, "after_rollback")
    def _after_rollback(session):
        session.info.pop(WRITTEN, None)


def cached(request, region: str, key: Hashable, create: Callable[[], object]):
    """``request.cached(region, key, create)``: the region's value for ``key``."""
    return request.registry["hub.cache"].get_or_create(region, key, create)


def add_cache_region(config, name: str, tables: Iterable[str], ttl: float = 300) -> None:
    """``config.add_cache_region(name, tables=..., ttl=...)``: see the module's docstring."""
    config.registry["hub.cache"].add_region(name, tables, ttl)


def includeme(config):
    settings = config.get_settings()
    directory = Path(settings.get("hub.data_dir") or "var") / "cache"
    cache = Cache(directory, settings.get("hub.redis_url") or "")
    config.registry["hub.cache"] = cache
    for key in ("hub.dbsession_factory", "hub.dbsession_writer"):
        watch_sessions(config.registry[key], cache)
    config.add_directive("add_cache_region", add_cache_region)
    config.add_request_method(cached, "cached")
