"""What people do on the portal, in Czech and in English, with the keyboard only.

Each journey starts from an address typed into the browser (``page.goto``), the way a person
opens a link from an e-mail, and from there uses only Tab, Space, Enter, arrow keys and
typing; reaching every control it needs by Tab is part of what is tested. Names of controls
come from the portal's own translations (``t``), so the tests follow the wording of the
pages in both languages. Screenshots of the main pages go to test-artifacts/.
"""
import datetime as dt
import re
import time
import uuid

import pytest
import sqlalchemy as sa
from keyboard import (
    activate,
    check,
    choose,
    choose_radio,
    db_scalar,
    link_in,
    mail_text,
    new_member,
    open_group,
    subject_of,
    tab_to,
    translator,
    type_date,
    type_into,
    type_time,
    wait_for_mail,
    weekday_ahead,
)

pytestmark = [pytest.mark.browser]

LOCALES = pytest.mark.parametrize("locale", ["cs", "en"])


def link(page, name):
    return page.get_by_role("link", name=name, exact=True)


def button(page, name):
    return page.get_by_role("button", name=name, exact=True)


def main_menu(page, t, name):
    return page.get_by_role("navigation", name=t("Main menu")).get_by_role(
        "link", name=name, exact=True)


def admin_menu(page, t, name):
    nav = page.get_by_role("navigation", name=t("Administration"))
    open_group(page, nav)
    return nav.get_by_role("link", name=name, exact=True)


def flash(page):
    return page.locator("[role=status], [role=alert]").all_inner_texts()


# -- 1. register and verify the e-mail address ------------------------------------------

@LOCALES
def test_register_and_verify_email(page_for, live_server, locale):
    t = translator(live_server, locale)
    page = page_for(None, locale)
    email = f"newcomer-{locale}-{uuid.uuid4().hex[:8]}@example.org"
    password = "four unrelated words here"  # noqa: S105 (a test account)

    page.goto(live_server.url + "/")
    activate(page, page.get_by_role("navigation", name=t("User menu")).get_by_role(
        "link", name=t("Create an account")))
    type_into(page, page.get_by_label(t("Full name"), exact=True), "Nováček Journey")
    type_into(page, page.get_by_label(t("E-mail"), exact=True), email)
    type_into(page, page.get_by_label(t("Password"), exact=True), password)
    check(page, page.get_by_role("checkbox", name=t(
        "I accept the terms of use and the privacy notice")))
    activate(page, button(page, t("Create account")))
    assert page.get_by_role("heading", name=t("Check your e-mail"), level=1).is_visible()

    message = wait_for_mail(live_server, email, t("Confirm your e-mail address"))
    page.goto(link_in(live_server, mail_text(message), "/account/verify"))
    activate(page, button(page, t("Confirm")))
    assert page.url.startswith(live_server.url + "/login")
    assert any(t("Your e-mail address is confirmed. You can sign in now.") in text
               for text in flash(page))

    type_into(page, page.get_by_label(t("E-mail"), exact=True), email)
    type_into(page, page.get_by_label(t("Password"), exact=True), password)
    activate(page, page.get_by_role("main").get_by_role("button", name=t("Sign in")))
    page.goto(live_server.url + "/my")
    assert page.get_by_role("heading", name=t("My hub"), level=1).is_visible()


# -- 2. book a room and cancel it --------------------------------------------------------

def room_name(live, czech: str, locale: str) -> str:
    """A demo room's name as the page in ``locale`` shows it (English when it has one)."""
    from hub_booking.models import Room

    english = db_scalar(live, sa.select(Room.name_en).where(Room.name == czech))
    return english if locale == "en" and english else czech


def book_room(page, live, t, room: str, day: dt.date, start: str, end: str, title: str,
              locale: str = "cs"):
    """From the home page to a submitted booking form; returns the reservation's URL.
    ``room`` is the room's Czech name."""
    page.goto(live.url + "/")
    activate(page, main_menu(page, t, t("Room booking", "hub_booking")))
    activate(page, link(page, room_name(live, room, locale)))
    room_url = page.url
    activate(page, link(page, t("Book this room", "hub_booking")))
    type_into(page, page.get_by_label(t("Title", "hub_booking"), exact=True), title)
    type_date(page, page.get_by_label(t("Date", "hub_booking"), exact=True), day)
    type_time(page, page.get_by_label(t("From", "hub_booking"), exact=True), start)
    type_time(page, page.get_by_label(t("To", "hub_booking"), exact=True), end)
    type_into(page, page.get_by_label(t("Expected attendees", "hub_booking"), exact=True), "6")
    return room_url


@LOCALES
def test_book_a_room_and_cancel_it(page_for, live_server, screenshot, locale):
    from hub_booking.models import Reservation

    t = translator(live_server, locale)
    page = page_for(new_member(live_server, locale, "booker"), locale)
    title = f"Porada {uuid.uuid4().hex[:6]}"
    day = weekday_ahead(2 if locale == "cs" else 3, live_server)
    room_url = book_room(page, live_server, t, "Zasedací místnost Vltava", day, "14:00",
                         "15:30", title, locale)
    screenshot(page, f"booking-form-{locale}")
    activate(page, button(page, t("Book", "hub_booking")))
    assert page.get_by_role("heading", name=title, level=1).is_visible(), flash(page)
    status = db_scalar(live_server, sa.select(Reservation.status).where(
        Reservation.title == title))
    assert status == "approved"

    activate(page, button(page, t("Cancel the booking", "hub_booking")))
    status = db_scalar(live_server, sa.select(Reservation.status).where(
        Reservation.title == title))
    assert status == "cancelled"

    page.goto(room_url)
    screenshot(page, f"room-calendar-{locale}")


# -- 3. a full event, the waiting list and a place that frees up -------------------------

def full_event(live, locale: str) -> tuple[int, str]:
    """A published event with one place (a set-up: staff would create it in the admin)."""
    from hub.db import utcnow
    from hub_events.models import Event

    starts = utcnow().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=12)
    with live.registry["hub.dbsession_factory"]() as db:
        event = Event(title=f"Malý seminář {locale} {uuid.uuid4().hex[:6]}", kind="seminar",
                      summary="Seminář pro jednoho.", description="Jen jedno místo.",
                      starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
                      venue="address", address="Palackého náměstí 4, Praha 2", capacity=1,
                      taken=0, state="published", audience="public",
                      privacy_notice="Údaje mažeme po akci.")
        db.add(event)
        db.commit()
        return event.id, event.title


def register_for_event(page, t):
    check(page, page.get_by_role("checkbox", name=t("I have read the privacy notice",
                                                    "hub_events")))
    activate(page, page.get_by_role("region", name=t("Registration", "hub_events"))
             .get_by_role("button", name=t("Register for this event", "hub_events"), exact=True))


def my_status(page, t):
    return page.get_by_role("region", name=t("Registration", "hub_events")).locator(
        "strong").first.inner_text()


@LOCALES
def test_waiting_list_promotion(page_for, live_server, screenshot, locale):
    t = translator(live_server, locale)
    waiting_email = new_member(live_server, locale, "waiting")
    page = page_for(waiting_email, locale)
    page.goto(live_server.url + "/")
    activate(page, main_menu(page, t, t("Events", "hub_events")))
    screenshot(page, f"events-{locale}")

    event_id, event_title = full_event(live_server, locale)
    event_url = f"{live_server.url}/events/{event_id}"
    holder = page_for(new_member(live_server, locale, "holder"), locale)
    holder.goto(event_url)
    register_for_event(holder, t)
    assert my_status(holder, t) == t("Confirmed", "hub_events")

    page.reload()
    activate(page, link(page, event_title))
    screenshot(page, f"event-detail-{locale}")
    register_for_event(page, t)
    assert my_status(page, t) == t("On the waiting list", "hub_events")

    activate(holder, button(holder, t("Cancel my registration", "hub_events")))
    message = wait_for_mail(live_server, waiting_email, t(
        "A place is free for you: ${event}", "hub_events", event=event_title))
    assert "/events/r/accept/" in mail_text(message)

    page.reload()
    assert my_status(page, t) == t("Place offered", "hub_events")
    activate(page, button(page, t("Confirm my place", "hub_events")))
    assert my_status(page, t) == t("Confirmed", "hub_events")


# -- 4. a course: lessons, a quiz and the certificate -----------------------------------

@LOCALES
def test_course_quiz_and_certificate(page_for, live_server, screenshot, locale):
    t = translator(live_server, locale)
    page = page_for(new_member(live_server, locale, "learner"), locale)
    page.goto(live_server.url + "/")
    activate(page, main_menu(page, t, t("E-learning", "hub_elearning")))
    activate(page, link(page, "Jak vést pacientskou organizaci"))
    screenshot(page, f"course-{locale}")
    activate(page, link(page, t("Start the course", "hub_elearning")))
    screenshot(page, f"lesson-{locale}")
    done = t("Mark as completed and continue", "hub_elearning")
    while button(page, done).count():
        activate(page, button(page, done))

    assert page.get_by_role("heading", name="Ověřte si znalosti", level=1).is_visible()
    choose_radio(page, page.get_by_role("radio", name="Jeden", exact=True),
                 page.get_by_role("radio", name="Tři", exact=True))
    type_into(page, page.get_by_label(re.compile("nejvyšší orgán spolku")), "členská schůze")
    activate(page, button(page, t("Submit answers", "hub_elearning")))

    activate(page, page.get_by_role("navigation", name=t("Lessons", "hub_elearning"))
             .get_by_role("link", name=t("Course outline", "hub_elearning")))
    certificate = link(page, t("Download the certificate (PDF)", "hub_elearning"))
    tab_to(page, certificate)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    page.goto(live_server.url + "/my")
    screenshot(page, f"my-hub-{locale}")


# -- 5. newsletter: double opt-in, then one-click unsubscribe ----------------------------

def send_newsletter(live, list_id: int, subject: str) -> None:
    """The hub sends a newsletter to the list (staff do this in journey 6)."""
    import transaction

    from hub.jobs import background_request
    from hub_newsletter import services
    from hub_newsletter.models import Campaign, NewsletterList

    tm = transaction.TransactionManager(explicit=True)
    with tm:
        request = background_request(live.registry, tm)
        campaign = Campaign(subject=subject, body="${salutation},\n\nnovinky z hubu.",
                            kind="newsletter", status="approved",
                            in_archive=False)
        campaign.lists = [request.dbsession.get(NewsletterList, list_id)]
        request.dbsession.add(campaign)
        request.dbsession.flush()
        services.start_sending(request, campaign)


@LOCALES
def test_newsletter_double_opt_in_and_one_click_unsubscribe(page_for, live_server, locale):
    from hub_newsletter.models import NewsletterList, Subscriber, Subscription

    t = translator(live_server, locale)
    page = page_for(None, locale)
    email = f"reader-{locale}-{uuid.uuid4().hex[:8]}@example.org"
    list_name = "Novinky Pacientského hubu"
    page.goto(live_server.url + "/")
    activate(page, main_menu(page, t, t("Newsletter", "hub_newsletter")))
    check(page, page.get_by_role("checkbox", name=list_name, exact=True))
    type_into(page, page.get_by_label(t("E-mail address", "hub_newsletter"), exact=True), email)
    check(page, page.get_by_role("checkbox", name=t(
        "I agree to receive the chosen newsletters under the consent text above.",
        "hub_newsletter")))
    activate(page, button(page, t("Subscribe", "hub_newsletter")))
    assert any(t("Almost done: we have sent you an e-mail. Confirm the subscription with the "
                 "link in it.", "hub_newsletter") in text for text in flash(page))

    def status():
        """A request waiting for confirmation, or the ledger's latest word on the list."""
        from hub.consent import ConsentRecord

        action = db_scalar(live_server, sa.select(ConsentRecord.action).where(
            ConsentRecord.email == email, ConsentRecord.purpose == "newsletter.list")
            .order_by(ConsentRecord.at.desc(), ConsentRecord.id.desc()).limit(1))
        if action is not None:
            return {"given": "confirmed", "withdrawn": "unsubscribed"}[action]
        waiting = db_scalar(live_server, sa.select(Subscription.id).join(Subscriber).where(
            Subscriber.email == email))
        return "pending" if waiting is not None else None

    assert status() == "pending"
    message = wait_for_mail(live_server, email, t("Confirm your subscription",
                                                  "hub_newsletter"))
    page.goto(link_in(live_server, mail_text(message), "/newsletter/confirm/"))
    activate(page, button(page, t("Yes, confirm the subscription", "hub_newsletter")))
    assert status() == "confirmed"

    subject = f"Novinky {uuid.uuid4().hex[:6]}"
    list_id = db_scalar(live_server, sa.select(NewsletterList.id).where(
        NewsletterList.name == list_name))
    send_newsletter(live_server, list_id, subject)
    newsletter = wait_for_mail(live_server, email, subject)
    assert newsletter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    page.goto(link_in(live_server, mail_text(newsletter), "/newsletter/u/"))
    activate(page, button(page, t("Unsubscribe from all newsletters", "hub_newsletter")))
    assert page.get_by_role("status").filter(has_text=t(
        "You are unsubscribed. We will not send you any more newsletters.",
        "hub_newsletter")).is_visible()
    assert status() == "unsubscribed"


# -- 6. staff: a CRM segment, a campaign to it, a booking approved -----------------------

@LOCALES
def test_staff_segment_and_campaign(page_for, live_server, screenshot, locale):
    from hub_newsletter.models import Campaign

    t = translator(live_server, locale)
    staff = page_for("staff@example.org", locale)
    segment = f"Praha {locale} {uuid.uuid4().hex[:6]}"

    # A CRM segment: contacts in Prague who agreed to newsletters.
    staff.goto(live_server.url + "/")
    activate(staff, admin_menu(staff, t, t("Segments", "hub_crm")))
    activate(staff, link(staff, t("New segment", "hub_crm")))
    type_into(staff, staff.get_by_label(t("Name", "hub_crm"), exact=True), segment)
    condition = staff.get_by_role("group", name=re.compile(
        "^" + re.escape(t("Condition", "hub_crm")) + r"\s+1$"))
    choose(staff, condition.get_by_role("combobox", name=t("or another condition", "hub_crm")),
           t("Region", "hub_crm"))
    type_into(staff, condition.get_by_role("textbox", name=t("with the value", "hub_crm")),
              "Praha")
    activate(staff, button(staff, t("Save segment", "hub_crm")))
    assert staff.get_by_role("heading", name=segment, level=1).is_visible(), flash(staff)
    screenshot(staff, f"crm-segment-{locale}")

    # A campaign to the segment: written by staff, approved and sent by an administrator.
    subject = f"Pozvánka {uuid.uuid4().hex[:6]}"
    activate(staff, admin_menu(staff, t, t("Newsletters", "hub_newsletter")))
    activate(staff, link(staff, t("New campaign", "hub_newsletter")))
    type_into(staff, staff.get_by_label(t("Subject", "hub_newsletter"), exact=True), subject)
    check(staff, staff.get_by_role("checkbox", name=re.compile("^" + re.escape(segment))))
    activate(staff, button(staff, t("Save", "hub_newsletter")))
    campaign_url = staff.url
    activate(staff, button(staff, t("Submit for approval", "hub_newsletter")))
    admin = page_for("admin@example.org", locale)
    admin.goto(campaign_url)
    activate(admin, button(admin, t("Approve", "hub_newsletter")))
    send = button(admin, t("Send", "hub_newsletter"))
    tab_to(admin, send)
    started = time.monotonic()
    with admin.expect_navigation(timeout=45_000):  # the time a stuck send holds SQLite
        admin.keyboard.press("Enter")
    assert time.monotonic() - started < 8, "sending the campaign blocked the request"
    screenshot(admin, f"campaign-{locale}")
    campaign = db_scalar(live_server, sa.select(Campaign).where(Campaign.subject == subject))
    assert campaign.status in ("sending", "sent")
    assert any(subject in subject_of(m) for _f, _to, m in live_server.mail.messages)


@LOCALES
def test_staff_approves_a_booking(page_for, live_server, locale):
    from hub_booking.models import Reservation

    t = translator(live_server, locale)
    staff = page_for("staff@example.org", locale)
    # A member books the hall (bookings of it need approval); staff approve it.
    member = page_for(new_member(live_server, locale, "organiser"), locale)
    title = f"Valná hromada {uuid.uuid4().hex[:6]}"
    day = weekday_ahead(4 if locale == "cs" else 5, live_server)
    book_room(member, live_server, t, "Velký sál", day, "09:00", "11:00", title, locale)
    activate(member, button(member, t("Book", "hub_booking")))
    status = sa.select(Reservation.status).where(Reservation.title == title)
    assert db_scalar(live_server, status) == "pending"
    staff.goto(live_server.url + "/")
    activate(staff, admin_menu(staff, t, t("Bookings", "hub_booking")))
    activate(staff, link(staff, title))
    activate(staff, button(staff, t("Approve", "hub_booking")))
    assert db_scalar(live_server, status) == "approved"
