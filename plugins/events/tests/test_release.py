"""Speakers release recordings through the consent ledger; a withdrawal unpublishes at once."""
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from hub.consent import ConsentRecord, Subject, give, has_consent
from hub.db import utcnow

from .conftest import form_post, job_request

EMBED = "https://www.youtube-nocookie.com/embed/abc"


@pytest.fixture
def recording(make_event, dbsession):
    """A past event with a recording link and one talk by a speaker with an address."""
    from hub_events.models import Talk

    event = make_event(starts_at=utcnow() - dt.timedelta(days=2), embed_url=EMBED,
                       transcript="Přepis.")
    talk = Talk(event_id=event.id, title="Úvod", speaker="MUDr. Jana Dvořáková",
                speaker_email="jana@example.org", starts_at=event.starts_at,
                ends_at=event.ends_at)
    dbsession.add(talk)
    dbsession.flush()
    return event, talk


def _records(dbsession, **where):
    dbsession.expire_all()
    return dbsession.scalars(sa.select(ConsentRecord).filter_by(
        purpose="events.speaker_release", **where).order_by(ConsentRecord.id)).all()


def _link(dbsession, address):
    from hub.mail import MailMessage

    mail = dbsession.scalars(sa.select(MailMessage).where(MailMessage.recipient == address)
                             .order_by(MailMessage.id.desc())).first()
    return re.search(r"https://hub\.example\.org(/events/release/\S+)", mail.text).group(1)


def _publish(testapp, event, status=303):
    form = testapp.get(f"/events/manage/{event.id}").forms["events-event"]
    form["recording_published"] = True
    return form.submit(status=status)


def _give(registry, dbsession, event, talk):
    from hub_events import release

    give(job_request(registry, dbsession), Subject.of_email(talk.speaker_email),
         release.PURPOSE, release.SPEAKER_RELEASE.text_version, "double_opt_in",
         object=f"recording:{event.id}")


def test_speaker_releases_through_the_personal_link_then_staff_publish(
        testapp, users, recording, dbsession):
    event, talk = recording
    testapp.login(users.staff)
    resp = _publish(testapp, event, status=422)
    assert "MUDr. Jana Dvořáková" in resp.text  # named as missing
    dbsession.refresh(event)
    assert not event.recording_published
    page = testapp.get(f"/events/manage/{event.id}")
    assert "Zatím nepožádáno" in page.text
    page.forms[f"release-send-{talk.id}"].submit(status=303)
    link = _link(dbsession, "jana@example.org")

    testapp.logout()
    page = testapp.get(link)
    from hub_events.release import SPEAKER_RELEASE

    assert SPEAKER_RELEASE.text["cs"] in page.text  # the exact text, before agreeing
    assert page.forms["events-release"]["text_version"].value == SPEAKER_RELEASE.text_version
    page.forms["events-release"].submit("action", value="give", status=303)
    assert [(r.action, r.source, r.object, r.text_version) for r in _records(dbsession)] == [
        ("given", "double_opt_in", f"recording:{event.id}", SPEAKER_RELEASE.text_version)]
    assert "events-release-withdraw" in testapp.get(link).forms

    testapp.login(users.staff)
    _publish(testapp, event)
    dbsession.refresh(event)
    assert event.recording_published
    assert "youtube-nocookie.com/embed/abc" in testapp.get(f"/events/{event.id}").text


def test_refusing_records_nothing_and_the_recording_stays_private(testapp, recording,
                                                                   dbsession, users):
    event, talk = recording
    testapp.login(users.staff)
    testapp.get(f"/events/manage/{event.id}").forms[f"release-send-{talk.id}"].submit()
    link = _link(dbsession, "jana@example.org")
    testapp.logout()
    page = testapp.get(link).forms["events-release"].submit("action", value="refuse")
    assert "nebude zveřejněn" in page.follow().text
    assert _records(dbsession) == []
    # The answer is noted on the talk (not as a consent), so staff can tell it from silence.
    dbsession.refresh(talk)
    assert talk.release_refused_at is not None
    assert "nesouhlasíte" in testapp.get(link).text
    testapp.login(users.staff)
    page = testapp.get(f"/events/manage/{event.id}")
    assert "Odmítnuto" in page.text and "zatím bez odpovědi" not in page.text
    # Agreeing later (here recorded by staff from a signed form) clears the refusal.
    form = page.forms[f"release-record-{talk.id}"]
    form["note"] = "Podepsaný formulář z 3. března."
    form.submit(status=303)
    dbsession.refresh(talk)
    assert talk.release_refused_at is None
    assert [r.action for r in _records(dbsession)] == ["given"]


def test_withdrawing_from_the_link_unpublishes_the_recording_and_its_lesson_copies(
        testapp, recording, dbsession, registry, users):
    from hub_elearning.models import Course, Lesson, Section

    event, talk = recording
    _give(registry, dbsession, event, talk)
    event.recording_published = True
    course = Course(title="Kurz", slug="kurz-release", link_token="t-release",
                    is_published=True)
    dbsession.add(course)
    dbsession.flush()
    section = Section(course_id=course.id, title="Část", position=1)
    dbsession.add(section)
    dbsession.flush()
    lesson = Lesson(course_id=course.id, section_id=section.id, kind="video", title="Úvod",
                    embed_url=EMBED, captions_url="https://hub.example.org/c.vtt",
                    transcript="Přepis.", is_published=True, source_event_id=str(event.id))
    other = Lesson(course_id=course.id, section_id=section.id, kind="video", title="Jiné",
                   embed_url=EMBED, captions_url="https://hub.example.org/c.vtt",
                   transcript="Přepis.", is_published=True, source_event_id="999999")
    dbsession.add_all([lesson, other])
    dbsession.flush()

    from hub_events.release import link_token, send_request

    send_request(job_request(registry, dbsession), talk)
    testapp.logout()
    page = testapp.get(f"/events/release/{link_token(talk)}")
    page.forms["events-release-withdraw"].submit(status=303)
    dbsession.expire_all()
    assert not event.recording_published
    assert not lesson.is_published and other.is_published
    assert [r.action for r in _records(dbsession)] == ["given", "withdrawn"]
    assert "youtube-nocookie" not in testapp.get(f"/events/{event.id}").text
    # The copy cannot be published again while its source is not public.
    testapp.login(users.staff)
    form_post(testapp, f"/elearning/manage/lessons/{lesson.id}/publish", {"publish": "1"})
    dbsession.expire_all()
    assert not lesson.is_published


def test_withdrawing_from_my_consents_unpublishes(testapp, users, recording, dbsession,
                                                  registry):
    event, talk = recording
    talk.speaker_email = users.member.email
    dbsession.flush()
    _give(registry, dbsession, event, talk)
    event.recording_published = True
    dbsession.flush()
    testapp.login(users.member)
    page = testapp.get("/my/consents")
    assert event.title in page.text
    page.forms[f"withdraw-events.speaker_release-recording:{event.id}"].submit(status=303)
    dbsession.expire_all()
    assert not event.recording_published


def test_staff_record_a_release_and_a_withdrawal_with_a_note(testapp, users, recording,
                                                              dbsession):
    event, talk = recording
    testapp.login(users.staff)
    url = f"/events/manage/{event.id}/talks/{talk.id}/release"
    form_post(testapp, url, {"action": "give", "note": ""}, status=303)
    assert _records(dbsession) == []  # a note is required
    form_post(testapp, url, {"action": "give", "note": "Podepsaný formulář 3. 12."})
    assert [(r.source, r.note, r.recorded_by_id) for r in _records(dbsession)] == [
        ("staff", "Podepsaný formulář 3. 12.", users.staff.id)]
    _publish(testapp, event)
    dbsession.refresh(event)
    assert event.recording_published
    form_post(testapp, url, {"action": "withdraw", "note": "Telefonát 5. 12."})
    dbsession.refresh(event)
    assert not event.recording_published
    assert [r.action for r in _records(dbsession)] == ["given", "withdrawn"]


def test_a_new_speaker_address_invalidates_the_link_and_needs_its_own_release(
        testapp, users, recording, dbsession, registry):
    from hub_events.release import link_token

    event, talk = recording
    _give(registry, dbsession, event, talk)
    talk.release_key = "k" * 20
    event.recording_published = True
    dbsession.flush()
    old_link = f"/events/release/{link_token(talk)}"
    testapp.login(users.staff)
    # Changing a speaker of a published recording is refused.
    form_post(testapp, f"/events/manage/{event.id}/talks", {
        "talk_id": str(talk.id), "title": "Úvod", "speaker": "Jiný",
        "speaker_email": "jiny@example.org", "starts_at": "2030-01-01T10:00",
        "ends_at": "2030-01-01T11:00"})
    dbsession.expire_all()
    assert talk.speaker_email == "jana@example.org"
    form = testapp.get(f"/events/manage/{event.id}").forms["events-event"]
    form["recording_published"] = False
    form.submit(status=303)
    form_post(testapp, f"/events/manage/{event.id}/talks", {
        "talk_id": str(talk.id), "title": "Úvod", "speaker": "Jiný",
        "speaker_email": "Jiny@Example.org", "starts_at": "2030-01-01T10:00",
        "ends_at": "2030-01-01T11:00"})
    dbsession.expire_all()
    assert talk.speaker_email == "jiny@example.org"
    testapp.get(old_link, status=404)
    _publish(testapp, event, status=422)
    assert not has_consent(job_request(registry, dbsession), Subject.of_email(
        "jiny@example.org"), "events.speaker_release", f"recording:{event.id}")
