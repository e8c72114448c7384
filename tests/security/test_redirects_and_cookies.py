"""Open redirects on every route that reads ``next``/``came_from``/``return_to``, and the
flags of every cookie the site sets."""
from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from hub.testing import TEST_PASSWORD

SITE = "https://hub.example.org"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PARAMS = ("next", "came_from", "return_to")
PAYLOADS = ("//evil.example", "///evil.example", "https://evil.example/", "/\\evil.example",
            "\\/evil.example", "/\t/evil.example", "https:evil.example", "http:///evil.example",
            "javascript:alert(1)", "/%2F/evil.example", " //evil.example")
# Routes whose POST would remove what other tests look at.
NOT_POSTED = re.compile(r"delete|erase|merge")


def _off_site(location: str) -> bool:
    location = location.strip()
    if location.lower().startswith(("javascript:", "data:")):
        return True
    if location.startswith(("//", "/\\", "\\")):
        return True
    parts = urlsplit(location)
    if parts.netloc:
        return parts.hostname != "hub.example.org"
    return bool(parts.scheme)


def _with(params: dict, value: str) -> dict:
    return {**params, **{name: value for name in PARAMS}}


def _readers(site):
    """Where a local probe in one of the parameters comes back: as the redirect target, or
    in a form of the page (a sign-in form keeps ``next`` for its POST)."""
    found = []  # (role, method, path, extra form fields)
    for role in ("anonymous", "admin"):  # administrators hold every member's permission
        client = site.client(role)
        client.get("/")
        for route in site.routes:
            if "GET" in route.methods:
                probe = f"/probe-{uuid.uuid4().hex[:8]}"
                path = site.sample_path(route)
                response = client.get(path, params=_with({}, probe), status="*")
                if probe in response.headers.get("Location", ""):
                    found.append((role, "GET", path, {}))
                elif "html" in response.content_type and probe in response.text:
                    for form in site.parse(response.text).forms:
                        fields = {f["name"]: f["value"] for f in form["fields"] if f["name"]}
                        if form["method"] == "POST" and probe in fields.values():
                            if "password" in fields:  # a sign-in form: real credentials
                                fields.update(email="sec-member@test.example",
                                              password=TEST_PASSWORD)
                            target = site.local_path(form["action"] or path)
                            found.append((role, "POST", target, {
                                k: v for k, v in fields.items()
                                if probe not in v and k != "csrf_token"}))
            unsafe = route.methods & UNSAFE
            if "POST" in unsafe and not NOT_POSTED.search(route.name):
                probe = f"/probe-{uuid.uuid4().hex[:8]}"
                path = site.sample_path(route, unsafe=True)
                response = client.post(path, _with({"csrf_token": client.csrf_token}, probe),
                                       headers={"Origin": SITE}, status="*")
                if probe in response.headers.get("Location", ""):
                    found.append((role, "POST", path, {}))
    return found


def test_no_route_redirects_off_site(site):
    readers = _readers(site)
    # The sign-in form, the language switch and the interests form at least read them.
    assert len({path.split("?")[0] for _r, _m, path, _f in readers}) >= 2, readers
    escapes = []
    for role, method, path, fields in readers:
        for payload in PAYLOADS:
            client = site.client(role)
            client.get("/")
            if method == "GET":
                response = client.get(path, params=_with({}, payload), status="*")
            else:
                response = client.post(path, _with({**fields, "csrf_token": client.csrf_token},
                                                   payload),
                                       headers={"Origin": SITE}, status="*")
            location = response.headers.get("Location", "")
            if location and _off_site(location):
                escapes.append((role, method, path, payload, location))
    assert escapes == [], f"redirects off the site: {escapes}"


def _cookie_attributes(header: str) -> tuple[str, dict]:
    name = header.split("=", 1)[0].strip()
    attributes = {}
    for part in header.split(";")[1:]:
        key, _eq, value = part.strip().partition("=")
        attributes[key.lower()] = value
    return name, attributes


def test_every_cookie_seen_while_crawling_has_its_flags(site):
    cookies = list(site.cookies)
    # Signing in and switching the language set the session and language cookies.
    client = site.client("anonymous")
    client.get("/login")
    response = client.post("/login", {"email": "sec-member@test.example",
                                      "password": TEST_PASSWORD,
                                      "csrf_token": client.csrf_token},
                           headers={"Origin": SITE}, status="*")
    cookies += [("/login", c) for c in response.headers.getall("Set-Cookie")]
    response = client.post("/language", {"language": "en", "csrf_token": client.csrf_token},
                           headers={"Origin": SITE}, status="*")
    cookies += [("/language", c) for c in response.headers.getall("Set-Cookie")]
    names = {_cookie_attributes(c)[0] for _p, c in cookies}
    assert {"hub_csrf", "hub_session"} <= names, names
    bad = []
    for path, header in cookies:
        name, attributes = _cookie_attributes(header)
        if "samesite" not in attributes:
            bad.append((path, header, "no SameSite"))
        if name in ("hub_session", "hub_csrf") and "httponly" not in attributes:
            bad.append((path, header, "no HttpOnly"))
    assert bad == [], bad


def test_cookies_are_secure_with_production_settings(make_app, make_testapp, users):
    client = make_testapp(make_app(**{"hub.secure_cookies": "true", "hub.hsts": "true"}))
    client.get("/login")
    headers = []
    response = client.post("/login", {"email": users.member.email, "password": TEST_PASSWORD,
                                      "csrf_token": client.csrf_token},
                           headers={"Origin": SITE}, status="*")
    headers += response.headers.getall("Set-Cookie")
    response = client.post("/language", {"language": "en", "csrf_token": client.csrf_token},
                           headers={"Origin": SITE}, status="*")
    headers += response.headers.getall("Set-Cookie")
    assert headers
    for header in headers:
        name, attributes = _cookie_attributes(header)
        assert "secure" in attributes, header
        assert "samesite" in attributes, header
        if name in ("hub_session", "hub_csrf"):
            assert "httponly" in attributes, header
