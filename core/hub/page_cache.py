"""Whole public pages kept for anonymous visitors.

A view opts in with the tables its page is made from::

    @view_config(route_name="events.index", permission=PUBLIC, renderer="...",
                 cache_tables=("events_event", "events_registration"))

``cache_tables=True`` keeps a page that reads no table of its own, and ``cache_tables`` may
also be a callable ``(request) -> tables or None`` for pages whose parts are known only at
request time (``None``: not kept this time). The tables of the shell (menus and slots, see
``config.add_shell_tables``) are added to the page's own.

Only visitors who are nobody in particular share a page: a GET or HEAD without a session
cookie or an ``Authorization`` header, answered with 200 and ``text/html`` and no cookie of
the view's own. The page is kept per address, language and host in the cache region
``page:<route>`` (see ``hub.cache``: emptied when one of the tables changes, or after
``cache_ttl`` seconds, 60 by default). The CSRF token in its forms is the visitor's own:
the page is rendered with a placeholder, which is replaced with the token of each visitor.
Everything around the view (permission check, security headers, the CSRF cookie) runs for
every request as usual.

A page that is the same for one person until some tables change (My hub) is kept for that
person with ``cache_personal``, a callable ``(request) -> tables or None`` like
``cache_tables``. It is kept per person, roles, address, language and host, for GETs of
signed-in people (a session cookie, no ``Authorization`` header) with no message waiting to
be shown; the shell's tables and the tables the shell reads for a person (their name:
``user``; the unread count: ``notification``) are added, and every table the page is made
of must be named, since a write to any of them (on any machine, see ``hub.cache``) drops
it. The permission check and identity run first, so a signed-out or ended session never
sees a kept page.
"""
from __future__ import annotations

from pyramid.response import Response

from hub.sessions import COOKIE_NAME

PLACEHOLDER = "hub-csrf-placeholder-7c1e4b2a9f3d"
RENDERING = "hub.page_cache.rendering"
DEFAULT_TTL = 60
KEPT_HEADERS = ("Content-Language", "Link", "Vary", "Cache-Control", "Last-Modified",
                "X-Hub-Page-Type")


# What the page shell reads about the person signed in (see hub/templates/layout.pt).
PERSONAL_SHELL_TABLES = frozenset({"user", "notification"})


def kept_for_person(request) -> bool:
    if (request.method not in ("GET", "HEAD") or COOKIE_NAME not in request.cookies
            or "Authorization" in request.headers or request.environ.get("hub.degraded")
            or request.identity is None):
        return False
    session = request.session
    return not any(key.startswith("_f_") and value for key, value in session.items())


def shared_by_visitors(request) -> bool:
    return (request.method in ("GET", "HEAD")
            and COOKIE_NAME not in request.cookies
            and "Authorization" not in request.headers
            and not request.environ.get("hub.degraded"))


def page_cache(view, info):
    if info.options.get("cache_personal"):
        return _kept_view(view, info, info.options["cache_personal"], kept_for_person,
                          "personal", PERSONAL_SHELL_TABLES, _person_key)
    tables_option = info.options.get("cache_tables")
    if not tables_option:
        return view
    return _kept_view(view, info, tables_option, shared_by_visitors, "page", frozenset(),
                      lambda request: ())


page_cache.options = ("cache_tables", "cache_ttl", "cache_personal")


def _person_key(request) -> tuple:
    from hub.security import role_key

    return (request.identity.id, role_key(request))


def _kept_view(view, info, tables_option, applies, prefix: str, extra_tables: frozenset,
               sharers):
    """The view, its page kept in region ``<prefix>:<route>:<tables>`` for the requests
    ``applies`` accepts, per ``sharers(request)`` (who shares the page: nobody in particular,
    or one person with their roles), address, language and host."""
    ttl = info.options.get("cache_ttl") or DEFAULT_TTL
    route_name = info.options.get("route_name") or info.options.get("name") or "view"
    cache = info.registry["hub.cache"]
    regions: dict[frozenset, str] = {}  # the page's own tables -> its region

    def region_for(request, tables) -> str:
        own = frozenset(() if tables is True else tables)
        name = regions.get(own)
        if name is None:
            # The page includes the shell (menus, banners...): its tables count too.
            every = own | request.registry["hub.shell_tables"] | extra_tables
            name = f"{prefix}:{route_name}:{','.join(sorted(every))}"
            cache.ensure_region(name, every, ttl)
            regions[own] = name
        return name

    def kept_page_view(context, request):
        if not applies(request):
            return view(context, request)
        tables = tables_option(request) if callable(tables_option) else tables_option
        if not tables:
            return view(context, request)
        region = region_for(request, tables)
        key = (*sharers(request), request.host_url, request.script_name, request.path_qs,
               request.locale_name)
        hit, kept, generation = cache.lookup(region, key)
        if not hit:
            response, kept = _render(view, context, request)
            if kept is None:
                return response  # not a page to share: as rendered, token and all
            cache.store(region, key, kept, generation)
        return _serve(kept, request)

    return kept_page_view


def _render(view, context, request):
    """The view's response with the placeholder for the token, and what to keep of it."""
    request.environ[RENDERING] = True
    try:
        response = view(context, request)
    finally:
        del request.environ[RENDERING]
    if (response.status_int != 200 or response.content_type != "text/html"
            or "Set-Cookie" in response.headers):
        # Not shared: put the visitor's token where the placeholder went.
        if response.content_type == "text/html" and PLACEHOLDER.encode() in response.body:
            response.body = response.body.replace(PLACEHOLDER.encode(), _token(request))
        return response, None
    headers = tuple((name, value) for name, value in response.headerlist
                    if name in KEPT_HEADERS)
    return response, (response.body, response.charset, headers)


def _serve(kept, request) -> Response:
    body, charset, headers = kept
    if PLACEHOLDER.encode() in body:
        body = body.replace(PLACEHOLDER.encode(), _token(request))
    response = Response(body=body, content_type="text/html", charset=charset)
    for name, value in headers:
        response.headers[name] = value
    return response


def _token(request) -> bytes:
    return request.registry["hub.csrf_policy"].get_csrf_token(request).encode()


def includeme(config):
    config.add_view_deriver(page_cache)
