"""Registrations on someone's behalf: nobody is registered until they confirm themself."""
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from hub.db import utcnow
from hub.testing import _make_testapp, make_user

from .conftest import form_post, job_request


def _registrations(dbsession, event):
    from hub_events.models import Registration

    dbsession.expire_all()
    return dbsession.scalars(sa.select(Registration).where(
        Registration.event_id == event.id)).all()


def _proposals(dbsession, event):
    from hub_events.models import Proposal

    dbsession.expire_all()
    return dbsession.scalars(sa.select(Proposal).where(Proposal.event_id == event.id)).all()


def _mails(dbsession, address):
    from hub.mail import MailMessage

    return dbsession.scalars(sa.select(MailMessage).where(MailMessage.recipient == address)
                             .order_by(MailMessage.id)).all()


def _link(dbsession, address):
    text = _mails(dbsession, address)[-1].text
    return re.search(r"https://hub\.example\.org(/events/proposal/\S+)", text).group(1)


def _propose(testapp, event, member):
    form = testapp.get(f"/events/{event.id}").forms["events-register-member"]
    form["user_id"] = str(member.id)
    return form.submit(status=303).follow()


def test_the_member_is_registered_only_when_they_confirm(testapp, users, make_event,
                                                         dbsession):
    event = make_event(capacity=3)
    testapp.login(users.representative)
    page = _propose(testapp, event, users.member)
    assert "Marie Členová" in page.text and "potvrdí" in page.text
    # Nothing registered, no place taken; the member is asked by a personal link.
    assert _registrations(dbsession, event) == [] and event.taken == 0
    [proposal] = _proposals(dbsession, event)
    assert proposal.proposed_by_id == users.representative.id
    assert proposal.organisation_id == users.organisation.id
    mail = _mails(dbsession, users.member.email)[-1]
    assert "Roman Zástupce" in mail.text and "Testovací spolek pacientů" in mail.text
    link = _link(dbsession, users.member.email)
    # The organisers see neither the name nor a count.
    testapp.login(users.staff)
    assert "Marie Členová" not in testapp.get(
        f"/events/manage/{event.id}/registrations").text
    assert "member@test.example" not in testapp.get(
        f"/events/manage/{event.id}/registrations.csv").text
    # The member sees the request on the event page and in My events.
    testapp.login(users.member)
    assert "events-proposal-notice" in testapp.get(f"/events/{event.id}").text
    assert link in testapp.get("/events/mine").text

    testapp.logout()
    page = testapp.get(link)
    assert "Roman Zástupce" in page.text and "Testovací spolek pacientů" in page.text
    page.forms["events-proposal"].submit("action", value="confirm", status=303)
    [registration] = _registrations(dbsession, event)
    assert registration.user_id == users.member.id and registration.status == "confirmed"
    assert registration.registered_by_id == users.representative.id
    assert _proposals(dbsession, event) == [] and event.taken == 1
    testapp.get(link, status=404)  # answered: the link is spent
    testapp.login(users.staff)
    assert "Marie Členová" in testapp.get(f"/events/manage/{event.id}/registrations").text


def test_declining_keeps_nothing_and_tells_nobody(testapp, users, make_event, dbsession):
    event = make_event(capacity=3)
    testapp.login(users.representative)
    _propose(testapp, event, users.member)
    link = _link(dbsession, users.member.email)
    to_representative = len(_mails(dbsession, users.representative.email))
    testapp.logout()
    page = testapp.get(link).forms["events-proposal"].submit("action", value="decline",
                                                              status=303)
    assert "Nikdo další" in page.follow().text
    assert _registrations(dbsession, event) == [] and _proposals(dbsession, event) == []
    assert len(_mails(dbsession, users.representative.email)) == to_representative
    testapp.get(link, status=404)


def test_only_active_members_are_offered(testapp, users, make_event, dbsession):
    from hub.organizations.models import Membership

    invited = make_user(dbsession, "pozvana@test.example", name="Iveta Pozvaná")
    declined = make_user(dbsession, "odmitla@test.example", name="Dana Odmítnutá")
    dbsession.add_all([
        Membership(organisation_id=users.organisation.id, state="invited",
                   email=invited.email, invitee_id=invited.id,
                   expires_at=utcnow() + dt.timedelta(days=30)),
        Membership(organisation_id=users.organisation.id, state="declined",
                   email=declined.email, invitee_id=declined.id)])
    dbsession.flush()
    event = make_event()
    testapp.login(users.representative)
    options = [o[0] for o in testapp.get(f"/events/{event.id}")
               .forms["events-register-member"]["user_id"].options]
    assert options == [str(users.member.id)]
    for person in (invited, declined, users.other_representative):
        form_post(testapp, f"/events/{event.id}/register-member", {"user_id": str(person.id)},
                  status=404)
    form_post(testapp, f"/events/{event.id}/register-member", {"user_id": "99999999999"},
              status=404)
    assert _proposals(dbsession, event) == []
    # A person without a representative's role cannot ask at all.
    testapp.login(users.member)
    form_post(testapp, f"/events/{event.id}/register-member",
              {"user_id": str(users.representative.id)}, status=403)


def test_the_representative_learns_nothing_about_the_members_registrations(
        testapp, users, make_event, dbsession):
    event = make_event(capacity=3)
    testapp.login(users.member)
    testapp.get(f"/events/{event.id}").forms["events-register"].submit().follow()
    mails = len(_mails(dbsession, users.member.email))
    testapp.login(users.representative)
    first = _propose(testapp, event, users.member)
    assert _proposals(dbsession, event) == []
    assert len(_mails(dbsession, users.member.email)) == mails  # nothing sent
    # An unregistered member gets the same words.
    other = make_event(capacity=3, title="Jiná akce")
    second = _propose(testapp, other, users.member)
    message = "Marie Členová dostane žádost o potvrzení přihlášky"
    assert message in first.text and message in second.text
    # Asking twice sends one request.
    _propose(testapp, other, users.member)
    assert len(_proposals(dbsession, other)) == 1
    assert len(_mails(dbsession, users.member.email)) == mails + 1


def test_the_member_accepts_the_privacy_notice_themself(testapp, users, make_event,
                                                        dbsession):
    event = make_event(privacy_notice="Údaje zpracovává spolek.")
    testapp.login(users.representative)
    _propose(testapp, event, users.member)
    link = _link(dbsession, users.member.email)
    testapp.logout()
    resp = testapp.get(link).forms["events-proposal"].submit("action", value="confirm",
                                                              status=422)
    assert "Potvrďte prosím, že jste si přečetli" in resp.text
    assert _registrations(dbsession, event) == [] and len(_proposals(dbsession, event)) == 1
    form = resp.forms["events-proposal"]
    form["privacy"] = True
    form.submit("action", value="confirm", status=303)
    [registration] = _registrations(dbsession, event)
    assert registration.privacy_accepted_at is not None


def test_a_request_not_answered_lapses_when_registration_closes(
        testapp, users, make_event, dbsession, registry):
    from hub_events import on_behalf

    event = make_event(registration_closes_at=utcnow() + dt.timedelta(days=1))
    open_event = make_event(title="Otevřená akce")
    testapp.login(users.representative)
    _propose(testapp, event, users.member)
    _propose(testapp, open_event, users.member)
    link = _link(dbsession, users.member.email)
    assert on_behalf.expire(job_request(registry, dbsession)) == 0
    event.registration_closes_at = utcnow() - dt.timedelta(minutes=1)
    dbsession.flush()
    # Before the job runs, confirming is refused with the reason; nothing is registered.
    testapp.logout()
    first = _link_for(dbsession, event)
    page = testapp.get(first)
    assert "events-proposal" not in page.forms and "uzavřeno" in page.text
    form_post(testapp, first, {"action": "confirm"}, status=422)
    assert _registrations(dbsession, event) == []
    assert on_behalf.expire(job_request(registry, dbsession)) == 1
    assert _proposals(dbsession, event) == [] and len(_proposals(dbsession, open_event)) == 1
    testapp.get(first, status=404)
    assert testapp.get(link).status_int == 200  # the other request is still open


def _link_for(dbsession, event):
    from hub_events import on_behalf

    [proposal] = _proposals(dbsession, event)
    return f"/events/proposal/{on_behalf.link_token(proposal)}"


def test_erasing_the_member_removes_their_requests(users, make_event, dbsession, registry):
    from hub_events.hooks import hub_personal_data_erase, hub_personal_data_export
    from hub_events.models import Proposal

    event = make_event()
    dbsession.add(Proposal(event_id=event.id, user_id=users.member.id,
                           proposed_by_id=users.representative.id, access_key="k" * 32))
    dbsession.flush()
    request = job_request(registry, dbsession)
    exported = hub_personal_data_export(request=request, user=users.member)
    [row] = exported["Registrations proposed on your behalf"]
    assert row["event"] == event.title and row["proposed_by"] == "Roman Zástupce"
    hub_personal_data_erase(request=request, user=users.representative)
    [proposal] = _proposals(dbsession, event)
    assert proposal.proposed_by_id is None  # the member's request stays, without them
    hub_personal_data_erase(request=request, user=users.member)
    assert _proposals(dbsession, event) == []


# -- concurrency: places are given in the order people confirm, and stay exact -------------

@pytest.fixture
def race_app(committed_app):
    return committed_app("events")


def _race_setup(app, members: int, capacity: int):
    """A published event and ``members`` open requests; returns (event id, links)."""
    from hub_events import on_behalf
    from hub_events.models import Event, Proposal

    with app.registry["hub.dbsession_factory"]() as db:
        start = utcnow() + dt.timedelta(days=5)
        event = Event(title="Za člena", kind="lecture", venue="address", address="Praha",
                      state="published", audience="public", starts_at=start,
                      ends_at=start + dt.timedelta(hours=1), capacity=capacity, taken=0)
        db.add(event)
        db.flush()
        proposals = []
        for i in range(members):
            member = make_user(db, f"clen{i}@race.example")
            proposals.append(Proposal(event_id=event.id, user_id=member.id,
                                      access_key=f"key-{i}", created_at=utcnow()))
        db.add_all(proposals)
        db.commit()
        return event.id, [f"/events/proposal/{on_behalf.link_token(p)}" for p in proposals]


def _race_counts(app, event_id):
    from hub_events.models import Event, Proposal, Registration

    with app.registry["hub.dbsession_factory"]() as db:
        rows = dict(db.execute(sa.select(Registration.status, sa.func.count())
                               .where(Registration.event_id == event_id)
                               .group_by(Registration.status)).all())
        left = db.scalar(sa.select(sa.func.count()).select_from(Proposal)
                         .where(Proposal.event_id == event_id))
        return rows, db.get(Event, event_id).taken, left


def _confirm(app, link):
    client = _make_testapp(app)
    return client.post(link, {"action": "confirm", "csrf_token": client.csrf_token},
                       headers={"Origin": "https://hub.example.org"}, status="*")


def test_members_confirming_at_once_get_exactly_the_free_places(race_app, concurrent):
    event_id, links = _race_setup(race_app, members=8, capacity=3)
    results = concurrent(8, lambda i: _confirm(race_app, links[i]))
    assert [r.status_int for r in results if not isinstance(r, Exception)] == [303] * 8
    counts, taken, left = _race_counts(race_app, event_id)
    assert counts == {"confirmed": 3, "waitlisted": 5} and taken == 3 and left == 0


def test_a_confirmation_clicked_many_times_registers_once(race_app, concurrent):
    event_id, links = _race_setup(race_app, members=1, capacity=2)
    results = concurrent(6, lambda i: _confirm(race_app, links[0]))
    codes = [r.status_int for r in results if not isinstance(r, Exception)]
    # The first registers; the others find the request answered (404 or 303).
    assert len(codes) == 6 and codes.count(303) >= 1 and set(codes) <= {303, 404}
    counts, taken, left = _race_counts(race_app, event_id)
    assert counts == {"confirmed": 1} and taken == 1 and left == 0
