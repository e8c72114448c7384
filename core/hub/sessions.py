"""Server-side sessions that can be revoked.

The cookie carries a random token (256 bits); the store keeps the token's SHA-256 with
the user id and a small JSON dictionary (flash messages, login state). Logging out or
changing the password deletes the rows, so a copied cookie stops working at once.

Sessions are saved by a tween that runs after the request's transaction has ended, in a
short transaction of their own: a flash message survives a form error, and a session
write never holds the database's write lock for the length of a request.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from pyramid.interfaces import ISession
from zope.interface import implementer

from hub.db import utcnow

COOKIE_NAME = "hub_session"
# Idle sessions are touched at most this often, so reading pages costs no write each time.
TOUCH_INTERVAL = dt.timedelta(minutes=1)


@functools.cache
def _session_and_person() -> sa.Select:
    """Built once: every signed-in request runs it."""
    from hub.accounts.models import User, UserSession

    return (sa.select(UserSession.user_id, UserSession.data, UserSession.created_at,
                      UserSession.last_seen_at, User)
            .outerjoin(User, User.id == UserSession.user_id)
            .where(UserSession.id == sa.bindparam("key")))


def _in_transaction(request) -> bool:
    from transaction.interfaces import NoTransaction

    manager = request.__dict__.get("tm")
    if manager is None:
        return False
    try:
        return manager.get().status == "Active"
    except NoTransaction:
        return False


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DatabaseSessionStore:
    """Session rows in the ``user_session`` table."""

    def __init__(self, registry):
        self.registry = registry

    def _db(self):
        return self.registry["hub.dbsession_factory"]()

    def _writer(self):
        # Writes take SQLite's write lock at BEGIN: a read-then-write transaction could not
        # wait for the lock and would fail under concurrent requests.
        return self.registry["hub.dbsession_writer"]()

    def load(self, key: str, request=None) -> dict | None:
        from hub.accounts.models import UserSession

        if request is not None and _in_transaction(request):
            # Inside the request's transaction: one query reads the session and its person
            # into the request's session, where the identity is then found without another.
            found = request.dbsession.execute(_session_and_person(), {"key": key}).first()
            # The identity map holds objects weakly: keep the person for this request.
            request.__dict__["hub.session_user"] = found.User if found is not None else None
        else:
            # Before the transaction (an early tween): the session's columns only.
            with self._db() as db:
                found = db.execute(
                    sa.select(UserSession.user_id, UserSession.data, UserSession.created_at,
                              UserSession.last_seen_at).where(UserSession.id == key)).first()
        if found is None:
            return None
        return {"user_id": found.user_id, "data": dict(found.data or {}),
                "created_at": found.created_at, "last_seen_at": found.last_seen_at}

    def save(self, key: str, record: dict, new: bool) -> None:
        """Insert a new session, or update an existing one. An existing session that was
        ended meanwhile (signed out everywhere while this request ran) stays ended."""
        from hub.accounts.models import UserSession

        values = {"user_id": record["user_id"], "data": record["data"],
                  "created_at": record["created_at"], "last_seen_at": record["last_seen_at"],
                  "user_agent": record.get("user_agent", "")[:300]}
        with self._writer() as db:
            if new:
                db.execute(sa.insert(UserSession).values(id=key, **values))
            else:
                db.execute(sa.update(UserSession).where(UserSession.id == key).values(**values))
            db.commit()

    def delete(self, key: str) -> None:
        from hub.accounts.models import UserSession

        with self._writer() as db:
            db.execute(sa.delete(UserSession).where(UserSession.id == key))
            db.commit()

    def end_sessions(self, request, user_id: int) -> None:
        """Delete the user's sessions as part of the request's transaction: they end
        exactly when the change that ends them commits, and not if it rolls back."""
        from hub.accounts.models import UserSession

        request.dbsession.execute(sa.delete(UserSession).where(UserSession.user_id == user_id))


@implementer(ISession)
class ServerSession(dict):
    """A Pyramid session backed by a ``SessionStore``; loaded lazily from the cookie."""

    def __init__(self, request, store):
        super().__init__()
        self.request = request
        self.store = store
        self.key: str | None = None
        self.token: str | None = None
        self.user_id: int | None = None
        self.created = utcnow()
        self.last_seen = self.created
        self.new = True
        self._changed = False
        self._invalidated_key: str | None = None
        token = request.cookies.get(COOKIE_NAME)
        if token:
            record = store.load(hash_token(token), request)
            if record is not None:
                self.token, self.key = token, hash_token(token)
                self.user_id = record["user_id"]
                dict.update(self, record["data"])  # loaded, not changed: nothing to save
                self.created = record["created_at"]
                self.last_seen = record["last_seen_at"]
                self.new = False
            else:
                self._invalidated_key = ""  # stale cookie: clear it

    # -- ISession ------------------------------------------------------------------------
    @property
    def created_ts(self) -> float:
        return self.created.timestamp()

    def changed(self) -> None:
        self._changed = True

    def invalidate(self) -> None:
        if self.key:
            self._invalidated_key = self.key
        self.clear()
        self.key = self.token = None
        self.user_id = None
        self.new = True
        self._changed = False

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self._changed = True

    def __delitem__(self, key):
        super().__delitem__(key)
        self._changed = True

    def pop(self, key, *default):
        self._changed = self._changed or key in self
        return super().pop(key, *default)

    def setdefault(self, key, default=None):
        if key not in self:
            self._changed = True
        return super().setdefault(key, default)

    def update(self, *args, **kwargs):
        super().update(*args, **kwargs)
        self._changed = True

    def flash(self, msg: Any, queue: str = "", allow_duplicate: bool = True) -> None:
        storage = self.setdefault("_f_" + queue, [])
        text = self.request.localizer.translate(msg) if hasattr(msg, "domain") else str(msg)
        if allow_duplicate or text not in storage:
            storage.append(text)
            self._changed = True

    def pop_flash(self, queue: str = "") -> list:
        return self.pop("_f_" + queue, [])

    def peek_flash(self, queue: str = "") -> list:
        return self.get("_f_" + queue, [])

    def new_csrf_token(self) -> str:
        return self.request.registry["hub.csrf_policy"].new_csrf_token(self.request)

    def get_csrf_token(self) -> str:
        return self.request.registry["hub.csrf_policy"].get_csrf_token(self.request)

    # -- signing in and out --------------------------------------------------------------
    def login(self, user_id: int) -> None:
        """Start a fresh session for ``user_id`` (a new id: no session fixation)."""
        data = {k: v for k, v in self.items() if k.startswith("_f_")}
        self.invalidate()
        self.update(data)
        self.user_id = user_id
        self.created = self.last_seen = utcnow()
        self._changed = True

    def persist(self, response) -> None:
        settings = self.request.registry.settings
        if self._invalidated_key:
            self.store.delete(self._invalidated_key)
        if self._invalidated_key is not None and not self._changed:
            response.delete_cookie(COOKIE_NAME, path="/")
        now = utcnow()
        touch = not self.new and now - self.last_seen > TOUCH_INTERVAL
        if not (self._changed or touch):
            return
        if self.new and not self.user_id and not dict(self):
            return  # nothing worth a row
        new = self.key is None
        if new:
            self.token = secrets.token_urlsafe(32)
            self.key = hash_token(self.token)
            response.set_cookie(
                COOKIE_NAME, self.token, path="/", httponly=True, samesite="Lax",
                secure=settings["hub.secure_cookies"],
            )
        self.store.save(self.key, {
            "user_id": self.user_id, "data": dict(self), "created_at": self.created,
            "last_seen_at": now, "user_agent": self.request.user_agent or "",
        }, new=new)


def session_factory(request) -> ServerSession:
    return ServerSession(request, request.registry["hub.session_store"])


def session_tween_factory(handler, registry):
    """Persist the session after the request's transaction has finished."""

    def session_tween(request):
        response = handler(request)
        session = request.__dict__.get("session")
        if session is not None:
            session.persist(response)
        return response

    return session_tween


def end_sessions_of(request, user) -> None:
    """Sign ``user`` out everywhere (password change or reset, sign-out everywhere,
    deactivation, erasure), as part of the request's transaction.

    Every session that exists now is refused from the moment the transaction commits:
    ``user.sessions_ended_at`` is the proof every store shares, and the store removes the
    sessions themselves (the database store in the same transaction, Redis after commit).
    A request that keeps its browser signed in starts a new session (``remember``).
    """
    user.sessions_ended_at = utcnow()
    request.registry["hub.session_store"].end_sessions(request, user.id)


def includeme(config):
    config.registry["hub.session_store"] = DatabaseSessionStore(config.registry)
    config.set_session_factory(session_factory)
    config.add_tween("hub.sessions.session_tween_factory", over="pyramid_tm.tm_tween_factory")
