"""Security defaults every plugin inherits.

- Default deny: every view needs a permission; a view without one gets
  ``DENY_BY_DEFAULT``, which nobody holds. Public views say ``permission=PUBLIC``.
- Roles become principals (``role:member``, ``role:representative``, ``role:staff``,
  ``role:admin``); plugins declare their permissions and the roles that hold them through
  ``hub_permissions`` and the core builds the root ACL.
- CSRF is required on every unsafe method (token in a cookie, compared with the form
  field or ``X-CSRF-Token`` header, plus an Origin check over https).
- Security headers on every response (CSP, frame-ancestors, nosniff, referrer policy,
  COOP; HSTS when configured) and a Host allow-list.
"""
from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import urlsplit

from pyramid.authorization import ACLHelper, Allow, Authenticated, Everyone
from pyramid.csrf import CookieCSRFStoragePolicy
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.request import RequestLocalCache

from hub.contributions import Permission
from hub.db import utcnow

PUBLIC = "public"
AUTHENTICATED = "authenticated"
DENY_BY_DEFAULT = "hub:deny-by-default"
STAFF = "hub:staff"
ADMIN = "hub:admin"

ROLE_NAMES = ("anonymous", "member", "representative", "staff", "admin")

CORE_PERMISSIONS = (
    Permission(PUBLIC, "Public pages", ROLE_NAMES),
    Permission(AUTHENTICATED, "Pages for signed-in users", ROLE_NAMES[1:]),
    Permission(STAFF, "Hub staff pages", ("staff", "admin")),
    Permission(ADMIN, "Administration", ("admin",)),
)


def principal_for_role(role: str):
    if role == "anonymous":
        return Everyone
    return f"role:{role}"


def build_root_acl(permissions: list[Permission]) -> list:
    """An ACL granting each permission to the principals of its roles."""
    acl = []
    for perm in permissions:
        for role in perm.roles:
            acl.append((Allow, principal_for_role(role), perm.name))
    return acl


class Root:
    """The root context; its ACL is assembled at start-up from every permission."""

    def __init__(self, request):
        self.request = request

    @property
    def __acl__(self):
        return self.request.registry["hub.root_acl"]


class SecurityPolicy:
    """Identity from the server-side session (and, later, API tokens); ACL authorization."""

    def __init__(self):
        self.helper = ACLHelper()
        self.identity_cache = RequestLocalCache(self._load_identity)
        # Every permission check needs the principals; compute them once per request.
        self.principals_cache = RequestLocalCache(effective_principals)

    def _load_identity(self, request):
        from hub.accounts.models import User

        for finder in request.registry.get("hub.identity_finders", ()):
            user = finder(request)
            if user is not None:
                return user
        if not uses_cookie_authentication(request):
            return None  # a bearer request that no finder accepted is anonymous
        session = request.session
        if not session.user_id:
            return None
        user = request.dbsession.get(User, session.user_id)
        if user is None or not user.is_active or not _session_is_current(request, session, user):
            session.invalidate()
            return None
        return user

    def identity(self, request):
        return self.identity_cache.get_or_create(request)

    def authenticated_userid(self, request):
        user = self.identity(request)
        return None if user is None else user.id

    def remember(self, request, userid, **kw):
        request.session.login(userid)
        self.identity_cache.clear(request)
        self.principals_cache.clear(request)
        request.registry["hub.csrf_policy"].new_csrf_token(request)
        return []

    def forget(self, request, **kw):
        request.session.invalidate()
        self.identity_cache.clear(request)
        self.principals_cache.clear(request)
        request.registry["hub.csrf_policy"].new_csrf_token(request)
        return []

    def permits(self, request, context, permission):
        principals = self.principals_cache.get_or_create(request)
        if type(context) is not Root:
            return self.helper.permits(context, principals, permission)
        # The root ACL is fixed at start-up and names roles only, so the answer depends on
        # the principals' roles alone: menus ask the same questions on every page.
        key = (role_key(request), permission)
        answers = request.registry["hub.root_acl_answers"]
        answer = answers.get(key)
        if answer is None:
            answer = answers[key] = self.helper.permits(context, principals, permission)
        return answer


def role_key(request) -> tuple:
    """The request's principals without the user's own: what people of the same roles share
    (a key for answers and cached HTML that depend on roles only)."""
    from pyramid.interfaces import ISecurityPolicy

    policy = request.registry.getUtility(ISecurityPolicy)
    principals = policy.principals_cache.get_or_create(request)
    known = request.__dict__.get("_hub_role_key")
    if known is not None and known[0] is principals:  # same principals, same key
        return known[1]
    key = tuple(p for p in principals if not str(p).startswith("user:"))
    request.__dict__["_hub_role_key"] = (principals, key)
    return key


def _session_is_current(request, session, user) -> bool:
    settings = request.registry.settings
    now = utcnow()
    if now - session.last_seen > dt.timedelta(minutes=settings["hub.session.idle_minutes"]):
        return False
    if now - session.created > dt.timedelta(hours=settings["hub.session.absolute_hours"]):
        return False
    if user.password_changed_at and user.password_changed_at > session.created:
        return False
    if user.sessions_ended_at and user.sessions_ended_at > session.created:
        return False
    return True


def effective_principals(request) -> list:
    principals = [Everyone]
    user = request.identity
    if user is None:
        return principals
    principals += [Authenticated, f"user:{user.id}", "role:member"]
    if user.role in ("staff", "admin"):
        principals.append("role:staff")
    if user.role == "admin":
        principals.append("role:admin")
    if request.registry["hub.is_representative"](request, user):
        principals.append("role:representative")
    hooks = getattr(request, "hooks", None)
    if hooks is not None:
        for names in hooks.hub_roles(request=request, user=user):
            principals.extend(f"role:{name}" for name in names or ())
    return principals


def is_representative(request, user) -> bool:
    import sqlalchemy as sa

    from hub.organizations.models import Membership

    # Asked on every signed-in request; kept per person until a membership changes.
    request.registry["hub.cache"].ensure_region(REPRESENTATIVES_REGION, ("membership",), 600)

    def ask() -> bool:
        stmt = sa.select(Membership.id).where(
            Membership.user_id == user.id, Membership.is_representative.is_(True)).limit(1)
        return request.dbsession.execute(stmt).first() is not None

    return request.cached(REPRESENTATIVES_REGION, user.id, ask)


REPRESENTATIVES_REGION = "hub.representatives"


class CSRFPolicy(CookieCSRFStoragePolicy):
    """Double-submit cookie with a 256-bit token from ``secrets``.

    Anonymous visitors need no server-side session (and no database row) to submit a
    form; the token is rotated at sign-in and sign-out.
    """

    def __init__(self, secure: bool):
        super().__init__(cookie_name="hub_csrf", secure=secure, httponly=True,
                         samesite="Lax", path="/")

    def new_csrf_token(self, request):
        token = secrets.token_urlsafe(32)

        def set_cookie(request, response):
            self.cookie_profile.set_cookies(response, token)

        request.add_response_callback(set_cookie)
        request.environ["hub.csrf_token"] = token
        return token

    def get_csrf_token(self, request):
        if request.environ.get("hub.page_cache.rendering"):
            from hub.page_cache import PLACEHOLDER

            return PLACEHOLDER  # a page kept for all visitors: each gets their own token
        token = request.environ.get("hub.csrf_token")
        if token:
            return token
        bound = self.cookie_profile.bind(request)
        token = bound.get_value()
        if not token:
            token = self.new_csrf_token(request)
        return token

    def check_csrf_token(self, request, supplied_token):
        expected = self.cookie_profile.bind(request).get_value() or ""
        return bool(expected) and secrets.compare_digest(expected.encode(), supplied_token.encode())


# -- headers and hosts -------------------------------------------------------------------

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; media-src 'self'; frame-src https://www.youtube-nocookie.com "
       "https://player.vimeo.com; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


def security_headers_tween_factory(handler, registry):
    hsts = registry.settings["hub.hsts"]
    allowed = {h.lower() for h in registry.settings["hub.allowed_hosts"]}

    def security_headers_tween(request):
        if allowed and (request.host.split(":")[0].lower() not in allowed):
            response = HTTPBadRequest("Unknown host.")
        elif request.method == "TRACE":
            from pyramid.httpexceptions import HTTPMethodNotAllowed

            response = HTTPMethodNotAllowed()
        else:
            response = handler(request)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if hsts:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.__dict__.get("session") is not None and request.session.user_id \
                and not request.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"
        headers.pop("Server", None)
        return response

    return security_headers_tween


def uses_cookie_authentication(request) -> bool:
    """CSRF applies unless the request carries a bearer token (an API client)."""
    return not (request.authorization and request.authorization.authtype.lower() == "bearer")


def is_safe_redirect(target: str | None, request) -> bool:
    """True when ``target`` is a path on this site (not another host, not a script)."""
    if not target or not isinstance(target, str):
        return False
    if any(ord(c) < 32 or c == "\\" for c in target):
        return False
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return False
    return target.startswith("/") and not target.startswith("//")


def safe_redirect_target(request, target: str | None, default: str) -> str:
    return target if is_safe_redirect(target, request) else default


def includeme(config):
    settings = config.get_settings()
    config.set_root_factory(Root)
    config.set_security_policy(SecurityPolicy())
    config.set_default_permission(DENY_BY_DEFAULT)
    policy = CSRFPolicy(secure=settings["hub.secure_cookies"])
    config.registry["hub.csrf_policy"] = policy
    config.set_csrf_storage_policy(policy)
    config.set_default_csrf_options(require_csrf=True, callback=uses_cookie_authentication)
    config.registry.setdefault("hub.is_representative", is_representative)
    config.add_tween("hub.security.security_headers_tween_factory")
