"""Security defaults every plugin inherits."""
import re

import pytest
import sqlalchemy as sa

from hub.checks import registered_views
from hub.security import DENY_BY_DEFAULT, is_safe_redirect
from hub.testing import checks

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(scope="module")
def everything(make_app):
    from hub.plugins import installed_plugins

    return make_app(*sorted(installed_plugins()))


def test_every_view_of_every_plugin_declares_a_permission(everything):
    assert checks.views_without_permission(everything.registry) == []


def test_a_view_without_permission_is_denied_by_default(everything):
    # The default permission is one nobody holds: a forgotten permission means "deny".
    acl = everything.registry["hub.root_acl"]
    assert all(perm != DENY_BY_DEFAULT for _allow, _principal, perm in acl)


def test_every_unsafe_route_requires_a_csrf_token(everything, make_testapp, users):
    client = make_testapp(everything)
    client.login(users.admin)
    checked = 0
    for route, methods, _perm, _func in registered_views(everything.registry):
        if route is None or not methods & UNSAFE:
            continue
        path = _sample_path(everything.registry, route)
        for method in sorted(methods & UNSAFE):
            # The site's own host and scheme, so the signed-in session cookie is sent.
            response = client.request("https://hub.example.org" + path, method=method,
                                      status="*", headers={"Origin": "https://hub.example.org"})
            assert response.status_int in (400, 403, 404, 405), (route, method, response.status)
            checked += 1
    assert checked >= 2


def _sample_path(registry, route_name):
    from pyramid.interfaces import IRoutesMapper

    route = registry.getUtility(IRoutesMapper).get_route(route_name)
    names = re.findall(r"{(\w+)", route.pattern) + re.findall(r"\*(\w+)", route.pattern)
    return route.generate({k: "1" for k in names})


def test_csrf_origin_is_checked_over_https(testapp):
    token = testapp.csrf_token
    data = {"language": "en", "csrf_token": token}
    testapp.post("/language", data, headers={"Origin": "https://evil.example"}, status=400)
    testapp.post("/language", data, status=400)  # no Origin and no Referer
    testapp.post("/language", {**data, "csrf_token": "forged"},
                 headers={"Origin": "https://hub.example.org"}, status=400)
    testapp.post("/language", data, headers={"Origin": "https://hub.example.org"}, status=303)


def test_csrf_token_has_at_least_256_bits(testapp):
    page = testapp.get("/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert len(token) >= 43


@pytest.mark.parametrize("url", ["/", "/events", "/no-such-page", "/static/hub.css", "/healthz"])
def test_security_headers_on_every_kind_of_response(testapp, url):
    response = testapp.get(url, status="*")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    # Audio, video and captions only from the hub (its media library): a player or a
    # captions track from another site would be fetched before anybody presses play.
    assert "media-src 'self';" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Server" not in response.headers


def test_hsts_and_secure_cookies_in_production_settings(make_app, make_testapp):
    client = make_testapp(make_app("events", **{"hub.hsts": "true",
                                                "hub.secure_cookies": "true"}))
    response = client.get("/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    csrf_cookie = [c for c in response.headers.getall("Set-Cookie") if c.startswith("hub_csrf")]
    assert csrf_cookie and "secure" in csrf_cookie[0].lower() and "HttpOnly" in csrf_cookie[0]


def test_unknown_hosts_are_refused(make_app, make_testapp):
    client = make_testapp(make_app("events", **{"hub.allowed_hosts": "hub.example.org"}))
    client.get("/", status=200)
    client.get("/", headers={"Host": "evil.example"}, status=400)


def test_the_development_configuration_refuses_foreign_hosts(make_app, make_testapp):
    from pathlib import Path

    from pyramid.paster import get_appsettings

    ini = Path(__file__).resolve().parents[1] / "config" / "development.ini"
    hosts = get_appsettings(str(ini))["hub.allowed_hosts"]
    client = make_testapp(make_app("events", **{"hub.allowed_hosts": hosts}))
    for host in ("127.0.0.1:6543", "localhost:6543", "LOCALHOST"):
        client.get("/", headers={"Host": host}, status=200)
    for host in ("evil.example", "evil.example:6543", "127.0.0.1.evil.example"):
        client.get("/", headers={"Host": host}, status=400)


def test_trace_is_not_allowed(testapp):
    testapp.request("/", method="TRACE", status=405)


@pytest.mark.parametrize("target", [
    "//evil.com", "///evil.com", "/\\evil.com", "/\t/evil.com/", "/\n/evil.com/",
    "\x08//example.com", "\njavascript:alert(x)", "http:///example.com", "https:evil.com",
    "javascript:alert(1)", "https://evil.com/", "", None,
])
def test_open_redirect_payloads_are_refused(target):
    assert not is_safe_redirect(target, None)


def test_local_paths_are_safe_redirects():
    assert is_safe_redirect("/events?page=2", None)


def test_no_database_writes_on_get(everything, make_testapp, users, dbsession):
    """Reading pages never writes (sessions excepted: last-seen time and flash messages)."""
    client = make_testapp(everything)
    writes = []
    engine = everything.registry["hub.dbengine"]

    def record(conn, cursor, statement, parameters, context, executemany):
        if re.match(r"\s*(INSERT|UPDATE|DELETE)", statement, re.I) \
                and "user_session" not in statement:
            writes.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        for who in (None, users.member, users.staff):
            if who is not None:
                client.login(who)
            for route, methods, _perm, _func in registered_views(everything.registry):
                if route and "GET" in methods and route != "__static/":
                    client.get(_sample_path(everything.registry, route), status="*")
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert writes == []


def test_every_get_route_answers_with_security_headers_and_no_server_error(everything,
                                                                           make_testapp, users):
    client = make_testapp(everything)
    for who in (None, users.member, users.staff, users.admin):
        if who is not None:
            client.login(who)
        for route, methods, _perm, _func in registered_views(everything.registry):
            if not route or "GET" not in methods:
                continue
            path = _sample_path(everything.registry, route)
            response = client.get(path, status="*")
            assert response.status_int < 500, (route, path, response.status)
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            if who is not None and not path.startswith("/static/"):
                assert response.headers.get("Cache-Control") == "no-store", (route, path)
