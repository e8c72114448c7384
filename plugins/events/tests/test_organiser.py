import datetime as dt

import sqlalchemy as sa

from hub.db import utcnow
from hub.testing import html_text

from .conftest import form_post, job_request


def _register(dbsession, event, user, status="confirmed", **values):
    from hub_events.models import Registration
    from hub_events.services import new_access_key

    registration = Registration(event_id=event.id, user_id=user.id if user else None,
                                email=values.pop("email", user.email if user else ""),
                                name=values.pop("name", user.name if user else ""),
                                status=status, access_key=new_access_key(), **values)
    dbsession.add(registration)
    if status in ("confirmed", "offered"):
        event.taken += 1
    dbsession.flush()
    return registration


def test_needs_only_for_organisers_and_csv_only_when_chosen(testapp, users, make_event,
                                                             dbsession):
    event = make_event(capacity=10)
    event.organisers = [users.staff]
    _register(dbsession, event, users.member, needs_sign_language=True,
              needs_note="=HYPERLINK(\"x\")")
    testapp.login(users.staff)
    page = testapp.get(f"/events/manage/{event.id}/registrations")
    assert "HYPERLINK" in page.text
    plain = testapp.get(f"/events/manage/{event.id}/registrations.csv").text
    assert "member@test.example" in plain and "sign_language" not in plain
    assert "HYPERLINK" not in plain
    full = testapp.get(f"/events/manage/{event.id}/registrations.csv?needs=1").text
    assert "sign_language" in full and "'=HYPERLINK" in full
    testapp.login(users.representative)
    assert "HYPERLINK" not in testapp.get(f"/events/{event.id}").text


def test_csv_export_neutralises_names_and_answers(testapp, users, make_event, dbsession):
    import csv
    import io

    event = make_event(capacity=10)
    _register(dbsession, event, None, name='=HYPERLINK("https://evil.example")',
              email="host@example.org", answer="+420 777 000 000")
    testapp.login(users.staff)
    text = testapp.get(f"/events/manage/{event.id}/registrations.csv").body.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text)))
    assert header[0] == "name"
    assert row[0] == '\'=HYPERLINK("https://evil.example")'
    assert row[header.index("answer")] == "'+420 777 000 000"


def test_approval_flow(testapp, users, make_event, dbsession):
    event = make_event(capacity=1, approval_required=True)
    registration = _register(dbsession, event, users.member, status="pending")
    testapp.login(users.staff)
    page = testapp.get(f"/events/manage/{event.id}/registrations")
    page.forms[f"decide-approve-{registration.id}"].submit("action", value="approve").follow()
    dbsession.refresh(registration)
    dbsession.refresh(event)
    assert registration.status == "confirmed" and event.taken == 1


def test_offer_accept_and_expiry(testapp, users, make_event, dbsession, registry):
    from hub_events import services

    event = make_event(capacity=1)
    first = _register(dbsession, event, users.member)
    second = _register(dbsession, event, users.representative, status="waitlisted",
                       created_at=utcnow() - dt.timedelta(minutes=5))
    third = _register(dbsession, event, users.other_representative, status="waitlisted")
    testapp.login(users.member)
    testapp.get(f"/events/{event.id}").forms["events-cancel"].submit().follow()
    dbsession.refresh(second)
    assert second.status == "offered"
    # the offer runs out: the next person gets it
    second.offered_until = utcnow() - dt.timedelta(minutes=1)
    dbsession.flush()
    assert services.expire_offers(job_request(registry, dbsession)) == 1
    dbsession.refresh(second)
    dbsession.refresh(third)
    assert second.status == "cancelled" and third.status == "offered"
    testapp.login(users.other_representative)
    page = testapp.get(f"/events/{event.id}")
    assert "https://meet.example.org/x" not in page.text  # only once the place is confirmed
    page.forms["events-accept"].submit().follow()
    assert "https://meet.example.org/x" in testapp.get(f"/events/{event.id}").text
    dbsession.refresh(third)
    dbsession.refresh(event)
    assert third.status == "confirmed" and event.taken == 1
    dbsession.refresh(first)
    assert first.status == "cancelled"


def test_checkin_certificate_and_feedback(testapp, users, make_event, dbsession):
    from hub_events.models import Feedback

    event = make_event(title="Školení pro pečující – Žluťoučký kůň",
                       starts_at=utcnow() - dt.timedelta(hours=3))
    registration = _register(dbsession, event, users.member)
    testapp.login(users.member)
    testapp.get(f"/events/{event.id}/certificate.pdf", status=404)  # not checked in yet
    testapp.login(users.staff)
    page = testapp.get(f"/events/manage/{event.id}/checkin")
    page.forms[f"checkin-{registration.id}"].submit().follow()
    dbsession.refresh(registration)
    assert registration.attended
    testapp.login(users.member)
    pdf = testapp.get(f"/events/{event.id}/certificate.pdf")
    assert pdf.content_type == "application/pdf" and pdf.body.startswith(b"%PDF")
    _assert_tagged(pdf.body, "Potvrzení o účasti", "cs", event.title, users.member.name)
    page = testapp.get(f"/events/{event.id}")
    form = page.forms["events-feedback"]
    form["rating"] = "5"
    form["comment"] = "Výborné"
    form.submit().follow()
    assert dbsession.scalar(sa.select(Feedback.rating)) == 5
    testapp.login(users.staff)
    assert "Výborné" in html_text(testapp.get(f"/events/manage/{event.id}/registrations"))


def test_recording_needs_the_speakers_release(testapp, users, make_event, dbsession):
    from hub_events.models import Talk

    event = make_event(starts_at=utcnow() - dt.timedelta(days=2))
    dbsession.add(Talk(event_id=event.id, title="Úvod", starts_at=event.starts_at,
                       ends_at=event.ends_at, speaker_email="jana@example.org"))
    dbsession.flush()
    testapp.login(users.staff)
    form = testapp.get(f"/events/manage/{event.id}").forms["events-event"]
    form["embed_url"] = "https://www.youtube-nocookie.com/embed/abc"
    form["recording_published"] = True
    resp = form.submit(status=422)
    assert "souhlasem všech přednášejících" in resp.text
    dbsession.refresh(event)
    assert not event.recording_published
    # a talk marked "do not record" cannot carry a recording
    form_post(testapp, f"/events/manage/{event.id}/talks", {
        "title": "Nenahrávat", "starts_at": "2030-01-01T10:00", "ends_at": "2030-01-01T11:00",
        "do_not_record": "1", "video_url": "https://video.example.org/1"}).follow()
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Talk).where(
        Talk.title == "Nenahrávat")) == 0


def test_clone_and_message(testapp, users, make_event, dbsession):
    from hub.mail import MailMessage
    from hub_events.models import Event

    event = make_event(title="Originál")
    _register(dbsession, event, None, email="host@example.org", name="Host")
    testapp.login(users.staff)
    form_post(testapp, f"/events/manage/{event.id}/clone", {}).follow()
    copy = dbsession.scalar(sa.select(Event).where(Event.id != event.id))
    assert copy.state == "draft" and copy.taken == 0 and "Originál" in copy.title
    form_post(testapp, f"/events/manage/{event.id}/message",
                      {"subject": "Změna sálu", "body": "Sejdeme se v sále B."}).follow()
    assert dbsession.scalar(sa.select(MailMessage).where(
        MailMessage.recipient == "host@example.org", MailMessage.subject == "Změna sálu"))


def test_a_copy_marks_each_title_in_its_own_language(testapp, users, make_event, dbsession):
    from hub_events.models import Event

    both = make_event(title="Originál", title_en="Original")
    czech_only = make_event(title="Jen česky")
    testapp.set_cookie("hub_lang", "en")  # the page's language does not decide
    testapp.login(users.staff)
    for event in (both, czech_only):
        form_post(testapp, f"/events/manage/{event.id}/clone", {})
    copies = dbsession.scalars(sa.select(Event).where(Event.state == "draft")
                               .order_by(Event.id)).all()
    assert [(c.title, c.title_en) for c in copies] == [
        ("Originál (kopie)", "Original (copy)"), ("Jen česky (kopie)", "")]


def test_reminders_and_follow_ups_are_sent_once(users, make_event, dbsession, registry):
    from hub.notifications.models import Notification
    from hub_events.jobs import send_follow_ups, send_reminders

    soon = make_event(title="Zítřejší akce", starts_at=utcnow() + dt.timedelta(hours=20))
    done = make_event(title="Včerejší akce", starts_at=utcnow() - dt.timedelta(days=1))
    _register(dbsession, soon, users.member)
    _register(dbsession, done, users.member)
    _register(dbsession, soon, None, email="host@example.org", name="Host")
    request = job_request(registry, dbsession)
    assert send_reminders(request) == 2 and send_reminders(request) == 0
    assert send_follow_ups(request) == 1 and send_follow_ups(request) == 0
    subjects = set(dbsession.scalars(sa.select(Notification.subject).where(
        Notification.user_id == users.member.id)))
    assert any("Zítřejší akce" in s for s in subjects)
    assert any("Včerejší akce" in s for s in subjects)


def test_confirmation_mail_has_calendar_and_cancel_link(testapp, users, make_event, dbsession):
    from hub.mail import MailMessage
    from hub_events.models import Registration
    from hub_events.services import link_token

    event = make_event(capacity=3)
    testapp.login(users.member)
    testapp.get(f"/events/{event.id}").forms["events-register"].submit().follow()
    registration = dbsession.scalar(sa.select(Registration))
    mail = dbsession.scalar(sa.select(MailMessage).where(
        MailMessage.recipient == users.member.email))
    assert link_token(registration, "cancel") in mail.text
    assert mail.attachments[0]["content_type"] == "text/calendar"
    # the link works without signing in: GET asks, POST cancels
    testapp.logout()
    page = testapp.get(f"/events/r/cancel/{link_token(registration, 'cancel')}")
    page.forms["events-link"].submit().follow()
    dbsession.refresh(registration)
    assert registration.status == "cancelled"


def test_guest_data_is_purged_after_retention(users, make_event, dbsession, registry):
    from hub_events.jobs import purge_guest_data
    from hub_events.models import Registration

    old = make_event(starts_at=utcnow() - dt.timedelta(days=400))
    guest = _register(dbsession, old, None, email="host@example.org", name="Host",
                      needs_step_free=True)
    member = _register(dbsession, old, users.member)
    upcoming = make_event()
    stale = _register(dbsession, upcoming, None, status="unverified", email="x@example.org",
                      name="X", created_at=utcnow() - dt.timedelta(days=8))
    assert purge_guest_data(job_request(registry, dbsession)) == 2
    dbsession.expire_all()
    assert dbsession.get(Registration, stale.id) is None
    assert guest.email.endswith("@invalid") and not guest.name and not guest.needs_step_free
    assert member.email == users.member.email


def test_organiser_cancels_a_registration_and_the_person_is_told(testapp, users, make_event,
                                                                  dbsession):
    from hub.notifications.models import Notification

    event = make_event(capacity=1)
    registration = _register(dbsession, event, users.member)
    waiting = _register(dbsession, event, users.representative, status="waitlisted")
    testapp.login(users.staff)
    page = testapp.get(f"/events/manage/{event.id}/registrations")
    page.forms[f"decide-cancel-{registration.id}"].submit("action", value="cancel").follow()
    dbsession.refresh(registration)
    dbsession.refresh(waiting)
    assert registration.status == "cancelled" and waiting.status == "offered"
    assert dbsession.scalar(sa.select(Notification.id).where(
        Notification.user_id == users.member.id, Notification.kind == "events.registration"))


def _assert_tagged(data, title, lang, *texts):
    """The certificate is PDF/UA: marked, a structure tree, its language and title shown."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root
    assert str(root["/Lang"]) == lang and reader.metadata.title == title
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    text = " ".join(reader.pages[0].extract_text().split())
    assert all(" ".join(t.split()) in text for t in texts), text
