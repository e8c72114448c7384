"""The core's own pages: home, "My hub", language switch and error pages (the health
checks are in ``hub.health``)."""
from __future__ import annotations

import logging
from pathlib import Path

from pyramid.httpexceptions import HTTPFound, HTTPSeeOther
from pyramid.response import FileResponse
from pyramid.view import (
    exception_view_config,
    forbidden_view_config,
    notfound_view_config,
    view_config,
)

from hub.i18n import LANGUAGE_COOKIE, _
from hub.params import BadInput, BodyTooLarge, is_bad_value
from hub.security import AUTHENTICATED, PUBLIC, safe_redirect_target
from hub.shell import flatten, route_names

log = logging.getLogger(__name__)


def home_tables(request):
    """The home page is kept for visitors when every block on it is (``Widget.cache_tables``)."""
    widgets = request.shell.visible_widgets("home")
    if any(not w.cache_tables for w in widgets):
        return None
    return {table for w in widgets for table in w.cache_tables} or True


@view_config(route_name="home", renderer="hub:templates/home.pt", permission=PUBLIC,
             cache_tables=home_tables)
def home(request):
    return {"widgets": request.shell.widgets("home")}


def dashboard_tables(request):
    """My hub is kept for its person when every block on it is (``Widget.cache_tables``).
    Which blocks a person sees follows their roles: the answer is kept per roles."""
    from hub.security import role_key

    known = request.registry.setdefault("hub.dashboard_tables", {})
    roles = role_key(request)
    if roles not in known:
        widgets = request.shell.visible_widgets("dashboard")
        # Without blocks, the page reads no table of its own (True, as for cache_tables).
        known[roles] = None if any(not w.cache_tables for w in widgets) else \
            frozenset(table for w in widgets for table in w.cache_tables) or True
    return known[roles]


@view_config(route_name="dashboard", renderer="hub:templates/dashboard.pt",
             permission=AUTHENTICATED, cache_personal=dashboard_tables)
def dashboard(request):
    return {"widgets": request.shell.widgets("dashboard"),
            "breadcrumbs": [(_("My hub"), None)]}


@view_config(route_name="accessibility", renderer="hub:templates/accessibility.pt",
             permission=PUBLIC, cache_tables=True)
def accessibility(request):
    from babel.dates import format_date

    settings = request.registry.settings
    return {"site_url": settings["hub.base_url"].rstrip("/") + "/",
            "status": settings["hub.accessibility.status"],
            "prepared": settings["hub.accessibility.prepared"],
            "reviewed": settings["hub.accessibility.reviewed"],
            "contact_email": settings["hub.accessibility.email"],
            "contact_phone": settings["hub.accessibility.phone"],
            "long_date": lambda value: format_date(value, "long", locale=request.locale_name),
            "breadcrumbs": [(_("Accessibility statement"), None)]}


SEARCH_MAX_LENGTH = 200


SEARCH_PAGE_SIZE = 20


@view_config(route_name="search", renderer="hub:templates/search.pt", permission=PUBLIC,
             cache_tables=("search_document", "search_source_state"))
def search(request):
    """Site search: the index (``hub.search``), filtered by kind and paged; on the first
    page of all kinds, then what plugins compute at request time (``hub_search``).

    Visitors' result pages are kept until the index changes: what everyone may find is in
    the index, and ``hub_search`` answers only for people with rights (staff)."""
    from hub.params import page_param
    from hub.search.query import search as search_index

    query = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    kind = request.GET.get("kind", "")
    page = page_param(request)
    found = search_index(request, query, kind=kind, page=page, size=SEARCH_PAGE_SIZE)
    results = list(found.results)
    kind = kind if any(k == kind for k, _label, _n in found.counts) else ""
    if query and page == 1 and not kind:
        extra = flatten(request.hooks.hub_search(request=request, query=query))
        extra.sort(key=lambda r: (-r.score, str(r.title)))
        results.extend(extra)
    pages = max(1, -(-found.total // SEARCH_PAGE_SIZE))
    labels = {k: label for k, label, _n in found.counts}
    return {"query": query, "results": results, "counts": found.counts, "kind": kind,
            "kind_label": labels.get(kind), "total": found.total, "page": page,
            "pages": pages, "first": (page - 1) * SEARCH_PAGE_SIZE + 1,
            "breadcrumbs": [(_("Search"), None)]}


@view_config(route_name="language", request_method="POST", permission=PUBLIC)
def set_language(request):
    code = request.POST.get("language", "")
    target = safe_redirect_target(request, request.POST.get("next"), request.route_path("home"))
    response = HTTPSeeOther(location=target)
    if code in request.registry.settings["hub.available_locales"]:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, path="/",
                            samesite="Lax", httponly=True,
                            secure=request.registry.settings["hub.secure_cookies"])
        user = request.identity
        if user is not None:
            user.language = code
    return response


@notfound_view_config(renderer="hub:templates/error.pt")
def not_found(request):
    request.response.status = 404
    return {"code": 404, "heading": _("Page not found"),
            "message": _("The page you asked for does not exist or has moved.")}


@forbidden_view_config(renderer="hub:templates/error.pt")
def forbidden(request):
    if request.identity is None and "login" in route_names(request.registry) \
            and request.method in ("GET", "HEAD"):
        return HTTPFound(location=request.route_path("login", _query={"next": request.path_qs}))
    request.response.status = 403
    return {"code": 403, "heading": _("Access denied"),
            "message": _("You do not have permission to see this page.")}


@exception_view_config(BadInput, renderer="hub:templates/error.pt")
def bad_input(exc, request):
    request.response.status = 400
    return {"code": 400, "heading": _("Invalid request"), "message": exc.translatable}


@exception_view_config(BodyTooLarge, renderer="hub:templates/error.pt")
def body_too_large(exc, request):
    request.response.status = 413
    return {"code": 413, "heading": _("Too much data"),
            "message": _("What you sent is larger than the ${size} this page accepts. Go "
                         "back and send less, for example a smaller file.",
                         mapping={"size": exc.size})}


@exception_view_config(Exception, renderer="hub:templates/error.pt")
def server_error(exc, request):
    bad_value = is_bad_value(exc)
    if bad_value:
        # A safety net, as on the API: a view that forgot to validate a number still
        # answers with a client error (the transaction is rolled back all the same).
        log.warning("unvalidated input on %s %s: %s", request.method, request.path,
                    type(exc).__name__)
    else:
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
    request.environ["hub.degraded"] = True
    if "dbsession" in request.__dict__:
        # A failed flush leaves the session unusable until rolled back; the page must not
        # depend on it (the transaction is aborted after this view anyway).
        try:
            request.dbsession.rollback()
        except Exception:  # noqa: BLE001 (the page renders without the database)
            log.warning("could not roll back the failed session", exc_info=True)
    if bad_value:
        request.response.status = 400
        return {"code": 400, "heading": _("Invalid request"),
                "message": _("A value is out of range or of the wrong type. Go back and "
                             "check what you entered.")}
    request.response.status = 500
    return {"code": 500, "heading": _("Something went wrong"),
            "message": _("The error has been recorded. Please try again later.")}


FAVICON = Path(__file__).parent / "static" / "favicon.ico"


@view_config(route_name="favicon", permission=PUBLIC, request_method="GET")
def favicon(request):
    """Browsers ask for ``/favicon.ico`` whatever the page links to; answering keeps a 404
    per visitor out of the logs."""
    from hub.theme import asset_path, theme_of

    spec = theme_of(request.registry).favicon
    icon = asset_path(spec) if spec else FAVICON
    return FileResponse(str(icon), request=request, content_type="image/x-icon",
                        cache_max_age=86400)


def includeme(config):
    config.add_static_view("static", "hub:static", cache_max_age=3600, permission=PUBLIC)
    config.add_route("favicon", "/favicon.ico")
    config.add_route("home", "/")
    config.add_route("dashboard", "/my")
    config.add_route("accessibility", "/accessibility")
    config.add_route("language", "/language")
    config.add_route("search", "/search")
    config.scan("hub.views")
