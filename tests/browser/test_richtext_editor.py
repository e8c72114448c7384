"""The rich-text editor of news articles, driven by keyboard in Chromium: the toolbar is one
tab stop with arrow keys, marks report aria-pressed, headings and lists reach the submitted
body, an image from the media library needs a description, and nothing breaks the content
security policy (no console errors)."""
import json
import re

import pytest
import sqlalchemy as sa
from keyboard import db_scalar
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]

STAFF = "staff@example.org"
# A 1×1 PNG for the thumbnails of the stubbed media library.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63f80f00000101000518d84e0000000049454e44ae426082")
MEDIA = {"items": [
    {"id": 7, "kind": "image", "url": "/media/7/bez-popisu.png", "title": "Bez popisu",
     "alt": "", "translations": {"en": {"alt": ""}}},
    {"id": 8, "kind": "image", "url": "/media/8/graf.png", "title": "Graf členů",
     "alt": "Graf počtu členů", "translations": {"en": {"alt": "Members chart"}}}],
    "total": 2, "limit": 50, "offset": 0, "next_offset": None}


def active(page, expression="el => el"):
    """``expression`` (a function of one element) applied to the focused element."""
    return page.evaluate(f"(() => ({expression})(document.activeElement))()")


def command_of(page):
    return active(page, "el => el.dataset.command || el.getAttribute('role')")


def focus_returns_to_text(page):
    """The editor takes the focus back in the next animation frame (TipTap's focus())."""
    expect(page.locator("#news-article-body_cs + .hub-richtext [role=textbox]")).to_be_focused()


@pytest.fixture
def editor_page(page_for, live_server):
    page = page_for(STAFF)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(live_server.url)
            else problems.append(f"third-party request {r.url}"))
    # The media library's API and files are stubbed: the editor only reads them.
    # The API gives absolute addresses (route_url); the editor keeps their path.
    listed = {**MEDIA, "items": [dict(MEDIA["items"][0]), {
        **MEDIA["items"][1], "url": live_server.url + MEDIA["items"][1]["url"]}]}
    page.route(re.compile(r".*/api/v1/media\?.*"), lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(listed)))
    page.route(re.compile(r".*/media/\d+/.*\.png$"), lambda route: route.fulfill(
        status=200, content_type="image/png", body=PNG))
    page.goto(live_server.url + "/news/manage/new")
    page.wait_for_selector("#news-article .hub-richtext [role=textbox]")
    yield page
    assert problems == []


def test_the_news_editor_by_keyboard(editor_page, live_server):
    page = editor_page
    textarea = page.locator("#news-article-body_cs")
    assert textarea.is_hidden()
    box = page.locator("#news-article-body_cs + .hub-richtext [role=textbox]")
    assert box.get_attribute("aria-multiline") == "true" and box.get_attribute("lang") == "cs"
    label_id = box.get_attribute("aria-labelledby")
    assert page.locator(f"#{label_id}").inner_text().startswith("Text česky")
    assert "news-article-body_cs-hint" in box.get_attribute("aria-describedby")
    toolbar = page.locator("#news-article-body_cs + .hub-richtext [role=toolbar]")
    assert toolbar.get_attribute("aria-label") == "Formátování textu"

    # Tab from the field before enters the toolbar at its first button; arrows move.
    page.locator("#news-article-perex_cs").focus()
    page.keyboard.press("Tab")
    assert command_of(page) == "bold"
    page.keyboard.press("ArrowRight")
    assert command_of(page) == "italic"
    page.keyboard.press("ArrowLeft")
    assert command_of(page) == "bold"
    page.keyboard.press("End")
    assert command_of(page) == "redo"
    page.keyboard.press("Home")
    assert command_of(page) == "bold"
    page.keyboard.press("Tab")  # the toolbar is one tab stop: next is the text
    assert command_of(page) == "textbox"

    # A heading, then a list, typed with the toolbar reached by Alt+F10.
    page.keyboard.press("Alt+F10")
    assert command_of(page) == "bold"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert command_of(page) == "heading2"
    page.keyboard.press("Enter")
    focus_returns_to_text(page)
    assert toolbar.locator("[data-command=heading2]").get_attribute("aria-pressed") == "true"
    page.keyboard.type("Nové služby")
    page.keyboard.press("Enter")
    page.keyboard.press("Alt+F10")
    assert command_of(page) == "heading2"  # the toolbar remembers the last button used
    page.keyboard.press("Home")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    assert command_of(page) == "bulletList"
    page.keyboard.press("Enter")
    focus_returns_to_text(page)
    page.keyboard.type("poradna")
    page.keyboard.press("Enter")
    page.keyboard.type("kurzy")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # an empty item ends the list

    # Bold: aria-pressed follows the mark.
    bold = toolbar.locator("[data-command=bold]")
    assert bold.get_attribute("aria-pressed") == "false"
    page.keyboard.press("Alt+F10")
    page.keyboard.press("Home")
    page.keyboard.press("Enter")
    assert bold.get_attribute("aria-pressed") == "true"
    focus_returns_to_text(page)
    page.keyboard.type("důležité")
    assert bold.get_attribute("aria-pressed") == "true"
    page.keyboard.press("Alt+F10")
    page.keyboard.press("Home")
    page.keyboard.press("Enter")
    assert bold.get_attribute("aria-pressed") == "false"
    focus_returns_to_text(page)
    page.keyboard.type(" a obyčejné")

    # An image: the description is required, prefilled from the library when it has one.
    page.keyboard.press("Enter")
    page.keyboard.press("Alt+F10")
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert command_of(page) == "image"
    page.keyboard.press("Enter")
    dialog = page.locator("dialog[open]")
    dialog.locator("input[type=radio]").first.wait_for()
    assert dialog.get_attribute("aria-labelledby")
    assert active(page, "el => el.type") == "radio"
    page.keyboard.press("Space")  # the image without a description
    alt = dialog.locator("input[type=text]")
    assert alt.input_value() == ""
    dialog.get_by_role("button", name="Vložit obrázek").click()
    error = dialog.locator(".hub-error", has_text="obrázek bez popisu nelze vložit")
    assert error.is_visible()
    assert alt.get_attribute("aria-invalid") == "true"
    assert error.get_attribute("id") in alt.get_attribute("aria-describedby")
    assert active(page, "el => el === document.querySelector('dialog[open] input[type=text]')")
    dialog.locator("input[type=radio]").nth(1).check()
    assert alt.input_value() == "Graf počtu členů"  # prefilled in the field's language
    alt.fill("")
    alt.fill("Graf počtu členů v roce 2026")
    assert not error.is_visible()
    page.keyboard.press("Enter")
    assert page.locator("dialog[open]").count() == 0
    focus_returns_to_text(page)

    body = textarea.input_value()
    assert "<h2>Nové služby</h2>" in body
    assert "<ul><li><p>poradna</p></li><li><p>kurzy</p></li></ul>" in body
    assert "<strong>důležité</strong> a obyčejné" in body
    assert '<img src="/media/8/graf.png" alt="Graf počtu členů v roce 2026">' in body

    page.locator("#news-article-title_cs").fill("Článek z editoru")
    with page.expect_navigation():
        page.get_by_role("button", name="Uložit", exact=True).click()
    from hub_news.models import Article

    stored = db_scalar(live_server, sa.select(Article.body_cs).where(
        Article.title_cs == "Článek z editoru"))
    assert "<h2>Nové služby</h2>" in stored
    assert "<ul><li><p>poradna</p></li><li><p>kurzy</p></li></ul>" in stored
    assert '<img src="/media/8/graf.png" alt="Graf počtu členů v roce 2026">' in stored
    # the saved article opens in the editor again, unchanged
    page.wait_for_selector("#news-article .hub-richtext [role=textbox]")
    assert page.locator("#news-article-body_cs").input_value() == stored


def test_a_link_needs_a_safe_address(editor_page):
    page = editor_page
    box = page.locator("#news-article-body_cs + .hub-richtext [role=textbox]")
    box.click()
    page.keyboard.type("web ministerstva")
    page.keyboard.press("Shift+Home")
    page.keyboard.press("Alt+F10")
    toolbar = page.locator("#news-article-body_cs + .hub-richtext [role=toolbar]")
    toolbar.locator("[data-command=link]").focus()
    page.keyboard.press("Enter")
    address = page.locator("#news-article-body_cs-link")
    assert active(page, "el => el.id") == "news-article-body_cs-link"
    address.fill("javascript:alert(1)")
    page.keyboard.press("Enter")
    assert address.get_attribute("aria-invalid") == "true"
    assert page.locator("#news-article-body_cs-link-error").is_visible()
    address.fill("https://mzcr.cz")
    page.keyboard.press("Enter")
    focus_returns_to_text(page)
    assert '<a href="https://mzcr.cz">web ministerstva</a>' in \
        page.locator("#news-article-body_cs").input_value()
    assert toolbar.locator("[data-command=link]").get_attribute("aria-pressed") == "true"


def test_text_the_editor_cannot_keep_stays_html(page_for, live_server):
    from hub_news.models import Article

    table = "<p>Ceník</p><table><tbody><tr><td>Kurz</td><td>0 Kč</td></tr></tbody></table>"
    with live_server.registry["hub.dbsession_factory"]() as db:
        article = Article(title_cs="Tabulka", body_cs=table, body_en="<p>Prices</p>")
        db.add(article)
        db.commit()
        article_id = article.id
    page = page_for(STAFF, locale="en")
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/news/manage/{article_id}")
    page.wait_for_selector("#news-article-body_en + .hub-richtext [role=textbox]")
    # the table would be flattened by the editor: the Czech body stays an HTML textarea
    czech = page.locator("#news-article-body_cs")
    assert czech.is_visible() and czech.input_value() == table
    note = page.locator(".hub-richtext__fallback")
    assert note.count() == 1 and "edited as HTML" in note.inner_text()
    assert note.get_attribute("id") in czech.get_attribute("aria-describedby")
    # the English body has the editor, its controls in the reader's language
    toolbar = page.locator("#news-article-body_en + .hub-richtext [role=toolbar]")
    assert toolbar.get_attribute("aria-label") == "Text formatting"
    assert toolbar.locator("[data-command=orderedList]").inner_text() == "Numbered list"
    assert page.locator("#news-article-body_en + .hub-richtext [role=textbox]") \
        .get_attribute("lang") == "en"
    assert problems == []


def test_lesson_texts_get_the_editor_too(page_for, live_server):
    from hub_elearning.models import Lesson

    lesson = db_scalar(live_server, sa.select(Lesson.id).where(Lesson.kind == "article")
                       .order_by(Lesson.id))
    page = page_for(STAFF)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{live_server.url}/elearning/manage/lessons/{lesson}")
    for name, lang in (("body", "cs"), ("body_en", "en")):
        box = page.locator(f"#field-{name} + .hub-richtext [role=textbox]")
        box.wait_for()
        assert box.get_attribute("lang") == lang
        assert page.locator(f"#field-{name}").is_hidden()
    box = page.locator("#field-body + .hub-richtext [role=textbox]")
    box.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Doplněno.")
    assert "Doplněno." in page.locator("#field-body").input_value()
    with page.expect_navigation():
        page.get_by_role("button", name="Náhled v obou jazycích").click()
    assert "Doplněno." in page.locator("#lesson-preview-heading + div article").inner_text()
    assert problems == []


def test_an_english_text_gets_the_english_description(editor_page):
    page = editor_page
    page.locator("#news-article-body_en + .hub-richtext [data-command=image]").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("input[type=radio]").nth(1).check()
    alt = dialog.locator("input[type=text]")
    assert alt.input_value() == "Members chart" and alt.get_attribute("lang") == "en"
    page.keyboard.press("Escape")
    assert page.locator("dialog[open]").count() == 0
    focus = page.locator("#news-article-body_en + .hub-richtext [role=textbox]")
    expect(focus).to_be_focused()
    assert page.locator("#news-article-body_en").input_value() == ""


def test_an_image_of_the_real_media_library(page_for, live_server):
    """The picker against the media library's own API: an item created through it is
    offered with its address and description, and inserted by path."""
    page = page_for(STAFF)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + "/news/manage/new")
    token = page.locator("#news-article input[name=csrf_token]").input_value()
    created = page.request.post(live_server.url + "/api/v1/media", multipart={
        "file": {"name": "mapa (1).png", "mimeType": "image/png", "buffer": PNG},
        "title": "Mapa poraden", "alt": "Mapa poraden v krajích",
        "alt_en": "Map of advice centres", "is_public": "true"},
        headers={"X-CSRF-Token": token, "Origin": live_server.url})
    assert created.status == 201, created.text()
    item = created.json()
    page.locator("#news-article-body_cs + .hub-richtext [data-command=image]").click()
    dialog = page.locator("dialog[open]")
    choice = dialog.locator(f"input[type=radio][value='{item['id']}']")
    choice.check()
    assert dialog.locator("input[type=text]").input_value() == "Mapa poraden v krajích"
    dialog.get_by_role("button", name="Vložit obrázek").click()
    body = page.locator("#news-article-body_cs").input_value()
    path = item["url"].removeprefix(live_server.url)
    assert path.startswith("/media/") and f'<img src="{path}" alt="Mapa poraden v krajích">' in body
    from hub.richtext import sanitise

    assert sanitise(body) == body  # what the editor wrote is what the server keeps
    assert problems == []


def test_each_field_gets_the_description_in_its_own_language(page_for, live_server):
    """On an English page, in a browser that prefers English, the Czech text's image
    description starts from the Czech one and the English text's from the English one."""
    page = page_for(STAFF, locale="en")
    page.goto(live_server.url + "/news/manage/new")
    token = page.locator("#news-article input[name=csrf_token]").input_value()
    created = page.request.post(live_server.url + "/api/v1/media", multipart={
        "file": {"name": "porady.png", "mimeType": "image/png", "buffer": PNG},
        "title": "Poradny", "title_en": "Advice centres", "alt": "Poradny v krajích",
        "alt_en": "Advice centres in the regions", "is_public": "true"},
        headers={"X-CSRF-Token": token, "Origin": live_server.url})
    assert created.status == 201, created.text()
    item_id = created.json()["id"]
    for field, expected in (("body_cs", "Poradny v krajích"),
                            ("body_en", "Advice centres in the regions")):
        page.locator(f"#news-article-{field} + .hub-richtext [data-command=image]").click()
        dialog = page.locator("dialog[open]")
        choice = dialog.locator(f"input[type=radio][value='{item_id}']")
        expect(dialog.locator(f"label[for='{choice.get_attribute('id')}']")).to_have_text(
            "Advice centres")  # listed in the page's language
        choice.check()
        assert dialog.locator("input[type=text]").input_value() == expected
        page.keyboard.press("Escape")
        expect(page.locator("dialog[open]")).to_have_count(0)
