"""Organisation membership by invitation: the representative invites, the person accepts.

Until then the person is "invited" and a member nowhere: not in menus or roles, not among
the members a representative may register for an event.
"""
import datetime as dt
import re

import sqlalchemy as sa

from hub.consent import Subject, has_consent
from hub.db import utcnow
from hub.mail import MailMessage
from hub.notifications.models import Notification
from hub.organizations.models import Membership
from hub.testing import html_text, make_user

PURPOSE = "organisations.membership"


def manage_url(org):
    return f"/organisation/{org.id}/manage"


def invite(client, org, email, representative=False):
    form = client.get(manage_url(org)).forms["add-member-form"]
    form["email"] = email
    if representative:
        form["role"] = "representative"
    return form.submit()


def link_in_mail(dbsession, address):
    mail = dbsession.scalars(sa.select(MailMessage).where(MailMessage.recipient == address)
                             .order_by(MailMessage.id.desc())).first()
    assert mail is not None, f"no mail to {address}"
    return mail, re.search(r"https://\S+/organisation/invitation/\S+", mail.text).group(0)


def invitation_of(dbsession, org, email):
    dbsession.expire_all()
    return dbsession.scalar(sa.select(Membership).where(
        Membership.organisation_id == org.id, Membership.email == email))


def membership_of(dbsession, org, user):
    dbsession.expire_all()
    return dbsession.scalar(sa.select(Membership).where(
        Membership.organisation_id == org.id, Membership.user_id == user.id))


def test_invited_person_is_no_member_until_they_accept(testapp, make_testapp, app, users,
                                                       dbsession):
    org, invitee = users.organisation, users.other_representative
    testapp.login(users.representative)
    page = invite(testapp, org, invitee.email.upper(), representative=True).follow()
    assert invitee.email in html_text(page) and "Pozváno" in html_text(page)
    invitation = invitation_of(dbsession, org, invitee.email)
    assert (invitation.state, invitation.user_id, invitation.invitee_id) == (
        "invited", None, invitee.id)
    assert membership_of(dbsession, org, invitee) is None
    mail, link = link_in_mail(dbsession, invitee.email)
    assert org.name in mail.subject
    url = link.removeprefix("https://hub.example.org")

    person = make_testapp(app).login(invitee)
    # Invited as a representative, but nothing of the organisation is theirs yet.
    person.get(manage_url(org), status=404)
    mine = person.get("/my/organisations")
    assert "Pozvánky" in html_text(mine)
    assert manage_url(org) not in mine.text

    page = person.get(url)
    assert org.name in html_text(page) and "Souhlasím, že se v hubu stanu" in html_text(page)
    form = page.forms["invitation-form"]
    page = form.submit("action", value="accept", status=422)
    assert "Zaškrtněte políčko" in html_text(page)
    assert membership_of(dbsession, org, invitee) is None

    form = page.forms["invitation-form"]
    form["consent"] = True
    form.submit("action", value="accept").follow()
    membership = membership_of(dbsession, org, invitee)
    assert membership.state == "active" and membership.is_representative
    assert membership.email is None and membership.token_digest is None
    assert has_consent(_request(app, dbsession), Subject.of_user(invitee), PURPOSE,
                       f"organisation:{org.id}")
    assert person.get(manage_url(org)).status_int == 200
    assert dbsession.scalar(sa.select(Notification).where(
        Notification.user_id == users.representative.id,
        Notification.subject.contains("přijal"))) is not None
    # The link is used up.
    person.get(url, status=404)


def _request(app, dbsession):
    """A background request on the test's session (services take a request)."""
    import transaction

    from hub.jobs import background_request

    request = background_request(app.registry, tm=transaction.manager)
    request.dbsession = dbsession
    return request


def test_a_person_without_an_account_registers_then_answers(testapp, make_testapp, app, users,
                                                            dbsession):
    org = users.organisation
    testapp.login(users.representative)
    invite(testapp, org, "nova.clenka@example.cz").follow()
    _mail, link = link_in_mail(dbsession, "nova.clenka@example.cz")
    url = link.removeprefix("https://hub.example.org")

    visitor = make_testapp(app)
    page = visitor.get(url)
    assert org.name in html_text(page) and "invitation-form" not in page.forms
    assert "/login?next=" in page.text
    answer = visitor.post_form(url, {"action": "accept", "consent": "on"})
    assert "/login" in answer.location

    newcomer = make_user(dbsession, "nova.clenka@example.cz", name="Nová Členka")
    person = make_testapp(app).login(newcomer)
    mine = person.get("/my/organisations")
    answer_url = mine.html.find("a", string=re.compile(org.name)) or next(
        a for a in mine.html.find_all("a") if "/my/organisations/invitations/" in a["href"])
    page = person.get(answer_url["href"])
    page.forms["invitation-form"].submit("action", value="decline").follow()
    invitation = invitation_of(dbsession, org, "nova.clenka@example.cz")
    assert invitation.state == "declined" and invitation.user_id is None
    assert membership_of(dbsession, org, newcomer) is None

    manage = testapp.get(manage_url(org))
    assert "Odmítnuto" in html_text(manage)
    testapp.post_form(f"/organisation/{org.id}/invitations/{invitation.id}/cancel",
                      {}).follow()
    assert invitation_of(dbsession, org, "nova.clenka@example.cz") is None


def test_expired_foreign_and_repeated_invitations(testapp, make_testapp, app, users, dbsession):
    org = users.organisation
    testapp.login(users.representative)
    invite(testapp, org, "pozvany@example.cz").follow()
    _mail, first = link_in_mail(dbsession, "pozvany@example.cz")
    # Inviting again renews the invitation: one row, a new link, the old one dead.
    invite(testapp, org, "pozvany@example.cz").follow()
    _mail, second = link_in_mail(dbsession, "pozvany@example.cz")
    assert first != second
    assert dbsession.scalar(sa.select(sa.func.count(Membership.id)).where(
        Membership.email == "pozvany@example.cz")) == 1
    prefix = "https://hub.example.org"
    make_testapp(app).get(first.removeprefix(prefix), status=404)

    # Somebody else signed in cannot answer it.
    stranger = make_testapp(app).login(users.other_representative)
    assert "jiné osobě" in html_text(stranger.get(second.removeprefix(prefix), status=403))
    stranger.post_form(second.removeprefix(prefix), {"action": "accept", "consent": "on"},
                       status=403)
    assert invitation_of(dbsession, org, "pozvany@example.cz").state == "invited"

    invitation = invitation_of(dbsession, org, "pozvany@example.cz")
    invitation.expires_at = utcnow() - dt.timedelta(minutes=1)
    dbsession.flush()
    person = make_testapp(app).login(make_user(dbsession, "pozvany@example.cz"))
    assert "vypršela" in html_text(person.get(second.removeprefix(prefix), status=410))
    assert "Platnost pozvánky vypršela" in html_text(testapp.get(manage_url(org)))

    # A member already: nothing is sent.
    before = dbsession.scalar(sa.select(sa.func.count(MailMessage.id)))
    page = invite(testapp, org, users.member.email).follow()
    assert "už je členem" in html_text(page)
    assert dbsession.scalar(sa.select(sa.func.count(MailMessage.id))) == before
    testapp.post_form(f"/organisation/{org.id}/members", {"email": "not-an-address"},
                      status=422)


def test_invited_people_cannot_be_registered_for_events(make_app, make_testapp, users,
                                                        dbsession):
    from hub_events.models import Event, Registration

    app = make_app("events")
    rep = make_testapp(app).login(users.representative)
    invitee = make_user(dbsession, "jen.pozvana@example.cz", name="Jana Pozvaná")
    invite(rep, users.organisation, invitee.email).follow()
    start = utcnow() + dt.timedelta(days=10)
    event = Event(title="Přednáška", kind="lecture", venue="online",
                  online_url="https://meet.example.org/x", state="published", audience="public",
                  starts_at=start, ends_at=start + dt.timedelta(hours=2), taken=0)
    dbsession.add(event)
    dbsession.flush()
    page = rep.get(f"/events/{event.id}")
    assert users.member.name in html_text(page)
    assert invitee.name not in html_text(page)
    rep.post_form(f"/events/{event.id}/register-member", {"user_id": str(invitee.id)},
                  status=404)
    assert dbsession.scalar(sa.select(Registration).where(
        Registration.user_id == invitee.id)) is None


def test_leaving_withdraws_the_consent_and_withdrawing_ends_the_membership(
        testapp, make_testapp, app, users, dbsession):
    org = users.organisation
    testapp.login(users.representative)
    for person in (users.other_representative, users.staff):
        invite(testapp, org, person.email).follow()
    accepted = {}
    for person in (users.other_representative, users.staff):
        _mail, link = link_in_mail(dbsession, person.email)
        client = make_testapp(app).login(person)
        form = client.get(link.removeprefix("https://hub.example.org")).forms["invitation-form"]
        form["consent"] = True
        form.submit("action", value="accept").follow()
        accepted[person.id] = client
    request = _request(app, dbsession)
    scope = f"organisation:{org.id}"

    leaver = users.other_representative
    accepted[leaver.id].post_form(f"/my/organisations/{org.id}/leave", {}).follow()
    assert membership_of(dbsession, org, leaver) is None
    assert not has_consent(request, Subject.of_user(leaver), PURPOSE, scope)

    # Withdrawing the consent on My consents ends the membership at once.
    other = users.staff
    accepted[other.id].post_form("/my/consents/withdraw",
                                 {"purpose": PURPOSE, "object": scope}).follow()
    assert not has_consent(request, Subject.of_user(other), PURPOSE, scope)
    assert membership_of(dbsession, org, other) is None


def test_export_and_erasure_cover_invitations(testapp, make_testapp, app, users, dbsession):
    org = users.organisation
    testapp.login(users.representative)
    invitee = make_user(dbsession, "exportovany@example.cz", name="Eva Exportová")
    invite(testapp, org, invitee.email).follow()
    client = make_testapp(app).login(invitee)
    data = client.get("/api/v1/me/export").json
    assert [i["organisation"] for i in data["Pozvánky do organizací"]] == [org.name]
    assert data["Členství v organizacích"] == []

    from hub.privacy import erase

    erase(_request(app, dbsession), invitee, None)
    assert invitation_of(dbsession, org, invitee.email) is None
    erase(_request(app, dbsession), users.representative, None)
    dbsession.expire_all()
    assert dbsession.scalar(sa.select(sa.func.count(Membership.id)).where(
        Membership.invited_by_id == users.representative.id)) == 0
