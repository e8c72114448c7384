"""Bad input never gives a 500: undecodable bytes, huge and negative numbers, anywhere.

Every GET route of every installed plugin is requested with each placeholder replaced by
invalid UTF-8, a number past any database integer and a negative number, and with query
strings that give every parameter some view reads the same treatment. The parameter names
are read from the sources of the core and the plugins, so a new parameter is covered
without anyone listing it.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

BAD_VALUES = {"undecodable": "%ff%ff", "huge": "99999999999999999999999", "negative": "-1"}
PLACEHOLDER = re.compile(r"{(\w+)(?::[^}]*)?}|\*(\w+)")
# request.GET.get("page"), request.params["q"], request.POST.getall("tag"),
# int_param(request, "limit", ...), page_param(request, "page")...
PARAMETER = re.compile(r"""(?:\.(?:GET|POST|params)(?:\.get|\.getall|\.getone)?[(\[]\s*"""
                       r"""|_param\(\s*request\s*,\s*)["']([A-Za-z_][\w-]*)["']""")
ROLES = ("anonymous", "admin")


def parameter_names(registry) -> list[str]:
    """The names of the request parameters that the core's and the plugins' code reads."""
    import hub

    packages = [Path(hub.__file__).parent]
    packages += [Path(plugin.module.__file__).parent
                 for plugin in registry["hub.plugins"].values()]
    names = set()
    for package in packages:
        for source in package.rglob("*.py"):
            names.update(PARAMETER.findall(source.read_text(encoding="utf-8")))
    return sorted(names)


def path_of(route, values: dict[str, str]) -> str:
    """The route's pattern with its placeholders replaced as given, left unquoted."""
    path = PLACEHOLDER.sub(lambda m: values[m.group(1) or m.group(2)], route.pattern)
    return path if path.startswith("/") else "/" + path


def sample_values(site, route) -> dict[str, str]:
    """Placeholder values of an address met while crawling (real objects), else "1"."""
    from pyramid.interfaces import IRoutesMapper

    mapped = site.registry.getUtility(IRoutesMapper).get_route(route.name)
    for path in site.samples.get(route.name, ()):
        match = mapped.match(path.split("?")[0])
        if match is not None:
            return {k: "/".join(v) if isinstance(v, tuple) else v for k, v in match.items()}
    return dict.fromkeys(route.placeholders, "1")


def bad_addresses(site) -> list[str]:
    names = parameter_names(site.registry)
    assert {"q", "page"} <= set(names)
    addresses = []
    for route in site.routes:
        if "GET" not in route.methods:
            continue
        good = sample_values(site, route)
        for placeholder in route.placeholders:
            for value in BAD_VALUES.values():
                addresses.append(path_of(route, {**good, placeholder: value}))
        for value in BAD_VALUES.values():
            query = "&".join(f"{name}={value}" for name in names)
            addresses.append(f"{path_of(route, good)}?{query}")
        addresses.append(f"{path_of(route, good)}?%ff=1&q=%ff%ff&page=999999999999999999999"
                         "&page=-1")
    return sorted(set(addresses))


def raw_get(client, address: str):
    """GET ``address`` with the client's cookies, bypassing WebTest (whose cookie jar
    cannot even build the URL of an undecodable path, as a real browser sends it)."""
    from webob import Request

    request = Request.blank(address, environ=dict(client.extra_environ))
    cookies = "; ".join(f"{c.name}={c.value}" for c in client.cookiejar)
    if cookies:
        request.headers["Cookie"] = cookies
    return request.get_response(client.app)


def test_no_get_route_answers_bad_input_with_a_server_error(site):
    addresses = bad_addresses(site)
    assert len(addresses) > 300  # every plugin's routes are in the list
    failures = []
    for role in ROLES:
        client = site.client(role)
        for address in addresses:
            response = raw_get(client, address)
            if response.status_int >= 500:
                failures.append(f"{role} {address} {response.status}")
    assert not failures, "\n".join(failures)


# -- the cases of the issue, and what answers them -----------------------------------------

def test_an_undecodable_search_is_a_400_page(testapp):
    response = raw_get(testapp, "/search?q=%ff%ff")
    assert response.status_int == 400
    assert "text/html" in response.content_type
    assert "Neplatný požadavek" in response.text  # the site's page, in the visitor's language
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_undecodable_address_is_a_400_page_or_json_error(testapp):
    page = raw_get(testapp, "/booking/rooms/%ff%ff")
    assert page.status_int == 400 and "text/html" in page.content_type
    reply = raw_get(testapp, "/api/v1/booking/rooms/%ff%ff/availability")
    assert reply.status_int == 400
    assert reply.json["error"]["code"] == "bad_request"
    reply = raw_get(testapp, "/api/v1/booking/rooms?%ff=1")
    assert reply.status_int == 400 and reply.json["error"]["status"] == 400


def test_a_huge_page_number_is_the_last_page_not_an_error(testapp):
    assert testapp.get("/crm?page=99999999999999999999999").status_int == 200
    assert testapp.get("/crm?page=-1").status_int == 200


@pytest.mark.parametrize("address", ["/booking/rooms/99999999999999999999999",
                                     "/booking/rooms/2147483648", "/booking/rooms/0",
                                     "/booking/rooms/-1", "/booking/rooms/1x",
                                     "/events/99999999999999999999999"])
def test_an_id_out_of_range_is_not_found_before_the_view(testapp, address):
    response = testapp.get(address, status=404)
    assert "text/html" in response.content_type


def test_an_api_id_out_of_range_is_a_json_404(testapp):
    reply = testapp.get("/api/v1/booking/rooms/99999999999999999999999/availability",
                        status=404)
    assert reply.json["error"]["code"] == "not_found"


def test_a_bad_parameter_is_a_400_page_or_a_json_422(testapp, dbsession, users):
    from hub_crm.models import Contact

    contact = Contact(kind="person", first_name="Jana", last_name="Nováková",
                      name="Jana Nováková", email="jana@test.example")
    dbsession.add(contact)
    dbsession.flush()
    testapp.login(users.staff)
    page = testapp.post_form(f"/crm/staff/contacts/{contact.id}/relationships",
                             {"remove": "99999999999"}, status=400)
    assert "remove musí být celé číslo od 1 do 2147483647." in page.text
    reply = testapp.get("/api/v1/notifications?limit=99999999999999999999", status=422)
    assert reply.json["error"]["details"] == {"fields": {"limit": "invalid"}}
    # The message is for people, in the request's language (Czech by default).
    assert reply.json["error"]["message"] == "limit musí být celé číslo od 1 do 100."


def test_int_param_takes_whole_numbers_in_range_and_defaults_when_absent(app):
    from hub.params import BadParameter, id_param, int_param, page_param

    request = app.request_factory.blank("/?n=12&m=x&e=&big=99999999999999999999&neg=-3")
    assert int_param(request, "n", minimum=1, maximum=12) == 12
    assert int_param(request, "e", 7) == 7 and int_param(request, "absent", 7) == 7
    assert int_param(request, "neg") == -3
    for name, limits in (("n", {"maximum": 11}), ("m", {}), ("big", {}), ("neg", {"minimum": 0})):
        with pytest.raises(BadParameter):
            int_param(request, name, **limits)
    with pytest.raises(BadParameter):
        id_param(request, "neg")
    assert id_param(request, "absent") is None
    assert [page_param(request, name) for name in ("n", "m", "big", "neg")] == [
        12, 1, 100_000, 1]


def test_an_unvalidated_number_the_database_refuses_is_a_400_page(testapp, monkeypatch):
    import hub.views

    def overflowing(results):
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    monkeypatch.setattr(hub.views, "flatten", overflowing)
    response = testapp.get("/search?q=anything", status=400)
    assert "Neplatný požadavek" in response.text


def test_czech_catalogue_covers_the_bad_input_pages(tmp_path):
    import subprocess
    import sys

    from babel.messages.pofile import read_po

    import hub

    root = Path(hub.__file__).parent
    pot = tmp_path / "params.pot"
    subprocess.run([str(Path(sys.executable).parent / "pot-create"), "--no-location", "-o",
                    str(pot), str(root / "params.py"), str(root / "views.py")],
                   check=True, capture_output=True)
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with (root / "locale" / "cs" / "LC_MESSAGES" / "hub.po").open("rb") as handle:
        catalog = {m.id: m.string for m in read_po(handle, locale="cs") if m.id}
    assert "Too much data" in wanted
    assert sorted(m for m in wanted if not catalog.get(m)) == []
