"""After a failed submission the error summary has the focus and the title starts with
"Chyba:" / "Error:" (WCAG 3.3.1, 2.4.3), on the core's forms and on the plugins'.

Each case opens a form as the person who uses it, leaves it empty or gets one answer wrong,
sends it, and looks at where the focus is, what the title says, and whether the fields to
blame are marked invalid and point to their messages (the core's pattern).
"""
import datetime as dt
import secrets

import pytest
import sqlalchemy as sa
from keyboard import db_scalar, translator, weekday_ahead

pytestmark = [pytest.mark.browser]

MEMBER = "member@example.org"
STAFF = "staff@example.org"
REPRESENTATIVE = "rep@example.org"
ADMIN = "admin@example.org"
GUEST = "guest@example.org"


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


def clear(selector):
    """Empty the fields a form shows filled in (an edit form), so that it fails."""

    def _clear(page):
        fields = page.locator(selector)
        for n in range(fields.count()):
            fields.nth(n).fill("")

    return _clear


def listed_without_a_name(page):
    """Shown in the directory by region, but not by name: nobody could be listed so."""
    page.locator("#directory_name").uncheck()
    page.locator("#directory_region").check()


def read_the_case(page):
    """A counsellor opens the question first (each reading is recorded)."""
    with page.expect_navigation():
        page.locator("#counselling-read button[type=submit]").click()


def stale_version(selector):
    """The text the person agreed to changed while they read it (a form with no other
    error a person can make)."""

    def _stale(page):
        page.locator(selector).first.evaluate("el => { el.value = 'outdated'; }")

    return _stale


def members_reservation(live):
    """A booking the member asked for (the demo has none of the member's own)."""
    from zoneinfo import ZoneInfo

    from hub.accounts.models import User
    from hub_booking.models import Reservation

    day = weekday_ahead(30, live)
    starts = dt.datetime.combine(day, dt.time(9), ZoneInfo("Europe/Prague")).astimezone(dt.UTC)
    with live.registry["hub.dbsession_factory"]() as db:
        member = db.scalar(sa.select(User.id).where(User.email == MEMBER))
        reservation = Reservation(room_id=bookable_room(live), user_id=member,
                                  title="Schůzka výboru", starts_at=starts,
                                  ends_at=starts + dt.timedelta(hours=1),
                                  blocked_until=starts + dt.timedelta(hours=1))
        db.add(reservation)
        db.commit()
        return reservation.id


def closure(live):
    from hub_booking.models import ClosedPeriod

    return db_scalar(live, sa.select(ClosedPeriod.id).order_by(ClosedPeriod.id))


def counselling_case(live):
    from hub_counselling.models import Case

    return db_scalar(live, sa.select(Case.id).where(Case.status != "closed").order_by(Case.id))


def guests_case(live):
    from hub.accounts.models import User
    from hub_counselling.models import Case

    return db_scalar(live, sa.select(Case.id).join(User, User.id == Case.user_id).where(
        User.email == GUEST, Case.status != "closed").order_by(Case.id))


def crm_contact(live):
    from hub_crm.models import Contact

    return db_scalar(live, sa.select(Contact.id).order_by(Contact.id))


def crm_field(live):
    from hub_crm.models import CustomField

    return db_scalar(live, sa.select(CustomField.id).order_by(CustomField.id))


def represented_organisation(live):
    from hub.accounts.models import User
    from hub.organizations.models import Membership, Organisation

    return db_scalar(live, sa.select(Organisation.slug)
                     .join(Membership, Membership.organisation_id == Organisation.id)
                     .join(User, User.id == Membership.user_id)
                     .where(User.email == REPRESENTATIVE, Membership.is_representative)
                     .order_by(Organisation.id))


def course(live):
    from hub_elearning.models import Course

    return db_scalar(live, sa.select(Course.id).order_by(Course.id))


def section(live):
    from hub_elearning.models import Section

    return db_scalar(live, sa.select(Section.id).order_by(Section.id))


def quiz(live):
    from hub_elearning.models import Lesson

    return db_scalar(live, sa.select(Lesson.id).where(Lesson.kind == "quiz").order_by(Lesson.id))


def release_link(live):
    """The personal link of a speaker asked to release the recording of a coming talk."""
    from hub_events.models import Event, Talk
    from hub_events.release import link_token

    with live.registry["hub.dbsession_factory"]() as db:
        event = db.get(Event, open_public_event(live))
        talk = Talk(event_id=event.id, title="Otázky a odpovědi", speaker="Jana Řečnická",
                    speaker_email=f"speaker-{secrets.token_hex(4)}@example.org",
                    starts_at=event.starts_at, ends_at=event.ends_at,
                    release_key=secrets.token_urlsafe(32))
        db.add(talk)
        db.commit()
        return f"/events/release/{link_token(talk)}"


MEMBER_FORMS = [
    ("sign-in", None, "/login", "main form.hub-form", None, True),
    ("registration", None, "/register", "main form.hub-form", None, True),
    ("password reset", None, "/account/reset", "main form.hub-form", None, True),
    ("password change", MEMBER, "/account/password", "main form.hub-form", None, True),
    ("e-mail change", MEMBER, "/account/email", "main form.hub-form", None, True),
    ("account deletion", MEMBER, "/profile/delete", "main form.hub-form", None, True),
    ("API token", MEMBER, "/profile/tokens", "#token-create-form", None, True),
    # A consent about health given without ticking the box that makes it explicit.
    ("explicit consent", MEMBER, "/my/consents",
     "form[id^=give-]:has(input[name=explicit]) >> nth=0", None, True),
    ("accessibility feedback", None, "/accessibility/feedback", "#feedback-form", None, True),
    ("interests", MEMBER, "/my/interests", "#interests-form", consent_text_changed_meanwhile,
     False),
    ("booking request", MEMBER, lambda live: f"/booking/rooms/{bookable_room(live)}/book",
     "#booking-form", None, True),
    ("booking change", MEMBER,
     lambda live: f"/booking/reservations/{members_reservation(live)}/edit", "#edit-form",
     clear("#edit-form input[name=date]"), True),
    ("event registration", None, lambda live: f"/events/{open_public_event(live)}",
     "#events-register", None, True),
    ("recording release", None, release_link, "#events-release | button[value=give]",
     stale_version("#events-release input[name=text_version]"), False),
    ("newsletter subscription", None, "/newsletter", "#newsletter-subscribe", None, True),
    ("counselling question", None, "/counselling", "#counselling-ask", None, True),
    ("counselling follow-up", GUEST, lambda live: f"/counselling/mine/{guests_case(live)}",
     "#counselling-answer", None, True),
    ("contact preferences", MEMBER, "/crm/my-preferences", "#preferences-form",
     listed_without_a_name, True),
    ("organisation directory entry", REPRESENTATIVE,
     lambda live: f"/crm/organisations/{represented_organisation(live)}/edit",
     "#organisation-form", clear("#organisation-form #name"), True),
]

STAFF_FORMS = [
    ("topic", "/topics/manage/new", "#topic-form", None),
    ("news article", "/news/manage/new", "#news-article", None),
    ("event", "/events/manage/new", "#events-event", None),
    ("room", "/booking/manage/rooms/new", "#room-form", None),
    ("closure", lambda live: f"/booking/manage/closures/{closure(live)}", "#closure-form",
     clear("#closure-form input[type=date]")),
    ("booking quota", "/booking/manage/quotas", "#quota-form", None),
    ("counselling answer", lambda live: f"/counselling/staff/{counselling_case(live)}",
     "#counselling-reply", read_the_case),
    ("CRM contact", "/crm/staff/contacts/new", "#contact-form", None),
    ("CRM contact merge", lambda live: f"/crm/staff/contacts/{crm_contact(live)}/merge",
     "#merge-form", None),
    ("CRM import", "/crm/staff/import", "#import-form", None),
    ("CRM segment", "/crm/staff/segments/new", "#segment-form", None),
    ("CRM task", "/crm/staff/tasks", "#task-form", None),
    ("course", "/elearning/manage/new", "#course-form", None),
    ("course change", lambda live: f"/elearning/manage/courses/{course(live)}",
     "#course-form", clear("#course-form #field-title")),
    ("lesson", lambda live: f"/elearning/manage/sections/{section(live)}/lessons/new",
     "#lesson-form", None),
    ("event recording as a lesson", lambda live: f"/elearning/manage/courses/{course(live)}/import",
     "#import-form", None),
    ("quiz question", lambda live: f"/elearning/manage/lessons/{quiz(live)}", "#question-form",
     None),
    ("mailing list", "/newsletter/admin/lists/new", "#newsletter-list", None),
    ("newsletter campaign", "/newsletter/admin/campaigns/new", "#newsletter-campaign", None),
]

ADMIN_FORMS = [
    ("counselling template", "/counselling/staff/templates", "#counselling-template-new", None),
    ("CRM field", "/crm/staff/fields", "#field-form", None),
    ("CRM field change", lambda live: f"/crm/staff/fields/{crm_field(live)}/edit",
     "#field-form", clear("#field-form #label")),
]

def represented_organisation_id(live):
    from hub.accounts.models import User
    from hub.organizations.models import Membership

    return db_scalar(live, sa.select(Membership.organisation_id)
                     .join(User, User.id == Membership.user_id)
                     .where(User.email == REPRESENTATIVE, Membership.is_representative)
                     .order_by(Membership.organisation_id))


def faq_entry(live):
    """An entry of the counselling FAQ (the demo publishes none)."""
    from hub_counselling.models import FaqEntry

    with live.registry["hub.dbsession_factory"]() as db:
        entry = FaqEntry(source=f"case:{secrets.randbelow(10**6)}", category="other",
                         question_cs="Jak dlouho trvá odpověď?",
                         answer_cs="Obvykle do tří pracovních dnů.")
        db.add(entry)
        db.commit()
        return f"/counselling/staff/faq/{entry.id}"


def invitation_for_the_member(live):
    """An invitation of the member to an organisation they are not in yet."""
    from hub.accounts.models import User
    from hub.organizations.models import Membership, Organisation

    with live.registry["hub.dbsession_factory"]() as db:
        member = db.scalar(sa.select(User).where(User.email == MEMBER))
        organisation = db.scalar(sa.select(Organisation.id).where(
            ~Organisation.id.in_(sa.select(Membership.organisation_id).where(sa.or_(
                Membership.user_id == member.id, Membership.email == MEMBER))))
            .order_by(Organisation.id))
        invitation = Membership(organisation_id=organisation, email=MEMBER, state="invited",
                                invitee_id=member.id, token_digest=secrets.token_hex(32),
                                expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=7))
        db.add(invitation)
        db.commit()
        return f"/my/organisations/invitations/{invitation.id}"


# Forms of organisations as actors, and the admin's and a few plugins' staff forms:
# (name, who, address, form, what to do first, whether a field is to blame).
MORE_FORMS = [
    ("new organisation", ADMIN, "/admin/organisations/new", "main form.hub-form", None, True),
    ("organisation event", REPRESENTATIVE,
     lambda live: f"/events/organisation/{represented_organisation_id(live)}/new",
     "#events-event", None, True),
    ("organisation news", REPRESENTATIVE,
     lambda live: f"/organisation/{represented_organisation_id(live)}/news/new",
     "main form.hub-form", None, True),
    ("working group", REPRESENTATIVE, "/working-groups/new", "main form.hub-form", None, True),
    ("message to an organisation", MEMBER,
     lambda live: f"/contact/organisation/{represented_organisation_id(live)}",
     "main form.hub-form", None, True),
    ("invitation answer", MEMBER, invitation_for_the_member,
     "#invitation-form | button[value=accept]", None, True),
    ("counselling FAQ entry", STAFF, faq_entry, "#counselling-faq-form",
     clear("#counselling-faq-form textarea"), True),
    ("grant call", STAFF, "/grants/staff/calls/new", "#grants-call-form", None, True),
    # Returning an organisation's news or event needs a comment for the organisation.
    ("organisation news review", STAFF, lambda live: submitted_organisation_news(live),
     "section[aria-labelledby=news-waiting] form >> nth=0 | button[value=return]", None, True),
    ("organisation event review", STAFF, lambda live: submitted_organisation_event(live),
     "#review form.hub-form >> nth=0 | button[value=return]", None, True),
    # Confirming a registration proposed on one's behalf without accepting the privacy notice.
    ("registration on one's behalf", MEMBER, lambda live: proposal_for_the_member(live),
     "#events-proposal | button[value=confirm]", None, True),
]

# (name, who, address or a function of the live server giving it, form (" | " and the
# button when not its last one), what to do first, whether a field is to blame): every
# form of the core and the plugins that checks what is sent. Each is checked once, half of
# them in English, on pages reused per person.
FORMS = MEMBER_FORMS + [(name, STAFF, address, form, prepare, True)
                        for name, address, form, prepare in STAFF_FORMS] + [
    (name, ADMIN, address, form, prepare, True) for name, address, form, prepare in ADMIN_FORMS
] + MORE_FORMS
# The guest's account speaks English, which its pages follow.
CASES = [(*form, "en" if n % 2 or form[1] == GUEST else "cs") for n, form in enumerate(FORMS)]


@pytest.fixture(scope="module")
def pages(browser, live_server, sign_in_as):
    """One page per person and language, reused by every case (a new context per case
    would sign in again each time)."""
    made: dict = {}

    def _page(email, locale):
        if (email, locale) not in made:
            context = browser.new_context(locale=locale)
            context.set_default_timeout(10_000)
            context.set_default_navigation_timeout(30_000)
            if locale != "cs":
                context.add_cookies([{"name": "hub_lang", "value": locale,
                                      "url": live_server.url}])
            if email:
                sign_in_as(context, live_server, email)
            made[(email, locale)] = (context, context.new_page())
        return made[(email, locale)][1]

    yield _page
    for context, _opened in made.values():
        context.close()


@pytest.mark.parametrize("name,who,address,form,prepare,field,locale", CASES,
                         ids=[f"{c[0]} ({c[-1]})" for c in CASES])
def test_a_failed_submission_focuses_the_error_summary_and_titles_the_page(
        pages, live_server, name, who, address, form, prepare, field, locale):
    t = translator(live_server, locale)
    page = pages(who, locale)
    path = address(live_server) if callable(address) else address
    page.goto(live_server.url + path)
    title = page.title()
    assert not title.startswith(t("Error:"))
    if prepare:
        prepare(page)
    # What the server answers is under test: the browser's own checks (``required``) that
    # would stop the submission first are switched off.
    form, _sep, button = form.partition(" | ")
    page.locator(form).evaluate("f => { f.noValidate = true; }")
    with page.expect_navigation():
        page.locator(form).locator(button or "button[type=submit] >> nth=-1").click()

    if page.url.split("?")[0] == live_server.url + path:
        assert page.title() == f"{t('Error:')} {title}"
    else:  # a form sent to a page of its own (a quiz's new question)
        assert page.title().startswith(f"{t('Error:')} ")
    summary = page.locator(".hub-error-summary")
    assert summary.count() == 1
    assert summary.get_attribute("tabindex") == "-1"
    assert page.evaluate(
        "document.activeElement && document.activeElement.matches('.hub-error-summary')")
    if field:
        # Each field to blame says so, and names its message, which opens with a hidden
        # "Error:" for screen readers.
        invalid = page.locator("main [aria-invalid=true]")
        assert invalid.count() >= 1, f"no field of {name} is marked aria-invalid"
        for n in range(invalid.count()):
            described = (invalid.nth(n).get_attribute("aria-describedby") or "").split()
            messages = [page.locator(f"[id='{i}']") for i in described]
            errors = [m for m in messages if m.count() and m.evaluate(
                "el => el.classList.contains('hub-error')")]
            assert errors, f"{name}: an invalid field without its message"
            assert errors[0].locator(".visually-hidden").first.inner_text().strip() == t(
                "Error:")


def test_a_page_without_errors_keeps_its_title_and_the_focus_where_it_was(page_for, live_server):
    page = page_for()
    page.goto(live_server.url + "/login")
    assert not page.title().startswith("Chyba:")
    assert page.evaluate("document.activeElement === document.body")


def submitted_organisation_news(live):
    """A post of the representative's organisation waiting for the staff (the newest, so
    the first on the review page)."""
    from hub.accounts.models import User
    from hub.organizations.network_models import OrganisationNews

    organisation = represented_organisation_id(live)
    with live.registry["hub.dbsession_factory"]() as db:
        author = db.scalar(sa.select(User.id).where(User.email == REPRESENTATIVE))
        db.add(OrganisationNews(organisation_id=organisation, author_id=author,
                                title="Nová poradna v Brně", body="Od ledna radíme i v Brně.",
                                state="submitted"))
        db.commit()
    return "/admin/organisation-news"


def submitted_organisation_event(live):
    """An event of the representative's organisation waiting for the staff's review."""
    from hub.accounts.models import User
    from hub_events.models import Event

    organisation = represented_organisation_id(live)
    starts = dt.datetime.combine(weekday_ahead(25, live), dt.time(15), dt.UTC)
    with live.registry["hub.dbsession_factory"]() as db:
        author = db.scalar(sa.select(User.id).where(User.email == REPRESENTATIVE))
        db.add(Event(title="Den otevřených dveří", organisation_id=organisation,
                     created_by_id=author, venue="address", address="Praha 2",
                     starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
                     state="submitted", taken=0))
        db.commit()
    return "/events/manage"


def proposal_for_the_member(live):
    """The member's personal link to a registration their organisation's representative
    proposed, for an event with a privacy notice to accept."""
    from hub.accounts.models import User
    from hub_events.models import Event, Proposal
    from hub_events.on_behalf import link_token

    organisation = represented_organisation_id(live)
    starts = dt.datetime.combine(weekday_ahead(25, live), dt.time(17), dt.UTC)
    with live.registry["hub.dbsession_factory"]() as db:
        member = db.scalar(sa.select(User.id).where(User.email == MEMBER))
        representative = db.scalar(sa.select(User.id).where(User.email == REPRESENTATIVE))
        event = Event(title="Beseda o výživě", venue="online",
                      online_url="https://meet.example.org/beseda", starts_at=starts,
                      ends_at=starts + dt.timedelta(hours=2), state="published", taken=0,
                      privacy_notice="Údaje o účastnících zpracovává pořadatel.")
        db.add(event)
        db.flush()
        proposal = Proposal(event_id=event.id, user_id=member, proposed_by_id=representative,
                            organisation_id=organisation, access_key=secrets.token_urlsafe(32))
        db.add(proposal)
        db.commit()
        return f"/events/proposal/{link_token(proposal)}"
