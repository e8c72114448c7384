"""The hub's own player on an event's page: captions tracks that load, reachable by keyboard."""
import pytest
import sqlalchemy as sa
from keyboard import tab_to

pytestmark = [pytest.mark.browser]


def _recorded_event_id(live_server) -> int:
    from hub_events.models import Event

    with live_server.registry["hub.dbsession_factory"]() as db:
        return db.scalar(sa.select(Event.id).where(Event.recording_media_id.is_not(None),
                                                   Event.recording_published.is_(True)))


@pytest.mark.parametrize("locale", ["cs", "en"])
def test_the_event_recording_plays_with_captions_and_is_keyboard_reachable(
        page_for, live_server, locale):
    page = page_for(locale=locale)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server.url}/events/{_recorded_event_id(live_server)}")
    video = page.locator("video")
    assert video.count() == 1
    tab_to(page, video)
    # The default track is the page's language, and its cues load from the hub.
    page.wait_for_function("""() => {
        const t = [...document.querySelector('video').textTracks].find(t => t.mode === 'showing');
        return t && t.cues && t.cues.length > 0;
    }""")
    showing = page.evaluate("""() => [...document.querySelector('video').textTracks]
        .filter(t => t.mode === 'showing').map(t => [t.kind, t.language])""")
    assert showing == [["captions", locale]]
    page.wait_for_function("document.querySelector('video').readyState >= 1")
    assert page.evaluate("document.querySelector('video').duration") == pytest.approx(4, abs=0.5)
    summary = page.locator("details.hub-media-transcript summary")
    tab_to(page, summary)
    page.keyboard.press("Enter")
    assert page.locator("details.hub-media-transcript").evaluate("d => d.open")
    assert all(url.startswith(live_server.url) for url in requests), requests


def test_the_library_pages_pass_axe(page_for, live_server):
    from axe_playwright_python.sync_playwright import Axe

    from hub.media import MediaItem

    with live_server.registry["hub.dbsession_factory"]() as db:
        video = db.scalar(sa.select(MediaItem.id).where(MediaItem.kind == "video"))
    page = page_for("staff@example.org")
    for path in ("/admin/media", "/admin/media/new?kind=video", "/admin/media/new?kind=image",
                 f"/admin/media/{video}"):
        page.goto(live_server.url + path)
        result = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
            "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
        violations = [(v["id"], [n["target"] for n in v["nodes"]])
                      for v in result.response["violations"]]
        assert violations == [], (path, violations)
    # A form sent without its required fields: the summary has the focus, linked fields.
    page.goto(live_server.url + "/admin/media/new?kind=image")
    with page.expect_navigation():
        page.locator("#media-form button[type=submit]").press("Enter")
    assert page.evaluate("document.activeElement.classList.contains('hub-error-summary')")
    assert page.locator("#media-title").get_attribute("aria-invalid") == "true"
