"""Stored XSS: a canary in every text field of every form and API body, then every page.

Forms are discovered by the crawl (every form an administrator, a member and the demo
people met): every text input and textarea gets the canary plus a unique marker. Every
POST/PUT/PATCH operation of the OpenAPI document gets it in every string property of its
JSON body (sent with a member's and an administrator's personal token). Then every page
is read again as each role: the canary must never come back unescaped. That it never runs
in a real browser is checked in ``test_xss_browser.py``.
"""
from __future__ import annotations

import re
import uuid

SITE = "https://hub.example.org"
CANARY = '"><script>window.__xss=1</script><img src=x onerror=window.__xss=1>'
UNESCAPED = ("<script>window.__xss=1</script>", "<img src=x onerror=window.__xss=1>")
TEXT_TYPES = {"text", "search", "textarea"}
# Forms that end the session or the account, or change how one signs in: never sent.
SKIPPED_ROUTES = re.compile(r"logout|erase|password|email_change|twofactor|2fa|token_revoke"
                            r"|delete|unsubscribe|language|merge|user_role|user_active")
# Forms that fail with a server error on ordinary text, reported to their owners.
KNOWN: dict[str, str] = {}  # route name -> why it is skipped (with a request to its owner)
SUBMITTERS = ("admin", "demo_rep", "demo_member")
READERS = ("anonymous", "member", "demo_member", "admin")


def _fill(form: dict, text: str) -> list[tuple[str, str]]:
    data = []
    radios_done = set()
    for f in form["fields"]:
        name, kind = f["name"], f["type"]
        if not name or kind in ("submit", "button", "file", "image", "reset", "password"):
            continue
        if name == "csrf_token":
            continue
        if kind in TEXT_TYPES:
            data.append((name, text))
        elif kind == "email":
            data.append((name, f"{uuid.uuid4().hex[:8]}@example.org"))
        elif kind == "url":
            data.append((name, "https://example.org/" + uuid.uuid4().hex[:6]))
        elif kind == "checkbox":
            if f["checked"]:
                data.append((name, f["value"] or "on"))
        elif kind == "radio":
            if name not in radios_done and (f["checked"] or True):
                radios_done.add(name)
                data.append((name, f["value"]))
        elif kind == "select":
            options = [o for o in f.get("options", []) if o]
            data.append((name, f["value"] or (options[0] if options else "")))
        else:  # hidden, number, date, time...: keep what the page offered
            data.append((name, f["value"]))
    return data


def _forms_to_send(site, skip=()):
    """``(role, route name, target, form)`` of each distinct form with a text field."""
    done = set()
    for role, page, form in site.forms:
        if role not in SUBMITTERS or form["method"] != "POST":
            continue
        target = site.local_path(form["action"] or page)
        name = site.route_of(target) if target else None
        if not name or SKIPPED_ROUTES.search(name) or SKIPPED_ROUTES.search(target):
            continue
        if not any(f["type"] in TEXT_TYPES for f in form["fields"]):
            continue
        key = (name, tuple(sorted(f["name"] or "" for f in form["fields"])))
        if key in done or name in skip:
            continue
        done.add(key)
        yield role, name, target, form


def send_form(site, role, target, form, text):
    """Post ``form`` filled with ``text``; the answer, or the error the application raised."""
    client = site.client(role)
    data = _fill(form, text)
    data.append(("csrf_token", client.csrf_token))
    try:
        return client.post(target, data, headers={"Origin": SITE}, status="*")
    except Exception as exc:  # the error page itself failed: report, go on
        return exc


def _submit_forms(site, marker: str, failures: list) -> int:
    sent = 0
    for role, name, target, form in _forms_to_send(site, skip=KNOWN):
        response = send_form(site, role, target, form, f"{CANARY}{marker}")
        sent += 1
        if isinstance(response, Exception) or response.status_int >= 500:
            failures.append((role, name, target, str(getattr(response, "status", response))[:300]))
            continue
        _assert_escaped(response, f"answer to {target}")
    return sent


def _example(schema: dict, text: str, components: dict, depth: int = 0):
    if "$ref" in schema:
        schema = components.get(schema["$ref"].split("/")[-1], {})
    for key in ("allOf", "oneOf", "anyOf"):
        if key in schema and schema[key]:
            return _example(schema[key][0], text, components, depth)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        if depth > 3:
            return {}
        return {k: _example(v, text, components, depth + 1)
                for k, v in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [_example(schema.get("items") or {}, text, components, depth + 1)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    fmt = schema.get("format", "")
    if fmt == "email":
        return f"{uuid.uuid4().hex[:8]}@example.org"
    if fmt == "date-time":
        return "2030-01-15T10:00:00+01:00"
    if fmt == "date":
        return "2030-01-15"
    if fmt in ("uri", "url"):
        return "https://example.org/x"
    return text


def _submit_api(site, marker: str) -> int:
    from webtest import TestApp

    client = TestApp(site.app, extra_environ={"wsgi.url_scheme": "https",
                                              "HTTP_HOST": "hub.example.org"})
    doc = client.get("/api/v1/openapi.json").json
    components = (doc.get("components") or {}).get("schemas") or {}
    sent = 0
    for role in ("member", "admin"):
        headers = {"Authorization": f"Bearer {site.token(role)}"}
        for path, item in doc["paths"].items():
            for method in ("post", "put", "patch"):
                op = item.get(method)
                if not op or "requestBody" not in op:
                    continue
                schema = (op["requestBody"].get("content") or {}).get(
                    "application/json", {}).get("schema") or {}
                body = _example(schema, f"{CANARY}{marker}", components)
                url = re.sub(r"{[^}]+}", "1", path)
                if not url.startswith("/api/"):
                    url = "/api/v1" + url
                response = client.request(url, method=method.upper(), headers=headers,
                                          json=body, status="*")
                assert response.status_int < 500, (role, method, url, response.status)
                sent += 1
    return sent


def _assert_escaped(response, where: str) -> None:
    if "html" not in (response.content_type or ""):
        return
    for fragment in UNESCAPED:
        assert fragment not in response.text, f"unescaped canary in {where}"


def test_stored_canaries_come_back_escaped_everywhere(site):
    marker = f"xss{uuid.uuid4().hex[:10]}"
    failures: list = []
    forms = _submit_forms(site, marker, failures)
    calls = _submit_api(site, marker)
    assert failures == [], "server errors on submitting text:\n" + "\n".join(map(str, failures))
    assert forms > 20 and calls > 5
    found = []
    unescaped = []

    def on_page(role, path, response):
        if "html" not in (response.content_type or ""):
            return
        if marker in response.text:
            found.append(path)
        if any(fragment in response.text for fragment in UNESCAPED):
            unescaped.append((role, path))

    site.crawl(READERS, on_page, limit_per_route=2)
    assert unescaped == [], f"canary rendered unescaped: {unescaped}"
    # The canaries were stored and shown (escaped) on many pages: the check checked.
    assert len(set(found)) > 10

