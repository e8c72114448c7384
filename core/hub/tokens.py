"""Personal API tokens: ``Authorization: Bearer <token>`` acts as the token's owner.

A token is shown once, when it is created; only its SHA-256 is stored, with a short
prefix so its owner can tell tokens apart. Revoked and expired tokens (and unknown ones)
get a 401 JSON error on ``/api/`` paths. Users manage their tokens at ``/profile/tokens``;
administrators with ``hub token create/list/revoke``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow
from hub.i18n import _
from hub.security import AUTHENTICATED

TOKEN_PREFIX = "hub_"  # noqa: S105  (a marker, not a secret)
MAX_NAME = 100
MAX_EXPIRY_DAYS = 3650
# Updating "last used" on every call would make every API read a write; once a minute is enough.
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


class ApiToken(Base):
    __tablename__ = "api_token"
    __table_args__ = (sa.CheckConstraint("length(name) > 0", name="name_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         index=True)
    name: Mapped[str] = mapped_column(sa.String(MAX_NAME))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    def is_valid(self, now: dt.datetime | None = None) -> bool:
        now = now or utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(dbsession, user, name: str, expires_at: dt.datetime | None = None
                 ) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return the row and the secret (never stored)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name.strip()[:MAX_NAME], token_hash=hash_token(secret),
                   prefix=secret[:len(TOKEN_PREFIX) + 6], expires_at=expires_at)
    dbsession.add(row)
    dbsession.flush()
    return row, secret


def bearer_token(request) -> str | None:
    """The bearer token of the request, ``""`` for an empty one, ``None`` without one."""
    auth = request.authorization
    if not auth or auth.authtype.lower() != "bearer":
        return None
    params = auth.params
    return params.strip() if isinstance(params, str) else ""


def find_token_user(request):
    """Identity finder: the owner of a valid bearer token, else ``None``.

    Records why a presented token was refused (``request.environ["hub.token_error"]``) so
    the API can answer 401 instead of treating the caller as anonymous.
    """
    from hub.accounts.models import User

    secret = bearer_token(request)
    if secret is None:
        return None
    row = request.dbsession.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_token(secret))) if secret else None
    now = utcnow()
    if row is None or not row.is_valid(now):
        request.environ["hub.token_error"] = "expired" if row is not None and \
            row.revoked_at is None else "invalid"
        return None
    user = request.dbsession.get(User, row.user_id)
    if user is None or not user.is_active:
        request.environ["hub.token_error"] = "invalid"
        return None
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_GRANULARITY:
        row.last_used_at = now
    request.environ["hub.api_token_id"] = row.id
    return user


# -- pages ------------------------------------------------------------------------------

def _user_tokens(request):
    return request.dbsession.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == request.identity.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()


def _page(request, errors=None, values=None, new_secret=None):
    from hub.notifications.views import format_datetime

    return {"tokens": _user_tokens(request), "errors": errors or {}, "values": values or {},
            "new_secret": new_secret, "now": utcnow(), "format_datetime": format_datetime,
            "breadcrumbs": [(_("API tokens"), None)]}


@view_config(route_name="tokens", request_method="GET", permission=AUTHENTICATED,
             renderer="hub:templates/tokens/index.pt")
def tokens_page(request):
    return _page(request)


@view_config(route_name="tokens", request_method="POST", permission=AUTHENTICATED,
             renderer="hub:templates/tokens/index.pt")
def create_token_view(request):
    name = request.POST.get("name", "").strip()
    days_text = request.POST.get("expires_days", "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Enter a name so that you recognise the token later.")
    elif len(name) > MAX_NAME:
        errors["name"] = _("The name can have at most ${n} characters.", mapping={"n": MAX_NAME})
    expires_at = None
    if days_text:
        try:
            days = int(days_text)
        except ValueError:
            days = 0
        if not 1 <= days <= MAX_EXPIRY_DAYS:
            errors["expires_days"] = _("Enter a whole number of days from 1 to ${n}, or leave "
                                       "the field empty.", mapping={"n": MAX_EXPIRY_DAYS})
        else:
            expires_at = utcnow() + dt.timedelta(days=days)
    if errors:
        request.response.status = 422
        return _page(request, errors, {"name": name, "expires_days": days_text})
    _row, secret = create_token(request.dbsession, request.identity, name, expires_at)
    return _page(request, new_secret=secret)


@view_config(route_name="token_revoke", request_method="POST", permission=AUTHENTICATED)
def revoke_token_view(request):
    row = request.dbsession.get(ApiToken, _int(request.matchdict["id"]))
    if row is None or row.user_id != request.identity.id:
        from pyramid.httpexceptions import HTTPNotFound

        raise HTTPNotFound()
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        request.session.flash(request.shell.translate(
            _("The token “${name}” was revoked.", mapping={"name": row.name})), "success")
    return HTTPSeeOther(request.route_path("tokens"))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def includeme(config):
    finders = config.registry.setdefault("hub.identity_finders", [])
    if find_token_user not in finders:
        finders.insert(0, find_token_user)
    config.add_route("tokens", "/profile/tokens")
    config.add_route("token_revoke", "/profile/tokens/{id:\\d+}/revoke")
    config.scan("hub.tokens")
