"""Cache coherence between machines through Redis (``hub.redis_url`` set).

After a transaction that wrote to some tables commits, the writing process increments one
generation per table (``hub:cache:gen:<table>``, and ``hub:cache:gen:*`` for regions that
depend on any table) and publishes the new generations on ``hub:cache:written``, in one
script: one round trip per committed write, never inside the transaction.

Each process has one listener thread, started by its first cache read (again after a
fork, so a pre-forking server's workers each get theirs):

* a message from another process empties the regions of the tables it names at once
  (milliseconds after the commit);
* every ``POLL_SECONDS`` the listener also reads the generations of the tables its regions
  depend on (one ``MGET``) and empties the regions of those that moved, so a message lost
  with a dropped connection delays a change by at most that long;
* when it reaches Redis, at start and after losing it, it empties every region: changes
  committed meanwhile may not have been counted. Until then values live at most their ttl.

Reading a kept value costs a dictionary look-up, as on one machine: no round trip per
read or per request.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid
import weakref

log = logging.getLogger(__name__)

PREFIX = "hub:cache:gen:"
CHANNEL = "hub:cache:written"
POLL_SECONDS = 0.5
# Short, so that Redis going away delays a response by seconds, not minutes.
SOCKET_TIMEOUT = 2
RETRY_SECONDS = (0.2, 0.5, 1, 2, 5)

# KEYS: generation keys; ARGV: sender, channel, then the tables of KEYS in order.
BUMP_AND_PUBLISH = """
local parts = {ARGV[1]}
for i, key in ipairs(KEYS) do
  parts[i + 1] = ARGV[i + 2] .. "=" .. redis.call("INCR", key)
end
redis.call("PUBLISH", ARGV[2], table.concat(parts, " "))
return #KEYS
"""

_instances: weakref.WeakSet = weakref.WeakSet()


class RedisGenerations:
    """Tells the other processes of an installation which tables changed (module docstring).

    ``cache`` is the process's ``hub.cache.Cache``: its ``by_table`` names the tables to
    watch, ``empty_tables`` and ``clear`` empty regions.
    """

    def __init__(self, url: str, cache, poll_seconds: float = POLL_SECONDS):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT,
                                          socket_connect_timeout=SOCKET_TIMEOUT)
        self.errors = (redis.exceptions.RedisError, OSError)
        self.bump = self.redis.register_script(BUMP_AND_PUBLISH)
        self.cache = cache
        self.poll_seconds = poll_seconds
        self.sender = uuid.uuid4().hex  # tells this process's own messages apart
        self.seen: dict[str, int] = {}
        self.watching = False
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()
        self.start_lock = threading.Lock()
        _instances.add(self)

    def publish(self, tables) -> None:
        """After commit: count a new generation of ``tables`` and tell the other processes."""
        tables = sorted(set(tables))
        try:
            self.bump(keys=[PREFIX + table for table in tables],
                      args=[self.sender, CHANNEL, *tables])
        except self.errors:
            log.warning("cache: could not tell other processes that %s changed; they "
                        "see the change when their values expire", ", ".join(tables),
                        exc_info=True)

    def watch(self) -> None:
        """Start the listener of this process (called by the first read)."""
        with self.start_lock:
            if self.watching:
                return
            self.stopping.clear()
            self.thread = threading.Thread(target=self._listen, name="hub-cache-listener",
                                           daemon=True)
            self.thread.start()
            self.watching = True

    def close(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(SOCKET_TIMEOUT + 1)
        self.thread = None
        self.watching = False

    def _listen(self) -> None:
        pubsub = None
        failures = 0
        next_poll = 0.0
        while not self.stopping.is_set():
            try:
                if pubsub is None:
                    pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                    pubsub.subscribe(CHANNEL)
                    self._poll(everything=True)
                    failures = 0
                    next_poll = time.monotonic() + self.poll_seconds
                message = pubsub.get_message(timeout=max(0.0, next_poll - time.monotonic()))
                if message is not None:
                    self._received(message["data"])
                if time.monotonic() >= next_poll:
                    self._poll()
                    next_poll = time.monotonic() + self.poll_seconds
            except self.errors:
                if failures == 0:
                    log.warning("cache: lost Redis; kept values now live until their ttl",
                                exc_info=True)
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except self.errors:
                        pass
                    pubsub = None
                self.stopping.wait(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
                failures += 1
        if pubsub is not None:
            try:
                pubsub.close()
            except self.errors:
                pass

    def _received(self, data: bytes) -> None:
        sender, *pairs = data.decode("utf-8", "replace").split() or ("",)
        changed = []
        for pair in pairs:
            table, _, generation = pair.rpartition("=")
            if not generation.isdigit():
                continue  # not one of ours: the poll still catches every change
            generation = int(generation)
            if generation > self.seen.get(table, 0):
                self.seen[table] = generation
                changed.append(table)
        if sender != self.sender:
            self.cache.empty_tables(changed)

    def _poll(self, everything: bool = False) -> None:
        tables = tuple(self.cache.by_table)
        values = self.redis.mget([PREFIX + table for table in tables]) if tables else []
        current = {table: int(value or 0) for table, value in zip(tables, values, strict=True)}
        if everything:
            self.seen = current
            self.cache.clear()
            return
        # A table seen for the first time belongs to a region made since the last poll:
        # emptied too, as a message about it may have been missed.
        changed = [table for table, generation in current.items()
                   if self.seen.get(table) != generation]
        self.seen.update(current)
        self.cache.empty_tables(changed)


def _forget_listeners_after_fork() -> None:
    # Threads do not survive a fork: the child starts its own listener at its first read.
    for instance in list(_instances):
        instance.watching = False
        instance.thread = None
        instance.start_lock = threading.Lock()
        instance.stopping = threading.Event()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_listeners_after_fork)
