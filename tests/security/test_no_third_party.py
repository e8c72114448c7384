"""No page makes the browser contact another site before the person clicks.

A crawler walks the whole portal (every plugin, demo data) signed out and signed in as a
member: from the home page, following the portal's own links, plus every route without
placeholders. Any ``src``, ``srcset``, ``poster``, ``data`` or ``style`` URL, or a
``<link>`` that the browser fetches by itself (stylesheet, preload, icon...), pointing to
a host other than the hub's own fails the test. Video players of other sites are
placeholders (``hub.embeds``) that load the provider's iframe only on a click.
"""
from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from hub.embeds import video_of

HOST = "hub.example.org"
FETCHED_LINKS = {"stylesheet", "preload", "modulepreload", "prefetch", "prerender", "icon",
                 "shortcut", "apple-touch-icon", "manifest", "preconnect", "dns-prefetch",
                 "mask-icon"}
SKIP = re.compile(r"^/(static|api)/|/logout|\.(ics|csv|pdf|vtt|xml|json|txt)$|/language")
PER_PATTERN = 3
MAX_PAGES = 400


class Resources(HTMLParser):
    """Collects the URLs a browser would fetch on its own, and the links to follow."""

    def __init__(self):
        super().__init__()
        self.fetched: list[tuple[str, str]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = {k: v or "" for k, v in attrs}
        for name in ("src", "poster", "background"):
            if name in values:
                self.fetched.append((f"<{tag} {name}>", values[name]))
        if tag == "object" and "data" in values:
            self.fetched.append(("<object data>", values["data"]))
        for name in ("srcset", "imagesrcset"):
            for candidate in values.get(name, "").split(","):
                if candidate.strip():
                    self.fetched.append((f"<{tag} {name}>", candidate.split()[0]))
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", values.get("style", "")):
            self.fetched.append((f"<{tag} style>", url))
        if tag == "link" and FETCHED_LINKS & set(values.get("rel", "").lower().split()):
            self.fetched.append((f"<link rel={values['rel']}>", values.get("href", "")))
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])


def third_party(url: str) -> bool:
    parts = urlsplit(url.strip())
    if parts.scheme in ("data", "blob"):
        return False
    return bool(parts.netloc) and parts.hostname != HOST


def pattern(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def crawl(client, seeds) -> tuple[int, list[str], str]:
    """Visit the portal's pages; return how many, the offending resources, all HTML."""
    queue = deque(seeds)
    seen, per_pattern = set(), {}
    problems, pages, html = [], 0, []
    while queue and pages < MAX_PAGES:
        url = queue.popleft()
        path = urlsplit(url).path
        if url in seen or SKIP.search(path):
            continue
        seen.add(url)
        key = pattern(path)
        if per_pattern.get(key, 0) >= PER_PATTERN:
            continue
        per_pattern[key] = per_pattern.get(key, 0) + 1
        response = client.get(url, status="*", expect_errors=True)
        if response.status_int != 200 or "html" not in (response.content_type or ""):
            continue
        pages += 1
        html.append(response.text)
        parser = Resources()
        parser.feed(response.text)
        problems += [f"{url}: {what} {src}" for what, src in parser.fetched if third_party(src)]
        for href in parser.links:
            target = urlsplit(urljoin("https://" + HOST + path, href))
            if target.hostname == HOST and target.scheme == "https":
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return pages, problems, "\n".join(html)


@pytest.fixture
def demo_portal(base_settings, empty_database):
    """The full portal (every bundled plugin) on a database of its own, with demo data."""
    from hub import migrate
    from hub.app import make_config
    from hub.db import make_engine
    from hub.demo import load_demo_data
    from hub.plugins import installed_plugins
    from hub.testing import HubTestApp

    engine = make_engine(empty_database)
    config = make_config({**base_settings, "sqlalchemy.url": empty_database,
                          "hub.dbengine": engine,
                          "hub.plugins": " ".join(sorted(installed_plugins()))})
    migrate.upgrade(config.registry)
    load_demo_data(config.registry)
    app = config.make_wsgi_app()
    app.registry = config.registry
    yield HubTestApp(app, extra_environ={"wsgi.url_scheme": "https", "HTTP_HOST": HOST})
    engine.dispose()


def seeds(registry) -> list[str]:
    """The home page and every route without placeholders (pages not linked from anywhere)."""
    found = ["/"]
    for item in registry.introspector.get_category("routes"):
        route = item["introspectable"]
        pattern_ = route["pattern"]
        if "{" not in pattern_ and "*" not in pattern_:
            found.append(pattern_ if pattern_.startswith("/") else "/" + pattern_)
    return found


def players(registry) -> list[str]:
    """Pages with a video of another site: published recordings and lessons. The demo
    hosts its videos itself, so one published recording is moved to YouTube here."""
    from hub_elearning.models import Course, Lesson
    from hub_events.models import Event

    with registry["hub.dbsession_factory"]() as db:
        hosted = db.scalars(sa.select(Event).where(Event.recording_published.is_(True))
                            .order_by(Event.id)).first()
        assert hosted is not None, "the demo data has a published recording"
        hosted.embed_url = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
        db.commit()
        events = db.scalars(sa.select(Event.id).where(Event.recording_published.is_(True),
                                                      Event.embed_url != "")).all()
        lessons = db.execute(sa.select(Course.slug, Lesson.id).join(
            Lesson, Lesson.course_id == Course.id).where(
            Lesson.embed_url != "", Lesson.is_published.is_(True),
            Course.is_published.is_(True))).all()
    return [f"/events/{i}" for i in events] + [
        f"/elearning/courses/{slug}/lessons/{i}" for slug, i in lessons]


def test_no_page_requests_a_third_party_before_a_click(demo_portal):
    from hub.accounts.models import User

    client = demo_portal
    registry = client.app.registry
    with_players = players(registry)
    assert with_players
    # Pages with players first: the crawler visits a few pages of each kind only.
    start = with_players + seeds(registry)
    pages, problems, html = crawl(client, start)
    assert pages > 30, "the crawler should reach the portal's pages"
    with registry["hub.dbsession_factory"]() as db:
        member = db.scalar(sa.select(User).where(User.email == "member@example.org"))
    client.login(member)
    signed_in, more, signed_in_html = crawl(client, start)
    assert signed_in > 30
    assert problems + more == []
    # A recording on YouTube is shown as a placeholder, not a player.
    assert 'data-embed-src="https://www.youtube-nocookie.com/embed/' in html + signed_in_html


def test_a_player_is_a_placeholder_naming_the_provider_with_a_plain_link(testapp):
    from hub.embeds import embed
    from hub.jobs import background_request

    youtube = video_of("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10")
    assert youtube.player_url == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert video_of("https://youtu.be/dQw4w9WgXcQ").watch_url == youtube.watch_url
    vimeo = video_of("https://vimeo.com/76979871")
    assert vimeo.player_url == "https://player.vimeo.com/video/76979871?dnt=1"
    assert video_of("https://player.vimeo.com/video/76979871").provider == "Vimeo"
    assert video_of("https://evil.example/embed/x") is None
    assert video_of("javascript:alert(1)") is None

    request = background_request(testapp.app.registry)
    html = str(embed(request, "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
                     '"><script>x</script>'))
    parser = Resources()
    parser.feed(html)
    assert [src for _what, src in parser.fetched if third_party(src)] == []
    assert "<iframe" not in html and "<script>x" not in html
    assert "YouTube" in html and 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in html
    assert re.search(r'<script src="/static/embeds\.js[^"]*" defer>', html)
