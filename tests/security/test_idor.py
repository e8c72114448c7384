"""Object addresses: somebody who does not own the object never gets it (403 or 404).

Object routes are found generically: every route with a placeholder in its pattern whose
permission is not public. Their addresses come from the crawl (as administrators and as the
demo people who own bookings, registrations, course progress and organisations), from
objects made here for a demo member (a notification, an API token) and from small ids that
exist in the demo data. The requests come from a member and a representative of another
organisation who own none of them, through pages (session cookie and CSRF token) and
through the API (a personal token). ``SHARED`` lists the routes whose placeholder names a
thing every signed-in person may use (an event, a room, a course), with the reason.
"""
from __future__ import annotations

from hub.security import PUBLIC

SITE = "https://hub.example.org"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

SHARED: dict[str, str] = {
    "booking.book": "the id is a room anyone signed in may book",
    "elearning.lesson_complete": "the lesson belongs to a course; the progress written is "
                                 "always the requester's own",
    "organisation_leave": "the id is an organisation; only the requester's own membership "
                          "is removed",
    "contact_organisation": "anyone signed in may write to an organisation through the "
                            "relay; no address is shown",
    "events.api.registrations": "POST registers the requester for the event (a shared "
                                "thing); GET lists registrations to staff only",
}


def _fills(site, route) -> list[str]:
    """Concrete paths of ``route`` naming objects other people own."""
    from pyramid.interfaces import IRoutesMapper

    mapped = site.registry.getUtility(IRoutesMapper).get_route(route.name)
    paths = list(site.samples.get(route.name, [])) + list(site.post_samples.get(route.name, []))
    if all(name.endswith("id") for name in route.placeholders):
        for value in ("1", "2", "3", *site.owned_ids):
            paths.append(mapped.generate({k: value for k in route.placeholders}))
    return list(dict.fromkeys(paths))


def _object_routes(site, api: bool):
    for route in site.routes:
        if route.placeholders and route.permission != PUBLIC and route.is_api == api \
                and route.name not in SHARED:
            yield route


def test_pages_of_objects_owned_by_others_are_refused(site, owned_objects):
    leaks = []
    checked = 0
    for role in ("other_member", "representative"):
        client = site.client(role)
        client.get("/")
        for route in _object_routes(site, api=False):
            for path in _fills(site, route):
                if role == "representative" and "organisation" in route.pattern \
                        and f"/{site.rep_org_id}/" in path + "/":
                    continue  # the representative's own organisation
                if "GET" in route.methods:
                    response = client.get(path, status="*")
                    checked += 1
                    if 200 <= response.status_int < 300:
                        leaks.append((role, route.name, "GET", path, response.status))
                for method in sorted(route.methods & UNSAFE)[:1]:
                    response = client.request(SITE + path, method=method, status="*",
                                              headers={"Origin": SITE,
                                                       "X-CSRF-Token": client.csrf_token})
                    checked += 1
                    if response.status_int not in (403, 404):
                        leaks.append((role, route.name, method, path, response.status))
    assert checked > 100
    owned_objects.assert_untouched()
    assert leaks == [], "objects of other people reachable:\n" + "\n".join(map(str, leaks))


def test_api_objects_owned_by_others_are_refused_with_a_personal_token(site, owned_objects):
    leaks = []
    checked = 0
    secret = site.token("other_member")
    from webtest import TestApp

    client = TestApp(site.app, extra_environ={"wsgi.url_scheme": "https",
                                              "HTTP_HOST": "hub.example.org"})
    headers = {"Authorization": f"Bearer {secret}"}
    for route in _object_routes(site, api=True):
        for path in _fills(site, route):
            for method in sorted(route.methods & ({"GET"} | UNSAFE)):
                response = client.request(path, method=method, status="*", headers=headers,
                                          body=b"{}" if method != "GET" else b"",
                                          content_type="application/json")
                checked += 1
                allowed = (403, 404) if method != "GET" else (401, 403, 404)
                if response.status_int not in allowed:
                    leaks.append((route.name, method, path, response.status))
    assert checked > 10
    owned_objects.assert_untouched()
    assert leaks == [], "API objects of other people reachable:\n" + "\n".join(map(str, leaks))
