import datetime as dt

import sqlalchemy as sa

from hub.db import utcnow
from hub.testing import html_text

from .conftest import api_headers, form_post


def test_public_list_detail_and_calendar(testapp, make_event, dbsession):
    event = make_event(title="Jak číst výsledky", topics=["diabetes"], capacity=20)
    make_event(title="Koncept", state="draft")
    page = testapp.get("/events")
    text = html_text(page)
    assert "Jak číst výsledky" in text and "Koncept" not in text
    detail = testapp.get(f"/events/{event.id}")
    assert "Jak číst výsledky" in html_text(detail)
    assert "https://meet.example.org/x" not in detail.text  # stream link only for registered
    assert '<meta property="og:title" content="Jak číst výsledky">' in detail.text
    ics = testapp.get(f"/events/{event.id}/event.ics")
    assert ics.content_type == "text/calendar" and b"SUMMARY:Jak \xc4\x8d" in ics.body
    feed = testapp.get("/events/calendar.ics")
    assert feed.body.count(b"BEGIN:VEVENT") >= 1
    testapp.get(f"/events/{event.id + 1000}", status=404)


def test_filters(testapp, make_event):
    make_event(title="Online seminář", kind="seminar", venue="online", address="",
               accessibility=[])
    make_event(title="Workshop v Praze", kind="workshop", venue="address",
               accessibility=["step_free", "lift"])
    text = html_text(testapp.get("/events?mode=online"))
    assert "Online seminář" in text and "Workshop v Praze" not in text
    text = html_text(testapp.get("/events?kind=workshop"))
    assert "Workshop v Praze" in text and "Online seminář" not in text
    text = html_text(testapp.get("/events?access=lift"))
    assert "Workshop v Praze" in text and "Online seminář" not in text
    text = html_text(testapp.get("/events?access=lift&access=parking"))
    assert "Workshop v Praze" not in text
    api = testapp.get("/api/v1/events?access=step_free&access=lift").json
    assert [e["title"] for e in api["items"]] == ["Workshop v Praze"]


def test_member_registers_sees_link_and_cancels(testapp, users, make_event, dbsession):
    from hub_events.models import Registration

    event = make_event(capacity=5)
    testapp.login(users.member)
    page = testapp.get(f"/events/{event.id}")
    form = page.forms["events-register"]
    form["needs_sign_language"] = True
    form["needs_consent"] = True
    form.submit().follow()
    registration = dbsession.scalar(sa.select(Registration).where(
        Registration.event_id == event.id))
    assert registration.status == "confirmed" and registration.needs_sign_language
    page = testapp.get(f"/events/{event.id}")
    assert "https://meet.example.org/x" in page.text
    # a second registration is refused and writes nothing
    resp = form_post(testapp, f"/events/{event.id}/register", {}, status=409)
    assert "already registered" in html_text(resp) or "již" in html_text(resp)
    page.forms["events-cancel"].submit().follow()
    dbsession.refresh(registration)
    dbsession.refresh(event)
    assert registration.status == "cancelled" and event.taken == 0


def test_registration_after_close_is_refused(testapp, users, make_event, dbsession):
    from hub_events.models import Registration

    event = make_event(registration_closes_at=utcnow() - dt.timedelta(hours=1))
    testapp.login(users.member)
    assert "events-register" not in testapp.get(f"/events/{event.id}").forms
    form_post(testapp, f"/events/{event.id}/register", {}, status=422)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_guest_registration_needs_email_confirmation(testapp, make_event, dbsession):
    from hub.mail import MailMessage
    from hub_events.models import Registration
    from hub_events.services import link_token

    event = make_event(capacity=3, privacy_notice="Zpracováváme vaše údaje.")
    page = testapp.get(f"/events/{event.id}")
    form = page.forms["events-register"]
    form["name"], form["email"] = "Host Hostovský", "not-an-email"
    form["privacy"] = True
    resp = form.submit(status=422)
    assert 'aria-invalid="true"' in resp.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    form = resp.forms["events-register"]
    form["email"] = "Host@Example.org"
    form.submit().follow()
    registration = dbsession.scalar(sa.select(Registration))
    assert registration.status == "unverified" and registration.email == "host@example.org"
    dbsession.refresh(event)
    assert event.taken == 0
    mail = dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == "host@example.org")).all()
    token = link_token(registration, "verify")
    assert any(token in m.text for m in mail)
    # GET shows a button and changes nothing; POST confirms
    page = testapp.get(f"/events/r/verify/{token}")
    dbsession.refresh(registration)
    assert registration.status == "unverified"
    page.forms["events-link"].submit().follow()
    dbsession.refresh(registration)
    assert registration.status == "confirmed"
    testapp.get(f"/events/r/verify/{registration.id}.forged", status=404)
    testapp.get(f"/events/r/cancel/{token}", status=404)  # purpose-bound


def test_members_only_event_refuses_guests(testapp, make_event):
    event = make_event(audience="members")
    form_post(testapp, f"/events/{event.id}/register",
                      {"name": "Host", "email": "host@example.org"}, status=422)


def test_draft_event_is_hidden_from_the_public(testapp, make_event):
    event = make_event(state="draft")
    testapp.get(f"/events/{event.id}", status=404)


def test_staff_creates_and_edits_an_event(testapp, users, dbsession):
    from hub_events.models import Event

    testapp.login(users.staff)
    page = testapp.get("/events/manage/new")
    form = page.forms["events-event"]
    form["title"] = "Seminář o právech pacientů"
    form["starts_at"] = "2031-03-10T17:00"
    form["ends_at"] = "2031-03-10T16:00"
    form["venue"] = "address"
    form["address"] = "Praha"
    form["capacity"] = "abc"
    resp = form.submit(status=422)
    assert "hub-error-summary" in resp.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Event)) == 0
    form = resp.forms["events-event"]
    form["ends_at"] = "2031-03-10T19:00"
    form["capacity"] = "25"
    form["state"] = "published"
    form.submit().follow()
    event = dbsession.scalar(sa.select(Event))
    assert event.capacity == 25 and event.starts_at.hour == 16  # 17:00 Prague = 16:00 UTC
    testapp.get("/events/manage").mustcontain("Seminář o právech pacientů")


def test_members_cannot_manage(testapp, users, make_event):
    event = make_event()
    testapp.login(users.member)
    testapp.get("/events/manage", status=403)
    testapp.get(f"/events/manage/{event.id}/registrations", status=403)
    testapp.get(f"/events/manage/{event.id}/registrations.csv", status=403)


def test_guest_registering_again_gets_the_link_again(testapp, make_event, dbsession):
    from hub.mail import MailMessage
    from hub_events.models import Registration

    event = make_event()
    fields = {"name": "Host", "email": "znovu@example.org"}
    form_post(testapp, f"/events/{event.id}/register", fields).follow()
    form_post(testapp, f"/events/{event.id}/register", fields).follow()
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(MailMessage).where(
        MailMessage.recipient == "znovu@example.org")) == 2


def test_month_calendar(testapp, make_event):
    from hub_events.services import local

    event = make_event(title="Kalendářová akce")
    month = local(event.starts_at).strftime("%Y-%m")
    page = testapp.get(f"/events/calendar?month={month}")
    assert "Kalendářová akce" in html_text(page)
    testapp.get("/events/calendar?month=nonsense")
    assert "Kalendářová akce" not in html_text(testapp.get("/events/calendar?month=2001-01"))


def test_several_optional_questions(testapp, users, make_event, dbsession):
    from hub_events.models import Registration

    event = make_event(questions="Jakou máte diagnózu?\nCo od akce očekáváte?\n")
    testapp.login(users.member)
    form = testapp.get(f"/events/{event.id}").forms["events-register"]
    form["answer-0"] = "Diabetes 1. typu"
    form.submit().follow()
    registration = dbsession.scalar(sa.select(Registration))
    assert registration.answer == "Jakou máte diagnózu?: Diabetes 1. typu"
    testapp.login(users.representative)
    api = testapp.post_json(f"/api/v1/events/{event.id}/registrations",
                            {"answers": ["", "Nové informace"]},
                            headers=api_headers(testapp), status=201).json
    answer = dbsession.get(Registration, api["id"]).answer
    assert answer == "Co od akce očekáváte?: Nové informace"



def test_guest_registration_errors_are_marked_like_core_forms(testapp, make_event):
    event = make_event(audience="public")
    for field, values in (("register-name", {"name": "", "email": "host@example.org"}),
                          ("register-email", {"name": "Host", "email": "not-an-address"})):
        page = form_post(testapp, f"/events/{event.id}/register", values, status="*")
        control = page.html.find("input", id=field)
        assert control["aria-invalid"] == "true"
        assert f"{field}-error" in control["aria-describedby"].split()
        error = page.html.find(id=f"{field}-error")
        assert error.find(class_="visually-hidden").text == "Chyba:"
        assert page.html.find("title").text.startswith("Chyba: ")


def test_confirmation_mail_links_to_the_cancellation(testapp, users, make_event, dbsession):
    """The HTML mail makes the cancel address a link of its own (next to "Open in the hub",
    which leads to the event), and that link cancels this very registration."""
    import re

    from hub.mail import MailMessage
    from hub_events.models import Registration
    from hub_events.services import link_token

    event = make_event(capacity=5)
    testapp.login(users.member)
    testapp.get(f"/events/{event.id}").forms["events-register"].submit().follow()
    registration = dbsession.scalar(sa.select(Registration))
    mail = dbsession.scalar(sa.select(MailMessage).where(
        MailMessage.recipient == users.member.email))
    cancel_path = f"/events/r/cancel/{link_token(registration, 'cancel')}"
    assert f'<a href="https://hub.example.org{cancel_path}">' in mail.html
    assert re.search(r"https://hub\.example\.org/events/r/cancel/\S+", mail.text).group(0) \
        == f"https://hub.example.org{cancel_path}"
    testapp.reset()  # opened from the mail, possibly signed out
    testapp.get(cancel_path).forms["events-link"].submit().follow()
    dbsession.refresh(registration)
    assert registration.status == "cancelled"


def test_filtered_paged_and_monthly_views_have_titles_of_their_own(testapp, make_event):
    import html
    import re

    def title(url):
        page = testapp.get(url)
        return html.unescape(re.search(r"<title>([^<]*)</title>", page.text).group(1)), page

    plain, _page = title("/events")
    assert plain.startswith("Vzdělávací akce |")
    assert title("/events?kind=workshop&page=2")[0].startswith("Vzdělávací akce – Workshop – "
                                                              "strana 2 |")
    march, page = title("/events/calendar?month=2031-03")
    assert march.startswith("Kalendář akcí – březen 2031 |")
    assert html_text(page.html.find("h1")) == "Kalendář akcí – březen 2031"


def test_new_event_form_preselects_no_venue(testapp, users, dbsession):
    from hub_events.models import Event

    testapp.login(users.staff)
    form = testapp.get("/events/manage/new").forms["events-event"]
    assert form["venue"].value == ""
    assert [o[0] for o in form["venue"].options][:2] == ["", "room"]
    form["title"] = "Kde to bude?"
    form["starts_at"], form["ends_at"] = "2031-03-10T17:00", "2031-03-10T19:00"
    resp = form.submit(status=422)
    assert 'id="event-venue-error"' in resp.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Event)) == 0
    form = resp.forms["events-event"]
    form["venue"], form["address"] = "address", "Palackého náměstí 4, Praha"
    form["state"] = "published"
    form.submit().follow()
    event = dbsession.scalar(sa.select(Event))
    assert "Osobně na adrese: Palackého náměstí 4, Praha" in html_text(
        testapp.get(f"/events/{event.id}"))


def test_past_event_shows_no_places_or_stream_promise(testapp, users, make_event):
    start = utcnow() - dt.timedelta(days=3)
    event = make_event(capacity=20, starts_at=start)
    text = html_text(testapp.get(f"/events/{event.id}"))
    assert "Akce už proběhla." in text
    assert "volná místa" not in text
    assert "se zde zobrazí přihlášeným účastníkům" not in text
    upcoming = html_text(testapp.get(f"/events/{make_event(capacity=20).id}"))
    assert "volná místa: 20 z 20" in upcoming and "Akce už proběhla." not in upcoming


def test_registration_button_is_not_worded_like_signing_in(testapp, make_event):
    page = testapp.get(f"/events/{make_event().id}")
    button = page.html.select_one("#events-register button[type=submit]")
    assert button.get_text(strip=True) == "Odeslat přihlášku"
    testapp.set_cookie("hub_lang", "en")
    page = testapp.get(page.request.path)
    assert page.html.select_one("#events-register button[type=submit]").get_text(
        strip=True) == "Register for this event"
