"""Session store in Redis (``hub.session.backend = redis``), for several app processes
without session rows in the database. Same interface as ``hub.sessions.DatabaseSessionStore``.

Each session is a JSON value under ``hub:session:<sha256 of token>`` that expires after the
absolute lifetime; a set ``hub:user-sessions:<user id>`` lists a user's sessions so that
they can all be ended at once.
"""
from __future__ import annotations

import datetime as dt
import json


class RedisSessionStore:
    prefix = "hub:session:"
    user_prefix = "hub:user-sessions:"

    def __init__(self, url: str, absolute_hours: int):
        import redis

        self.redis = redis.Redis.from_url(url)
        self.ttl = int(dt.timedelta(hours=absolute_hours).total_seconds())

    def load(self, key: str, request=None) -> dict | None:
        raw = self.redis.get(self.prefix + key)
        if raw is None:
            return None
        record = json.loads(raw)
        for name in ("created_at", "last_seen_at"):
            record[name] = dt.datetime.fromisoformat(record[name])
        return record

    def save(self, key: str, record: dict, new: bool) -> None:
        value = json.dumps({
            "user_id": record["user_id"], "data": record["data"],
            "created_at": record["created_at"].isoformat(),
            "last_seen_at": record["last_seen_at"].isoformat(),
            "user_agent": record.get("user_agent", "")[:300]})
        pipe = self.redis.pipeline()
        # An existing session is only updated (XX): one ended meanwhile stays ended.
        pipe.set(self.prefix + key, value, ex=self.ttl, xx=not new)
        if new and record["user_id"]:
            user_key = f"{self.user_prefix}{record['user_id']}"
            pipe.sadd(user_key, key)
            pipe.expire(user_key, self.ttl)
        pipe.execute()

    def delete(self, key: str) -> None:
        record = self.load(key)
        pipe = self.redis.pipeline()
        pipe.delete(self.prefix + key)
        if record and record["user_id"]:
            pipe.srem(f"{self.user_prefix}{record['user_id']}", key)
        pipe.execute()

    def end_sessions(self, request, user_id: int) -> None:
        """Delete the user's sessions once the request's transaction has committed (Redis
        is not part of it; until then ``user.sessions_ended_at`` already refuses them)."""
        def delete(committed: bool) -> None:
            if committed:
                self.delete_for_user(user_id)

        request.tm.get().addAfterCommitHook(delete)

    def delete_for_user(self, user_id: int, keep: str | None = None) -> int:
        user_key = f"{self.user_prefix}{user_id}"
        keys = [k.decode() for k in self.redis.smembers(user_key)]
        doomed = [k for k in keys if k != keep]
        if not doomed:
            return 0
        pipe = self.redis.pipeline()
        pipe.delete(*[self.prefix + k for k in doomed])
        pipe.srem(user_key, *doomed)
        deleted = pipe.execute()[0]
        return deleted

    def sessions_of(self, user_id: int) -> list[dict]:
        keys = [k.decode() for k in self.redis.smembers(f"{self.user_prefix}{user_id}")]
        return [r for r in (self.load(k) for k in keys) if r is not None]


def configure(config) -> None:
    settings = config.get_settings()
    backend = settings["hub.session.backend"]
    if backend == "redis":
        if not settings["hub.redis_url"]:
            from hub.settings import SettingsError

            raise SettingsError("hub.session.backend = redis needs hub.redis_url")
        config.registry["hub.session_store"] = RedisSessionStore(
            settings["hub.redis_url"], settings["hub.session.absolute_hours"])
    elif backend != "database":
        from hub.settings import SettingsError

        raise SettingsError(f"hub.session.backend must be 'database' or 'redis', not {backend!r}")
