"""axe-core on every page a visitor, a member and the staff can reach from the menus.

The crawl follows same-site links from the home page, so a new page or plugin is covered
without anyone adding it here.
"""
from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = [pytest.mark.browser]

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MAX_PAGES = 60
SKIP_PREFIXES = ("/static/", "/api/", "/healthz")
SKIP_SUFFIXES = (".ics", ".csv", ".pdf", ".json", ".zip", ".xml", ".png", ".jpg")


def crawl(page, base):
    seen, queue, pages = set(), ["/"], []
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(urljoin(base, path))
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        pages.append(path)
        yield path
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(href)
            if parts.netloc != urlsplit(base).netloc:
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if link.startswith(SKIP_PREFIXES) or parts.path.endswith(SKIP_SUFFIXES):
                continue
            if link not in seen:
                queue.append(link)


@pytest.mark.parametrize("who,locale", [(None, "cs"), (None, "en"),
                                        ("member@example.org", "cs"),
                                        ("staff@example.org", "cs")])
def test_every_reachable_page_has_no_axe_violations(page_for, live_server, who, locale):
    page = page_for(who, locale)
    axe = Axe()
    failures, titles = {}, {}
    for path in crawl(page, live_server.url):
        result = axe.run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
        if result.violations_count:
            failures[path] = [(v["id"], [n["target"] for n in v["nodes"]][:3])
                              for v in result.response["violations"]]
        titles.setdefault(page.title(), []).append(path)
        assert page.locator("html").get_attribute("lang") == locale
        assert page.locator("a.skip-link").count() == 1
    assert failures == {}
    duplicates = {t: p for t, p in titles.items() if len(p) > 1
                  and len({q.split("?")[0] for q in p}) > 1}
    assert duplicates == {}, f"pages sharing one title: {duplicates}"


def test_main_pages_screenshots(page_for, live_server, screenshot):
    page = page_for()
    for name, path in (("home", "/"), ("accessibility", "/accessibility")):
        page.goto(live_server.url + path)
        screenshot(page, name)


def test_skip_link_is_the_first_stop_and_focus_is_visible(page_for, live_server):
    page = page_for()
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "skip-link" in focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#content"
