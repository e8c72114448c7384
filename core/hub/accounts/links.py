"""Single-use links sent by e-mail: address verification and password reset.

The token is 256 bits from ``secrets``; only its SHA-256 is stored. Links are built from
``hub.base_url``, never from the request's Host header.
"""
from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import urlencode

import sqlalchemy as sa

from hub.accounts.models import AccountToken, User
from hub.db import utcnow
from hub.sessions import hash_token

LIFETIMES = {"verify": dt.timedelta(days=2), "reset": dt.timedelta(hours=1),
             "email": dt.timedelta(days=1)}


def issue(request, user: User, purpose: str, new_email: str | None = None) -> str:
    """A new link token for ``user`` (earlier ones of the same purpose stop working)."""
    revoke(request, user, purpose)
    token = secrets.token_urlsafe(32)
    request.dbsession.add(AccountToken(token_hash=hash_token(token), user_id=user.id,
                                       purpose=purpose, new_email=new_email,
                                       expires_at=utcnow() + LIFETIMES[purpose]))
    request.dbsession.flush()
    return token


def link(request, route: str, token: str) -> str:
    base = request.registry.settings["hub.base_url"].rstrip("/")
    return f"{base}{request.route_path(route)}?{urlencode({'token': token})}"


def peek(request, token: str, purpose: str) -> User | None:
    """The user of a valid token, without using it up."""
    row = valid_row(request, token, purpose)
    return None if row is None else request.dbsession.get(User, row.user_id)


def valid_row(request, token: str, purpose: str) -> AccountToken | None:
    if not token or len(token) > 100:
        return None
    row = request.dbsession.scalar(sa.select(AccountToken).where(
        AccountToken.token_hash == hash_token(token), AccountToken.purpose == purpose))
    if row is None or row.expires_at <= utcnow():
        return None
    return row


def consume(request, token: str, purpose: str) -> User | None:
    """Use a token up: the user, or None when it is unknown, expired or already used.

    The row is deleted with a conditional DELETE, so two simultaneous uses cannot both win.
    """
    user = peek(request, token, purpose)
    if user is None:
        return None
    deleted = request.dbsession.execute(sa.delete(AccountToken).where(
        AccountToken.token_hash == hash_token(token))).rowcount
    return user if deleted == 1 else None


def revoke(request, user: User, purpose: str | None = None) -> None:
    stmt = sa.delete(AccountToken).where(AccountToken.user_id == user.id)
    if purpose:
        stmt = stmt.where(AccountToken.purpose == purpose)
    request.dbsession.execute(stmt)
