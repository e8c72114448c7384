"""Personal API tokens: ``Authorization: Bearer <token>`` acts as the token's owner.

A token is shown once, when it is created; only its SHA-256 is stored, with a short
prefix so its owner can tell tokens apart. Every token expires (90 days unless its
creator chooses otherwise, at most ``hub.api_tokens.max_days``) and has a scope:

- ``read``: GET, HEAD and OPTIONS only; any other method gets 403 ``insufficient_scope``;
- ``write``: every method. Writing includes reading (a program that changes data needs
  to read it first), so the scopes stored are ``read`` or ``read write``.

Tokens of staff and administrators carry their rights only when they were created for a
staff account after a fresh two-factor check (on the profile page) or on the server's
command line (``hub token create``: access to the server is the stronger proof). A
member's token does not become a staff token when its owner is promoted; it is refused
until replaced.

Revoked, expired and unknown tokens get a 401 JSON error on ``/api/`` paths. People list,
create and revoke their own tokens at ``/profile/tokens`` (only from a signed-in browser:
a token cannot make or revoke tokens); administrators use ``hub token create/list/revoke``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow
from hub.i18n import _
from hub.security import AUTHENTICATED, uses_cookie_authentication

log = logging.getLogger(__name__)

TOKEN_PREFIX = "hub_"  # noqa: S105  (a marker, not a secret)
MAX_NAME = 100
DEFAULT_DAYS = 90
SCOPES = ("read", "write")
# What each choice grants: writing includes reading.
SCOPE_SETS = {"read": ("read",), "write": ("read", "write")}
SCOPE_LABELS = {"read": _("Read only"), "write": _("Read and write")}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Updating "last used" on every call would make every API read a write; once a minute is enough.
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


class ApiToken(Base):
    __tablename__ = "api_token"
    __table_args__ = (sa.CheckConstraint("length(name) > 0", name="name_not_empty"),
                      sa.CheckConstraint("scopes IN ('read', 'read write')", name="scopes"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         index=True)
    name: Mapped[str] = mapped_column(sa.String(MAX_NAME))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    scopes: Mapped[str] = mapped_column(sa.String(20), default="read")
    # May act with its owner's staff or administrator rights (see the module docstring).
    staff_rights: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    @property
    def scope_choice(self) -> str:
        """``read`` or ``write``: the choice the token was created with."""
        return "write" if "write" in self.scope_set else "read"

    def is_valid(self, now: dt.datetime | None = None) -> bool:
        now = now or utcnow()
        return self.revoked_at is None and self.expires_at > now


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_scopes(scopes: Iterable[str]) -> str:
    """The stored form of ``scopes`` (``read`` or ``read write``); ValueError when one is
    unknown or none is given."""
    chosen = set(scopes)
    unknown = chosen - set(SCOPES)
    if unknown or not chosen:
        raise ValueError(f"scopes must be among {', '.join(SCOPES)}")
    return " ".join(SCOPE_SETS["write" if "write" in chosen else "read"])


def default_days(settings) -> int:
    return min(DEFAULT_DAYS, settings["hub.api_tokens.max_days"])


def create_token(dbsession, user, name: str, expires_at: dt.datetime | None = None,
                 scopes: Iterable[str] = SCOPES, staff_rights: bool = True
                 ) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return the row and the secret (never stored).

    The caller applies the policy: the profile page passes its owner's choices, and
    ``staff_rights`` only after a fresh two-factor check; the command line trusts the
    server's operator. Without ``expires_at`` the token is valid for ``DEFAULT_DAYS``.
    """
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name.strip()[:MAX_NAME], token_hash=hash_token(secret),
                   prefix=secret[:len(TOKEN_PREFIX) + 6], scopes=normalise_scopes(scopes),
                   staff_rights=staff_rights,
                   expires_at=expires_at or utcnow() + dt.timedelta(days=DEFAULT_DAYS))
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
    the API can answer 401 instead of treating the caller as anonymous, and the scopes of
    an accepted one (``request.environ["hub.token_scopes"]``).
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
    if user.is_staff and not row.staff_rights:
        request.environ["hub.token_error"] = "two_factor"
        return None
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_GRANULARITY:
        row.last_used_at = now
    request.environ["hub.api_token_id"] = row.id
    request.environ["hub.token_scopes"] = row.scope_set
    return user


def missing_scope(request) -> str | None:
    """The scope a bearer request needs and its token lacks, else ``None``."""
    scopes = request.environ.get("hub.token_scopes")
    if scopes is None:
        return None
    needed = "read" if request.method in SAFE_METHODS else "write"
    return None if needed in scopes else needed


# -- pages ------------------------------------------------------------------------------

def _person(request):
    """The signed-in person; tokens are managed from a browser session, never with a token
    (a token that could make tokens would outlive its own expiry)."""
    if not uses_cookie_authentication(request):
        raise HTTPForbidden()
    return request.identity


def _user_tokens(request):
    return request.dbsession.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == request.identity.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()


def _page(request, errors=None, values=None, new_secret=None):
    from hub.accounts import twofactor
    from hub.notifications.views import format_datetime

    user = request.identity
    settings = request.registry.settings
    values = values or {"scope": "read", "expires_days": str(default_days(settings))}
    return {"tokens": _user_tokens(request), "errors": errors or {}, "values": values,
            "new_secret": new_secret, "now": utcnow(), "format_datetime": format_datetime,
            "max_days": settings["hub.api_tokens.max_days"], "scope_labels": SCOPE_LABELS,
            "two_factor_missing": user.is_staff and not user.totp_secret,
            "code_needed": user.is_staff and not twofactor.checked_recently(request),
            "breadcrumbs": [(_("My profile"), request.route_path("profile")),
                            (_("API tokens"), None)]}


@view_config(route_name="tokens", request_method="GET", permission=AUTHENTICATED,
             renderer="hub:templates/tokens/index.pt")
def tokens_page(request):
    _person(request)
    return _page(request)


def _read_form(request, max_days: int) -> tuple[dict, dict, int]:
    values = {"name": request.POST.get("name", "").strip(),
              "scope": request.POST.get("scope", ""),
              "expires_days": request.POST.get("expires_days", "").strip()}
    errors = {}
    if not values["name"]:
        errors["name"] = _("Enter a name so that you recognise the token later.")
    elif len(values["name"]) > MAX_NAME:
        errors["name"] = _("The name can have at most ${n} characters.", mapping={"n": MAX_NAME})
    if values["scope"] not in SCOPE_SETS:
        errors["scope"] = _("Choose what the token may do.")
    try:
        days = int(values["expires_days"])
    except ValueError:
        days = 0
    if not 1 <= days <= max_days:
        errors["expires_days"] = _("Enter a whole number of days from 1 to ${n}.",
                                   mapping={"n": max_days})
    return values, errors, days


def _check_code(request, user, errors: dict) -> None:
    """A fresh two-factor check for a staff token; errors go under ``code``."""
    from hub.accounts import ratelimit, twofactor

    code = request.POST.get("code", "").strip()
    checks = [("totp", user.id)]
    wait = ratelimit.retry_after(request, checks)
    if wait:
        request.response.headers["Retry-After"] = str(wait)
        errors["code"] = _("Too many attempts. Try again in ${minutes} minutes.",
                           mapping={"minutes": max(1, (wait + 59) // 60)})
    elif not code:
        errors["code"] = _("Enter the code from your authenticator app.")
    elif twofactor.verify_and_use(request.dbsession, user, code, recovery=False):
        ratelimit.clear(request, "totp", user.id)
        twofactor.record_check(request)
    else:
        ratelimit.record(request, checks)
        errors["code"] = _("The code is not right or has already been used.")


@view_config(route_name="tokens", request_method="POST", permission=AUTHENTICATED,
             renderer="hub:templates/tokens/index.pt")
def create_token_view(request):
    from hub.accounts import twofactor

    user = _person(request)
    if user.is_staff and not user.totp_secret:
        request.response.status = 403
        return _page(request)
    max_days = request.registry.settings["hub.api_tokens.max_days"]
    values, errors, days = _read_form(request, max_days)
    # The code is checked last: a used code cannot be taken back if the form is refused.
    if not errors and user.is_staff and not twofactor.checked_recently(request):
        _check_code(request, user, errors)
    if errors:
        request.response.status = 429 if "Retry-After" in request.response.headers else 422
        return _page(request, errors, values)
    row, secret = create_token(request.dbsession, user, values["name"],
                               utcnow() + dt.timedelta(days=days), SCOPE_SETS[values["scope"]],
                               staff_rights=user.is_staff)
    log.info("api token %s created user_id=%s scopes=%s", row.id, user.id, row.scopes)
    return _page(request, new_secret=secret)


@view_config(route_name="token_revoke", request_method="POST", permission=AUTHENTICATED)
def revoke_token_view(request):
    user = _person(request)
    row = request.dbsession.get(ApiToken, _int(request.matchdict["id"]))
    if row is None or row.user_id != user.id:
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
