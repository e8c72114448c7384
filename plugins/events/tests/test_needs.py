"""Accommodation needs: explicit consent, the event's organisers only, audited, erased."""
import datetime as dt

import sqlalchemy as sa

from hub.accounts.models import AuditEvent
from hub.consent import ConsentRecord
from hub.db import utcnow
from hub.testing import make_user

from .conftest import job_request


def _mine(dbsession, event):
    from hub_events.models import Registration

    dbsession.expire_all()
    return dbsession.scalar(sa.select(Registration).where(Registration.event_id == event.id))


def _records(dbsession):
    dbsession.expire_all()
    return [(r.action, r.object, r.source) for r in dbsession.scalars(
        sa.select(ConsentRecord).where(ConsentRecord.purpose == "events.accommodation_needs")
        .order_by(ConsentRecord.id))]


def test_needs_are_kept_only_with_explicit_consent(testapp, users, make_event, dbsession):
    from hub_events.needs import ACCOMMODATION_NEEDS

    event = make_event(capacity=5)
    testapp.login(users.member)
    page = testapp.get(f"/events/{event.id}")
    assert ACCOMMODATION_NEEDS.text["cs"] in page.text
    form = page.forms["events-register"]
    form["needs_step_free"] = True
    resp = form.submit(status=422)
    assert "výslovně souhlasíte" in resp.text
    assert _mine(dbsession, event) is None and _records(dbsession) == []
    form = resp.forms["events-register"]
    form["needs_consent"] = True
    form.submit().follow()
    assert _mine(dbsession, event).needs_step_free
    assert _records(dbsession) == [("given", f"event:{event.id}", "form")]
    # Without needs, nobody is asked and nothing is recorded.
    other = make_event(capacity=5, title="Bez potřeb")
    testapp.get(f"/events/{other.id}").forms["events-register"].submit().follow()
    assert len(_records(dbsession)) == 1


def test_clearing_the_needs_or_withdrawing_the_consent_erases_them(testapp, users,
                                                                    make_event, dbsession):
    event = make_event(capacity=5)
    testapp.login(users.member)
    form = testapp.get(f"/events/{event.id}").forms["events-register"]
    form["needs_note"] = "Vodicí pes"
    form["needs_consent"] = True
    form.submit().follow()
    page = testapp.get("/my/consents")
    page.forms[f"withdraw-events.accommodation_needs-event:{event.id}"].submit(status=303)
    mine = _mine(dbsession, event)
    assert mine.needs_note == "" and not mine.has_needs
    # Stated again from the event page, then cleared there.
    form = testapp.get(f"/events/{event.id}").forms["events-needs"]
    form["needs_assistant"] = True
    form["needs_consent"] = True
    form.submit().follow()
    assert _mine(dbsession, event).needs_assistant
    form = testapp.get(f"/events/{event.id}").forms["events-needs"]
    form["needs_assistant"] = False
    form["needs_consent"] = False
    form.submit().follow()
    assert not _mine(dbsession, event).has_needs
    assert [a for a, _o, _s in _records(dbsession)] == ["given", "withdrawn", "given",
                                                        "withdrawn"]


def test_only_the_events_organisers_see_needs_and_each_look_is_audited(
        testapp, users, make_event, dbsession):
    from hub_events.models import Registration
    from hub_events.services import new_access_key

    event = make_event(capacity=5)
    organiser = make_user(dbsession, "poradatel@example.org", role="staff")
    event.organisers = [organiser]
    dbsession.add(Registration(event_id=event.id, user_id=users.member.id,
                               email=users.member.email, name="Člen", status="confirmed",
                               access_key=new_access_key(), needs_note="Tlumočník ZJ"))
    event.taken = 1
    dbsession.flush()
    testapp.login(users.staff)  # staff, but not an organiser of this event
    page = testapp.get(f"/events/manage/{event.id}/registrations")
    assert "Tlumočník ZJ" not in page.text and "needs=1" not in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "events.needs_read")) == 0
    testapp.login(organiser)
    assert "Tlumočník ZJ" in testapp.get(f"/events/manage/{event.id}/registrations").text
    audit = dbsession.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "events.needs_read")).all()
    assert [(a.actor_id, a.details["event_id"], a.details["user_ids"]) for a in audit] == [
        (organiser.id, event.id, [users.member.id])]


def test_the_export_with_needs_is_for_the_events_organisers_and_each_download_audited(
        testapp, users, make_event, dbsession):
    from hub_events.models import Registration
    from hub_events.services import new_access_key

    event = make_event(capacity=5)
    organiser = make_user(dbsession, "poradatel@example.org", role="staff")
    event.organisers = [organiser]
    dbsession.add(Registration(event_id=event.id, user_id=users.member.id,
                               email=users.member.email, name="Člen", status="confirmed",
                               access_key=new_access_key(), needs_note="Tlumočník ZJ"))
    event.taken = 1
    dbsession.flush()
    url = f"/events/manage/{event.id}/registrations.csv"

    def audited():
        dbsession.expire_all()
        return dbsession.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "events.needs_read").order_by(AuditEvent.id)).all()

    testapp.login(users.staff)  # may manage events, but does not organise this one
    testapp.get(url + "?needs=1", status=403)
    plain = testapp.get(url)
    assert "Člen" in plain.text and "Tlumočník ZJ" not in plain.text
    assert "needs_note" not in plain.text
    assert audited() == []
    testapp.login(organiser)
    for _download in range(2):
        resp = testapp.get(url + "?needs=1")
        assert "needs_note" in resp.text and "Tlumočník ZJ" in resp.text
    assert [(a.actor_id, a.details["event_id"], a.details["user_ids"]) for a in audited()] == [
        (organiser.id, event.id, [users.member.id])] * 2
    testapp.get(url)  # without the needs nothing is read, nothing audited
    assert len(audited()) == 2


def test_organisers_are_chosen_on_the_event_form(testapp, users, make_event, dbsession):
    event = make_event()
    testapp.login(users.staff)
    form = testapp.get(f"/events/manage/{event.id}").forms["events-event"]
    for box in form.fields["organisers"]:
        box.checked = box._value == str(users.staff.id)
    form.submit(status=303)
    dbsession.expire_all()
    assert [u.id for u in event.organisers] == [users.staff.id]
    # Somebody without the staff role cannot be made an organiser.
    fields = [(k, v) for k, v in form.submit_fields() if k not in ("organisers", "csrf_token")]
    testapp.post(f"/events/manage/{event.id}",
                 fields + [("organisers", str(users.member.id)),
                           ("csrf_token", testapp.csrf_token.strip('"'))],
                 headers={"Origin": "https://hub.example.org"}, status=422)
    dbsession.expire_all()
    assert [u.id for u in event.organisers] == [users.staff.id]


def test_needs_are_erased_after_the_event_and_the_retention(users, make_event, dbsession,
                                                            registry):
    from hub_events.models import Registration
    from hub_events.needs import RETENTION_DAYS, erase_expired
    from hub_events.services import new_access_key

    old = make_event(starts_at=utcnow() - dt.timedelta(days=RETENTION_DAYS + 2))
    recent = make_event(starts_at=utcnow() - dt.timedelta(days=2), title="Nedávná")
    rows = []
    for event in (old, recent):
        rows.append(Registration(event_id=event.id, email=f"x{event.id}@example.org",
                                 name="X", status="confirmed", access_key=new_access_key(),
                                 needs_step_free=True, needs_note="Rampa"))
    dbsession.add_all(rows)
    dbsession.flush()
    assert erase_expired(job_request(registry, dbsession)) == 1
    dbsession.expire_all()
    assert not rows[0].has_needs and rows[1].has_needs
