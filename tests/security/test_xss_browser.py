"""In Chromium: a canary stored in every free-text column of the demo data never executes.

The canary goes straight into the database (every text column that is not a key, a code, an
address or a token), so it reaches the pages even where a form would refuse it; then the
pages an anonymous visitor, a member and the staff reach from the home page are opened in
the system's Chromium, which reports whether ``window.__xss`` was set or a dialog opened.
The portal runs on a database of its own (the browser suite's live server is not touched).
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from hub.testing import served

pytestmark = [pytest.mark.browser]

CANARY = '"><script>window.__xss=1</script><img src=x onerror=window.__xss=1>'
SKIPPED_COLUMNS = re.compile(
    r"slug|email|url|token|hash|key|status|kind|state|language|locale|code|type|role|prefix"
    r"|secret|ip|path|mime|format|currency|timezone|purpose|audience|layout|filename|name_en"
    r"|checksum|digest|color|colour|icon|sha|uid|ics|channel|provider|scope|source|unit")
MAX_PAGES = 40


def _browser_fixtures():
    path = Path(__file__).resolve().parent.parent / "browser" / "conftest.py"
    spec = importlib.util.spec_from_file_location("hub_browser_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_fixtures = _browser_fixtures()
sign_in = _fixtures.sign_in


def _poison(engine) -> int:
    """Write the canary into every free-text column of every row; return the columns hit."""
    from hub.db import Base

    hit = 0
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name.startswith(("user_session", "alembic")):
                continue
            for column in table.columns:
                if not isinstance(column.type, sa.String) or column.primary_key \
                        or column.foreign_keys or column.unique or SKIPPED_COLUMNS.search(
                            column.name):
                    continue
                if column.type.length is not None and column.type.length < len(CANARY) + 10:
                    continue
                value = f"{CANARY} {table.name}.{column.name}"
                try:
                    with conn.begin():
                        conn.execute(table.update().values({column.name: value}))
                    hit += 1
                except sa.exc.DBAPIError:
                    continue  # a check constraint or a trigger wants something else
    return hit


@pytest.fixture(scope="module")
def poisoned_server(base_settings, tmp_path_factory):
    from hub import migrate
    from hub.app import make_config
    from hub.db import make_engine
    from hub.demo import load_demo_data

    url = f"sqlite:///{tmp_path_factory.mktemp('xss') / 'xss.sqlite'}"
    engine = make_engine(url)
    config = make_config({**base_settings, "sqlalchemy.url": url, "hub.dbengine": engine})
    migrate.upgrade(config.registry)
    load_demo_data(config.registry)
    columns = _poison(engine)
    with served(config.make_wsgi_app()) as base:
        yield type("Live", (), {"url": base, "registry": config.registry, "columns": columns})
    engine.dispose()


def _pages(page, base):
    seen, queue, count = set(), ["/"], 0
    while queue and count < MAX_PAGES:
        path = queue.pop(0)
        if path in seen or re.search(r"logout|erase|delete|unsubscribe", path):
            continue
        seen.add(path)
        response = page.goto(urljoin(base, path))
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        count += 1
        yield path
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(href)
            if parts.netloc != urlsplit(base).netloc or parts.path.startswith(
                    ("/static/", "/api/")) or re.search(r"\.(ics|csv|pdf|zip|json|xml)$",
                                                        parts.path):
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if link not in seen:
                queue.append(link)


@pytest.mark.parametrize("who", [None, "member@example.org", "staff@example.org"])
def test_the_canary_never_executes_in_the_browser(browser, poisoned_server, who):
    assert poisoned_server.columns > 20
    context = browser.new_context()
    context.set_default_navigation_timeout(30_000)
    if who:
        sign_in(context, poisoned_server, who)
    page = context.new_page()
    # The detector works: without the site's CSP and escaping, the canary does run.
    page.set_content(CANARY)
    page.wait_for_function("() => window.__xss === 1")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(page.url), dialog.dismiss()))
    executed, shown = [], 0
    try:
        for path in _pages(page, poisoned_server.url):
            if page.evaluate("() => window.__xss === 1"):
                executed.append(path)
            if "window.__xss=1" in page.inner_text("body"):
                shown += 1  # shown as text, as it should be
    finally:
        context.close()
    assert executed == [] and dialogs == [], f"the canary ran on {executed or dialogs}"
    assert shown > 3  # the canary was on the pages (as text): the check checked
