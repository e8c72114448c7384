"""Every route × role answers as the view's declared permission says.

The expected answer is derived, not listed: a role holds a permission when one of its
principals is granted it by the root ACL (built from every plugin's ``hub_permissions``).
Allowed → the page (or, for an object address, possibly 403/404: object-level rules are
the IDOR suite's business); not allowed → a sign-in redirect for anonymous visitors (401
on the API) and 403 for signed-in people. ``EXCEPTIONS`` lists the few routes whose answer
legitimately differs, with the reason.
"""
from __future__ import annotations

from pyramid.authorization import Allow, Authenticated, Everyone

from hub.security import PUBLIC

SITE = "https://hub.example.org"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ROLES = ("anonymous", "member", "representative", "staff", "admin")

PRINCIPALS = {
    "anonymous": {Everyone},
    "member": {Everyone, Authenticated, "role:member"},
    "representative": {Everyone, Authenticated, "role:member", "role:representative"},
    "staff": {Everyone, Authenticated, "role:member", "role:staff"},
    "admin": {Everyone, Authenticated, "role:member", "role:staff", "role:admin"},
}

# (route name, role) -> the answer it gives instead of the derived one, and why.
EXCEPTIONS: dict[tuple[str, str], tuple[str, str]] = {
    **{("login_2fa", role): ("signin", "without a pending sign-in the code page sends "
                                       "everyone back to the sign-in form")
       for role in ROLES},
    **{("booking.manage", role): ("forbidden", "open to signed-in people, but only staff and "
                                               "room managers pass the view's own check")
       for role in ("member", "representative")},
    ("working_group_new", "member"): ("forbidden", "open to signed-in people, but only staff "
                                                   "and representatives found a group"),
    **{("admin_index", role): ("forbidden", "open to signed-in people, as some admin menu "
                                            "items are; with none of them it is a 403")
       for role in ("member", "representative")},
    ("counselling.inbox", "staff"): ("forbidden", "the mail may hold health details: only "
                                                   "appointed counsellors read it"),
    **{("metrics", role): ("notfound", "answered only to the addresses of hub.metrics.allowed, "
                                       "whoever is signed in")
       for role in ROLES},
    **{("theme_logo", role): ("notfound", "there is no logo unless the hub's theme sets one")
       for role in ROLES},
}


def holds(acl, role: str, permission) -> bool:
    if permission == PUBLIC:
        return True
    return any(action == Allow and principal in PRINCIPALS[role] and perm == permission
               for action, principal, perm in acl)


def answer_class(response) -> str:
    status = response.status_int
    if status >= 500:
        return "error"
    if status == 401:
        return "signin"
    if status in (301, 302, 303, 307, 308):
        return "signin" if "/login" in response.headers.get("Location", "") else "ok"
    if status == 403:
        return "forbidden"
    if status == 404:
        return "notfound"
    if status == 405:
        return "method"
    return "ok"  # 2xx, and 400/409/422: the view itself answered


def expected_classes(route, role: str, method: str, allowed: bool) -> set[str]:
    if (route.name, role) in EXCEPTIONS:
        return {EXCEPTIONS[(route.name, role)][0]}
    if allowed:
        return {"ok", "forbidden", "notfound"} if route.placeholders else {"ok"}
    if role == "anonymous":
        return {"signin"} if method == "GET" else {"signin", "forbidden"}
    return {"forbidden"}


def test_every_route_answers_every_role_as_its_permission_says(site):
    acl = site.registry["hub.root_acl"]
    mismatches = []
    checked = 0
    for role in ROLES:
        client = site.client(role)
        for route in site.routes:
            allowed = holds(acl, role, route.permission)
            if "GET" in route.methods:
                path = site.sample_path(route)
                response = client.get(path, status="*")
                got = answer_class(response)
                checked += 1
                if got not in expected_classes(route, role, "GET", allowed):
                    mismatches.append((route.name, role, "GET", path, response.status))
            unsafe = sorted(route.methods & UNSAFE)
            if unsafe and not allowed:
                # Only roles without the permission: a valid token, so the refusal is the
                # permission's, and nothing an allowed role would change is touched.
                method = unsafe[0]
                path = site.sample_path(route, unsafe=True)
                response = client.request(SITE + path, method=method, status="*",
                                          headers={"Origin": SITE,
                                                   "X-CSRF-Token": client.csrf_token})
                got = answer_class(response)
                checked += 1
                if got not in expected_classes(route, role, method, allowed):
                    mismatches.append((route.name, role, method, path, response.status))
    assert checked > 500
    assert mismatches == [], "answers differing from the declared permissions:\n" + "\n".join(
        map(str, mismatches))


def test_the_matrix_sees_every_plugin(site):
    """The crawl reached pages of every enabled plugin (so object addresses are real)."""
    names = {route.split(".")[0] for route in site.samples if "." in route}
    # A theme plugin may have no pages of its own (it overrides templates, adds demo data).
    with_pages = {route.name.split(".")[0] for route in site.routes if "." in route.name}
    for plugin in site.registry["hub.plugins"]:
        if plugin in with_pages:
            assert plugin in names, f"no page of {plugin} was reached"
