"""The security suite's world: every installed plugin, demo data, one client per role.

The site runs on a database of its own where requests really commit (the suite stores
canaries, then reads every page), built once per test process. Routes are discovered from
Pyramid's introspector, so a new page or plugin is covered without anyone listing it.
"""
from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from hub.testing import HubTestApp, make_user

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ROLES = ("anonymous", "member", "representative", "staff", "admin")
# Administrators reach every staff page; demo people reach what they own.
CRAWLERS = ("admin", "demo_rep", "demo_member", "anonymous")
SITE = "https://hub.example.org"
# Pages that end the session or the account when requested; the crawler never follows them.
DESTRUCTIVE = re.compile(r"/(logout|sign-out|odhlasit|erase|delete|unsubscribe)\b")


@dataclass
class Route:
    name: str
    pattern: str
    methods: set
    permission: str | None
    callable: object

    @property
    def placeholders(self) -> list[str]:
        return re.findall(r"{(\w+)", self.pattern) + re.findall(r"\*(\w+)", self.pattern)

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("/api/")


def registered_routes(registry) -> list[Route]:
    """Every (route, view) pair of the application, exception views left out."""
    from pyramid.interfaces import IRoutesMapper

    mapper = registry.getUtility(IRoutesMapper)
    routes: dict[tuple, Route] = {}
    for intr in registry.introspector.get_category("views") or []:
        view = intr["introspectable"]
        context = view["context"]
        if isinstance(context, type) and issubclass(context, BaseException):
            continue
        name = view["route_name"]
        if not name or name == "__static/":
            continue
        permissions = [r for r in intr["related"] if r.category_name == "permissions"]
        permission = permissions[0]["value"] if permissions else None
        methods = view["request_methods"]
        methods = set(methods) if isinstance(methods, (list, tuple, set)) else (
            {methods} if methods else {"GET", "POST", "PUT", "PATCH", "DELETE"})
        if "GET" in methods:
            methods.add("HEAD")
        key = (name, permission)
        if key in routes:
            routes[key].methods |= methods
        else:
            routes[key] = Route(name, mapper.get_route(name).pattern, methods, permission,
                                view["callable"])
    return sorted(routes.values(), key=lambda r: (r.name, str(r.permission)))


class LinkParser(HTMLParser):
    """Links and forms of a page (enough of them for a crawler)."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = {"action": attrs.get("action") or "", "method":
                          (attrs.get("method") or "get").upper(), "fields": []}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select"):
            kind = (attrs.get("type") or "text").lower() if tag == "input" else tag
            self._form["fields"].append({"name": attrs.get("name"), "type": kind,
                                         "value": attrs.get("value") or "",
                                         "checked": "checked" in attrs})
            if tag == "select":
                self._form["fields"][-1]["options"] = []
        elif self._form is not None and tag == "option" and self._form["fields"] \
                and self._form["fields"][-1]["type"] == "select":
            field_ = self._form["fields"][-1]
            field_["options"].append(attrs.get("value", ""))
            if "selected" in attrs:
                field_["value"] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def parse(html: str) -> LinkParser:
    parser = LinkParser()
    parser.feed(html)
    return parser


def local_path(href: str) -> str | None:
    """A link's path on this site (query kept), or None for other sites and fragments."""
    href = href.strip()
    if href.startswith(SITE):
        href = href[len(SITE):] or "/"
    if not href.startswith("/") or href.startswith("//"):
        return None
    return href.split("#")[0]


@dataclass
class Site:
    app: object
    registry: object
    engine: object
    users: dict
    routes: list
    samples: dict = field(default_factory=dict)  # route name -> [concrete paths]
    pages: dict = field(default_factory=dict)  # path -> roles that could see it
    forms: list = field(default_factory=list)  # (role, page, form) of every form seen
    cookies: list = field(default_factory=list)  # (path, Set-Cookie) seen while crawling
    post_samples: dict = field(default_factory=dict)  # route name -> form actions seen
    owned_ids: list = field(default_factory=list)  # ids of objects owned by a demo member
    rep_org_id: int = 0  # the organisation the suite's representative speaks for

    def client(self, role: str) -> HubTestApp:
        client = HubTestApp(self.app, extra_environ={"wsgi.url_scheme": "https",
                                                     "HTTP_HOST": "hub.example.org"})
        if role != "anonymous":
            client.login(self.users[role])
        return client

    def crawl(self, roles, on_page, limit_per_route: int = 2) -> None:
        crawl(self, roles, on_page, limit_per_route)

    @staticmethod
    def local_path(href: str) -> str | None:
        return local_path(href)

    @staticmethod
    def parse(html: str) -> LinkParser:
        return parse(html)

    def route_of(self, path: str):
        from pyramid.interfaces import IRoutesMapper

        mapper = self.registry.getUtility(IRoutesMapper)
        bare = path.split("?")[0]
        for route in mapper.get_routes():
            if route.match(bare) is not None:
                return route.name
        return None

    def sample_path(self, route: Route, fill: str = "1", unsafe: bool = False) -> str:
        """A concrete path of ``route``: one met while crawling (form actions for unsafe
        methods), else the pattern filled with ``fill``."""
        from pyramid.interfaces import IRoutesMapper

        found = (self.post_samples.get(route.name) if unsafe else None) \
            or self.samples.get(route.name)
        if found:
            return found[0]
        mapped = self.registry.getUtility(IRoutesMapper).get_route(route.name)
        return mapped.generate({k: self._fill(route, k, fill) for k in route.placeholders})

    @staticmethod
    def _fill(route: Route, placeholder: str, fill: str) -> str:
        """``fill``, or the first choice of a placeholder restricted to named values
        (``{kind:interim|final}``), so the path reaches the view."""
        match = re.search(r"\{" + placeholder + r":([^}]+)\}", route.pattern)
        if match is None or re.fullmatch(match.group(1), fill):
            return fill
        return match.group(1).strip("()").split("|")[0]

    def token(self, role: str) -> str:
        from hub.tokens import create_token

        with self.registry["hub.dbsession_factory"]() as db:
            user = db.get(type(self.users[role]), self.users[role].id)
            _row, secret = create_token(db, user, f"security suite {uuid.uuid4().hex[:6]}")
            db.commit()
        return secret


def _database(tmp_path_factory):
    from hub.db import make_engine

    base = os.environ.get("HUB_TEST_DATABASE_URL")
    if base:
        from hub.testing import _postgres_database

        url, drop = _postgres_database(base)
        return url, make_engine(url, pool_size=10, max_overflow=20), drop
    url = f"sqlite:///{tmp_path_factory.mktemp('security') / 'site.sqlite'}"
    return url, make_engine(url), None


@pytest.fixture(scope="session")
def site(base_settings, tmp_path_factory) -> Site:
    """The whole portal with demo data, one user per role and the links found by crawling."""
    from hub import migrate
    from hub.app import make_config
    from hub.demo import load_demo_data
    from hub.organizations.models import Membership, Organisation
    from hub.plugins import installed_plugins

    url, engine, drop = _database(tmp_path_factory)
    settings = {**base_settings, "hub.plugins": " ".join(sorted(installed_plugins())),
                "sqlalchemy.url": url, "hub.dbengine": engine}
    config = make_config(settings)
    migrate.upgrade(config.registry)
    load_demo_data(config.registry)
    app = config.make_wsgi_app()
    app.registry = config.registry
    with config.registry["hub.dbsession_factory"]() as db:
        users = {
            "member": make_user(db, "sec-member@test.example", name="Security Member"),
            "other_member": make_user(db, "sec-other@test.example", name="Other Member"),
            "representative": make_user(db, "sec-rep@test.example", name="Security Rep"),
            "staff": make_user(db, "sec-staff@test.example", "staff", name="Security Staff"),
            "admin": make_user(db, "sec-admin@test.example", "admin", name="Security Admin"),
        }
        # The representative speaks for an organisation of their own, not the demo ones.
        org = Organisation(name="Security Test Org", slug="security-test-org")
        db.add(org)
        db.flush()
        db.add(Membership(organisation_id=org.id, user_id=users["representative"].id,
                          is_representative=True))
        db.commit()
        org_id = org.id
        # Demo people own bookings, registrations, course progress, organisations...
        from hub.accounts.models import User

        for key, email in (("demo_member", "member@example.org"),
                           ("demo_rep", "rep@example.org")):
            users[key] = db.scalars(sa.select(User).where(User.email == email)).one()
        for user in users.values():
            db.expunge(user)
    site = Site(app, config.registry, engine, users, registered_routes(config.registry),
                rep_org_id=org_id)
    _crawl(site)
    yield site
    engine.dispose()
    if drop:
        drop()


def crawl(site: Site, roles, on_page, limit_per_route: int = 2) -> None:
    """Follow links from the home page (and every route without placeholders) as each of
    ``roles``, fetching at most ``limit_per_route`` addresses per route and role; call
    ``on_page(role, path, response)`` for every answer."""
    for role in roles:
        client = site.client(role)
        seen: set[str] = set()
        fetched: dict[str, int] = {}
        queue = ["/"] + [site.sample_path(r) for r in site.routes
                         if "GET" in r.methods and not r.placeholders]
        while queue:
            path = queue.pop(0)
            if path in seen or DESTRUCTIVE.search(path) or path.startswith("/static/"):
                continue
            seen.add(path)
            name = site.route_of(path)
            if name is None or fetched.get(name, 0) >= limit_per_route:
                continue
            fetched[name] = fetched.get(name, 0) + 1
            response = client.get(path, status="*")
            on_page(role, path, response)
            if response.status_int != 200 or "html" not in response.content_type:
                continue
            for href in parse(response.text).links:
                target = local_path(href)
                if target and target not in seen:
                    queue.append(target)


def _crawl(site: Site, limit_per_route: int = 2) -> None:
    """Crawl as every role: keep concrete paths per route, the forms and the cookies."""
    form_keys: set = set()

    def on_page(role, path, response):
        site.cookies.extend((path, c) for c in response.headers.getall("Set-Cookie"))
        if response.status_int != 200:
            return
        name = site.route_of(path)
        known = site.samples.setdefault(name, [])
        if path not in known and len(known) < 3:
            known.append(path)
        site.pages.setdefault(path, set()).add(role)
        if "html" not in response.content_type:
            return
        parsed = parse(response.text)
        for form in parsed.forms:
            key = (role, form["action"] or path, tuple(f["name"] for f in form["fields"]))
            if key not in form_keys:
                form_keys.add(key)
                site.forms.append((role, path, form))
            target = local_path(form["action"] or path) if form["method"] == "POST" else None
            post_name = site.route_of(target) if target else None
            if post_name:
                found = site.post_samples.setdefault(post_name, [])
                if target not in found and len(found) < 3:
                    found.append(target)

    crawl(site, CRAWLERS, on_page, limit_per_route)


@pytest.fixture(scope="session")
def write_recorder(site):
    """``with write_recorder() as writes``: INSERT/UPDATE/DELETE statements on the site."""
    import contextlib

    @contextlib.contextmanager
    def record(ignore=("user_session",)):
        writes: list[str] = []

        def listener(conn, cursor, statement, parameters, context, executemany):
            if re.match(r"\s*(INSERT|UPDATE|DELETE)", statement, re.I) \
                    and not any(t in statement for t in ignore):
                writes.append(statement)

        sa.event.listen(site.engine, "before_cursor_execute", listener)
        try:
            yield writes
        finally:
            sa.event.remove(site.engine, "before_cursor_execute", listener)

    return record


@pytest.fixture(scope="session")
def owned_objects(site):
    """A notification and an API token of the demo member, checked to stay as they were."""
    from hub.notifications.models import Notification
    from hub.tokens import ApiToken, create_token

    owner = site.users["demo_member"]
    with site.registry["hub.dbsession_factory"]() as db:
        note = Notification(user_id=owner.id, kind="hub.announcement", subject="Private note",
                            body="For the owner only", url="")
        db.add(note)
        db.flush()
        token, _secret = create_token(db, db.get(type(owner), owner.id), "owner's token")
        db.commit()
        ids = (note.id, token.id)
    site.owned_ids.extend(str(i) for i in ids)

    class Owned:
        @staticmethod
        def assert_untouched():
            with site.registry["hub.dbsession_factory"]() as db:
                assert db.get(Notification, ids[0]).read_at is None
                assert db.get(ApiToken, ids[1]).revoked_at is None

    return Owned
