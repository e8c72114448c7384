"""Rate limits for sign-in and two-factor codes, kept in the database.

Failures are written after the request, in a short transaction of their own (on SQLite
one that takes the write lock at BEGIN), so they count even when the
request's transaction rolls back, and every application process sees the same numbers.
Keys are SHA-256 digests: the table never holds an e-mail or an address in clear.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math

import sqlalchemy as sa

from hub.db import utcnow

# scope: (attempts allowed, window in seconds)
LIMITS = {
    "login_account": (10, 300),
    "login_ip": (30, 300),
    "totp": (5, 300),
    "mail_account": (3, 3600),  # reset and verification mails per account
    "mail_ip": (20, 3600),
}


def digest(value) -> str:
    return hashlib.sha256(str(value).strip().lower().encode()).hexdigest()


def client_ip(request) -> str:
    return request.remote_addr or "unknown"


def retry_after(request, checks: list[tuple[str, str]],
                limits: dict | None = None) -> int | None:
    """Seconds until the first exhausted limit among ``(scope, value)`` frees up, or None.

    ``limits`` adds scopes of a plugin (``{"counselling_ip": (5, 3600)}``) to ``LIMITS``.
    """
    from hub.accounts.models import AuthAttempt

    limits = {**LIMITS, **(limits or {})}
    worst = None
    now = utcnow()
    with request.registry["hub.dbsession_factory"]() as db:
        for scope, value in checks:
            allowed, window = limits[scope]
            since = now - dt.timedelta(seconds=window)
            times = db.scalars(
                sa.select(AuthAttempt.created_at)
                .where(AuthAttempt.scope == scope, AuthAttempt.key == digest(value),
                       AuthAttempt.created_at > since)
                .order_by(AuthAttempt.created_at.desc()).limit(allowed)).all()
            if len(times) >= allowed:
                oldest = min(times)
                wait = math.ceil((oldest + dt.timedelta(seconds=window) - now).total_seconds())
                worst = max(worst or 0, max(wait, 1))
    return worst


def record(request, checks: list[tuple[str, str]], limits: dict | None = None) -> None:
    """Count one attempt against each ``(scope, value)``; old rows of those keys go.

    Written when the request has finished, outside its transaction: a failed sign-in
    rolls its own transaction back, the count must stay. ``limits`` as for ``retry_after``.
    """
    limits = {**LIMITS, **(limits or {})}
    keys = [(scope, digest(value), limits[scope][1]) for scope, value in checks]
    request.add_finished_callback(lambda r: _write(r.registry, keys))


def _write(registry, keys) -> None:
    from hub.accounts.models import AuthAttempt

    now = utcnow()
    with registry["hub.dbsession_writer"]() as db:
        for scope, key, window in keys:
            db.execute(sa.delete(AuthAttempt).where(
                AuthAttempt.scope == scope, AuthAttempt.key == key,
                AuthAttempt.created_at < now - dt.timedelta(seconds=window)))
            db.add(AuthAttempt(scope=scope, key=key, created_at=now))
        db.commit()


def clear(request, scope: str, value) -> None:
    key = digest(value)
    request.add_finished_callback(lambda r: _clear(r.registry, scope, key))


def _clear(registry, scope: str, key: str) -> None:
    from hub.accounts.models import AuthAttempt

    with registry["hub.dbsession_writer"]() as db:
        db.execute(sa.delete(AuthAttempt).where(AuthAttempt.scope == scope,
                                                AuthAttempt.key == key))
        db.commit()
