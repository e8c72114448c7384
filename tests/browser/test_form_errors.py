"""After a failed submission the error summary has the focus and the title starts with
"Chyba:" / "Error:" (WCAG 3.3.1, 2.4.3), on the core's forms and on the plugins'.

Each case opens a form as the person who uses it, leaves it empty or gets one answer wrong,
sends it, and looks at where the focus is and what the title says.
"""
import datetime as dt

import pytest
import sqlalchemy as sa
from keyboard import db_scalar, translator

pytestmark = [pytest.mark.browser]

MEMBER = "member@example.org"
STAFF = "staff@example.org"


def bookable_room(live):
    from hub_booking.models import Room

    return db_scalar(live, sa.select(Room.id).where(Room.is_active.is_(True)).order_by(Room.id))


def open_public_event(live):
    from hub_events.models import Event

    now = dt.datetime.now(dt.UTC)
    return db_scalar(live, sa.select(Event.id).where(
        Event.state == "published", Event.audience == "public", Event.starts_at > now,
        sa.or_(Event.registration_closes_at.is_(None), Event.registration_closes_at > now))
        .order_by(Event.starts_at))


def consent_text_changed_meanwhile(page):
    """The consent's wording changed after the page was shown: the one error this form has
    for a person who only ticks boxes."""
    page.locator("#interests-diseases input[name=topic]").first.check()
    page.locator("#interests-disease-consent").check()
    page.locator("input[name=disease_text_version]").evaluate("el => { el.value = 'outdated'; }")


# (name, who, address or a function of the live server giving it, form, what to do first)
FORMS = [
    ("sign-in", None, "/login", "main form.hub-form", None),
    ("registration", None, "/register", "main form.hub-form", None),
    ("password change", MEMBER, "/account/password", "main form.hub-form", None),
    ("booking request", MEMBER, lambda live: f"/booking/rooms/{bookable_room(live)}/book",
     "#booking-form", None),
    ("event registration", None, lambda live: f"/events/{open_public_event(live)}",
     "#events-register", None),
    ("newsletter subscription", None, "/newsletter", "#newsletter-subscribe", None),
    ("accessibility feedback", None, "/accessibility/feedback", "#feedback-form", None),
    ("interests", MEMBER, "/my/interests", "#interests-form", consent_text_changed_meanwhile),
    ("topic (administration)", STAFF, "/topics/manage/new", "#topic-form", None),
    ("news article (administration)", STAFF, "/news/manage/new", "#news-article", None),
    ("event (administration)", STAFF, "/events/manage/new", "#events-event", None),
]


@pytest.mark.parametrize("locale", ["cs", "en"])
@pytest.mark.parametrize("name,who,address,form,prepare", FORMS, ids=[f[0] for f in FORMS])
def test_a_failed_submission_focuses_the_error_summary_and_titles_the_page(
        page_for, live_server, locale, name, who, address, form, prepare):
    t = translator(live_server, locale)
    page = page_for(who, locale)
    path = address(live_server) if callable(address) else address
    page.goto(live_server.url + path)
    title = page.title()
    assert not title.startswith(t("Error:"))
    if prepare:
        prepare(page)
    with page.expect_navigation():
        page.locator(form).locator("button[type=submit]").last.click()

    assert page.title() == f"{t('Error:')} {title}"
    summary = page.locator(".hub-error-summary")
    assert summary.count() == 1
    assert summary.get_attribute("tabindex") == "-1"
    assert page.evaluate(
        "document.activeElement && document.activeElement.matches('.hub-error-summary')")


def test_a_page_without_errors_keeps_its_title_and_the_focus_where_it_was(page_for, live_server):
    page = page_for()
    page.goto(live_server.url + "/login")
    assert not page.title().startswith("Chyba:")
    assert page.evaluate("document.activeElement === document.body")
