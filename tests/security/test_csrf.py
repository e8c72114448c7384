"""Every unsafe route refuses a request without a valid CSRF token, and writes nothing."""
SITE = "https://hub.example.org"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _unsafe_requests(site):
    for route in site.routes:
        for method in sorted(route.methods & UNSAFE):
            yield route, method, site.sample_path(route, unsafe=True)


def test_unsafe_routes_without_a_token_are_refused_and_write_nothing(site, write_recorder):
    """Signed in as the most powerful role, and anonymous, with real object addresses."""
    refused = []
    checked = 0
    with write_recorder() as writes:
        for role in ("admin", "anonymous"):
            client = site.client(role)
            client.get("/")  # a CSRF cookie exists: only the form field is missing
            variants = [({"Origin": SITE}, {})]  # no token
            if role == "admin":
                variants += [({"Origin": SITE}, {"csrf_token": "forged" * 8}),  # wrong token
                             ({"Origin": "https://evil.example"},  # right token, other site
                              {"csrf_token": client.csrf_token})]
            for route, method, path in _unsafe_requests(site):
                for headers, data in variants:
                    response = client.request(SITE + path, method=method, status="*",
                                              headers=headers, POST=data or None)
                    checked += 1
                    if response.status_int not in (400, 403):
                        refused.append((role, route.name, method, path, response.status))
    assert checked > 50
    assert refused == [], f"unsafe requests not refused: {refused}"
    assert writes == [], f"a refused request wrote: {writes[:5]}"


def test_every_form_of_every_page_carries_a_csrf_token(site):
    missing = sorted({(page, form["action"]) for _role, page, form in site.forms
                      if form["method"] == "POST"
                      and "csrf_token" not in {f["name"] for f in form["fields"]}})
    assert missing == [], f"POST forms without a csrf_token field: {missing}"
    assert len(site.forms) > 20
