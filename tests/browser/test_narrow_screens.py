"""Narrow screens and 400 % zoom (WCAG 1.4.10 reflow, 2.4.1): the header folds behind a
"Menu" button, so the page's own content is a few Tab presses away; "My…" pages and the
staff's administration are grouped; without scripts every menu stays open. And a checkbox
stands on the line of its label on every page that has one.
"""
import pytest
from keyboard import open_group, tab_to, translator

pytestmark = [pytest.mark.browser]

MEMBER = "member@example.org"
STAFF = "staff@example.org"
# 1280 CSS pixels at 400 % zoom leave 320.
NARROW = {"width": 320, "height": 640}


def narrow_page(browser, live, locale="cs", email=None, scripts=True, sign_in=None):
    context = browser.new_context(locale=locale, viewport=NARROW, java_script_enabled=scripts)
    context.set_default_timeout(10_000)
    if locale != "cs":
        context.add_cookies([{"name": "hub_lang", "value": locale, "url": live.url}])
    if email:
        sign_in(context, live, email)
    return context, context.new_page()


def first_room(page):
    return page.locator("main .booking-room-card a").first


@pytest.mark.parametrize("locale", ["cs", "en"])
@pytest.mark.parametrize("who", [None, MEMBER, STAFF], ids=["anonymous", "member", "staff"])
def test_the_header_folds_behind_a_menu_button(browser, live_server, sign_in_as, locale, who):
    t = translator(live_server, locale)
    context, page = narrow_page(browser, live_server, locale, who, sign_in=sign_in_as)
    try:
        page.goto(live_server.url + "/booking")
        button = page.get_by_role("button", name=t("Menu"), exact=True)
        assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
        for control in button.get_attribute("aria-controls").split():
            assert page.locator(f"#{control}").count() <= 1
        main_menu = page.get_by_role("navigation", name=t("Main menu"))
        assert not main_menu.is_visible()
        # The page's own first control, then the first room, in few presses (the room took
        # 49 before the menus folded; the room search form comes first).
        header = tab_to(page, page.locator("main a, main button, main input, main select")
                        .first)
        assert header <= 6, header
        page.goto(live_server.url + "/booking")
        presses = tab_to(page, first_room(page))
        assert presses <= 34, presses
        # The button opens the menus and says so; a second press folds them again.
        page.keyboard.press("Shift+Tab")
        tab_to(page, button)
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-expanded") == "true" and main_menu.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-expanded") == "false" and not main_menu.is_visible()
    finally:
        context.close()


def test_without_scripts_the_menus_stay_open_and_the_button_hidden(browser, live_server):
    t = translator(live_server, "cs")
    context, page = narrow_page(browser, live_server, scripts=False)
    try:
        page.goto(live_server.url + "/")
        assert page.locator(".hub-menu-button").is_hidden()
        assert page.get_by_role("navigation", name=t("Main menu")).is_visible()
    finally:
        context.close()


def test_a_wide_screen_shows_the_menus_without_the_button(page_for, live_server):
    page = page_for(STAFF)
    page.goto(live_server.url + "/")
    assert page.locator(".hub-menu-button").is_hidden()
    assert page.locator("#hub-main-nav").is_visible()


@pytest.mark.parametrize("locale", ["cs", "en"])
def test_my_pages_and_administration_are_grouped(page_for, live_server, locale):
    t = translator(live_server, locale)
    page = page_for(STAFF, locale)
    page.goto(live_server.url + "/")
    user_menu = page.get_by_role("navigation", name=t("User menu"))
    # One link to My hub, the other "My…" pages behind one disclosure.
    assert user_menu.get_by_role("link", name=t("My hub"), exact=True).is_visible()
    assert user_menu.locator("details a").count() >= 4
    assert not user_menu.locator("details a").first.is_visible()
    open_group(page, user_menu)
    assert user_menu.get_by_role("link", name=t("My profile"), exact=True).is_visible()
    # The staff's many administration links: one summary to Tab past.
    admin = page.get_by_role("navigation", name=t("Administration"))
    links = admin.locator("a")
    assert links.count() >= 10 and not links.first.is_visible()
    open_group(page, admin)
    assert links.first.is_visible()
    # On an administration page the summary names the section the page belongs to.
    page.goto(live_server.url + "/admin/users")
    assert admin.locator("summary").inner_text().strip() == \
        f"{t('Administration')}: {t('Users')}"


CHECKBOX_PAGES = [
    (None, "/register"),
    (None, "/newsletter"),
    (MEMBER, "/my/interests"),
    (MEMBER, "/notifications/settings"),
    (STAFF, "/events/manage/new"),
    (STAFF, "/news/manage/new"),
    (None, "/booking"),
    (STAFF, "/booking/manage/rooms/new"),
    (STAFF, "/crm/staff/contacts/new"),
    ("admin@example.org", "/newsletter/admin/campaigns/new"),
]

SAME_LINE = """() => {
  const apart = [];
  for (const box of document.querySelectorAll("main input[type=checkbox]")) {
    const label = box.labels && box.labels[0];
    if (!label || box.offsetParent === null) continue;
    const b = box.getBoundingClientRect(), l = label.getBoundingClientRect();
    if (l.width <= 1 || l.height <= 1) continue;  // a visually hidden label (a table cell's)
    const overlap = Math.min(b.bottom, l.bottom) - Math.max(b.top, l.top);
    if (overlap <= 0) apart.push(box.id || box.name);
  }
  return apart;
}"""


@pytest.mark.parametrize("who,path", CHECKBOX_PAGES, ids=[p for _w, p in CHECKBOX_PAGES])
def test_checkboxes_sit_on_the_line_of_their_labels(page_for, live_server, who, path):
    page = page_for(who)
    page.goto(live_server.url + path)
    assert page.locator("main input[type=checkbox]").count()
    assert page.evaluate(SAME_LINE) == []
