"""An organisation's workspace, its roles (representative, editor), hand-over and the
history of its members; the profile has one editor."""
import datetime as dt
import re

import sqlalchemy as sa

from hub.db import utcnow
from hub.notifications.models import Notification
from hub.organizations.models import (
    Membership,
    MembershipHistory,
    MembershipRequest,
    Organisation,
)
from hub.testing import html_text, make_user


def workspace(org):
    return f"/organisation/{org.id}"


def membership(dbsession, org, user):
    dbsession.expire_all()
    return dbsession.scalar(sa.select(Membership).where(
        Membership.organisation_id == org.id, Membership.user_id == user.id))


def history(dbsession, org):
    return [(h.user_id, h.action, h.role) for h in dbsession.scalars(
        sa.select(MembershipHistory).where(MembershipHistory.organisation_id == org.id)
        .order_by(MembershipHistory.id))]


def told(dbsession, user):
    return [(n.subject, n.body) for n in dbsession.scalars(sa.select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "organisations.membership")
        .order_by(Notification.id))]


def test_workspace_assembles_sections_of_the_core_and_the_plugins(testapp, users):
    testapp.login(users.representative)
    page = html_text(testapp.get(workspace(users.organisation)))
    assert users.organisation.name in page
    for heading in ("Členové a pozvánky", "Profil", "Akce", "Rezervace místností"):
        assert heading in page, heading


def fill_workspace(dbsession, users):
    """Two open invitations and an expired one, a request to join, a quota of 12 hours and
    an hour and a half booked this month."""
    from hub_booking.models import OrganisationQuota, Reservation, Room
    from hub_booking.services import month_bounds

    org, now = users.organisation, utcnow()
    dbsession.add_all([
        Membership(organisation_id=org.id, state="invited", email="a@test.example",
                   expires_at=now + dt.timedelta(days=7)),
        Membership(organisation_id=org.id, state="invited", email="b@test.example",
                   expires_at=now + dt.timedelta(days=7)),
        Membership(organisation_id=org.id, state="invited", email="c@test.example",
                   expires_at=now - dt.timedelta(days=1)),
        MembershipRequest(organisation_id=org.id,
                          user_id=make_user(dbsession, "asks@test.example").id),
        OrganisationQuota(organisation_id=org.id, monthly_hours=12),
    ])
    room = Room(name="Zasedačka workspace", capacity=10)
    dbsession.add(room)
    dbsession.flush()
    starts = month_bounds(now)[0] + dt.timedelta(hours=10)
    ends = starts + dt.timedelta(minutes=90)
    dbsession.add(Reservation(room_id=room.id, user_id=users.representative.id,
                              organisation_id=org.id, title="Schůze výboru", starts_at=starts,
                              ends_at=ends, blocked_until=ends, status="approved"))
    dbsession.flush()


def test_workspace_counts_members_invitations_and_the_quota(testapp, users, dbsession):
    fill_workspace(dbsession, users)
    testapp.login(users.representative)
    page = html_text(testapp.get(workspace(users.organisation)))
    assert "Členů: 2 " in page
    # The expired invitation no longer waits for an answer.
    assert "Pozvánky čekající na odpověď: 2 " in page
    assert "Žádosti o členství: 1 " in page
    assert re.search(r"Rezervováno v období \w+ \d{4} : 1\.5 z 12 hodin, které organizace "
                     r"smí rezervovat za měsíc\.", page), page
    assert "Roman Zástupce ( zástupce )" in page


def test_workspace_in_english(testapp, users, dbsession):
    fill_workspace(dbsession, users)
    testapp.set_cookie("hub_lang", "en")
    testapp.login(users.representative)
    page = html_text(testapp.get(workspace(users.organisation)))
    for text in ("Members and invitations", "Members: 2 ",
                 "Invitations waiting for an answer: 2 ", "Requests to join: 1 ",
                 "Bookings of rooms", "Manage members, roles and invitations",
                 "Roman Zástupce ( representative )"):
        assert text in page, text
    assert re.search(r"Booked in \w+ \d{4} : 1\.5 of 12 hours the organisation may book "
                     r"a month\.", page), page


def test_only_those_who_act_for_the_organisation_reach_its_workspace(testapp, users):
    org = users.organisation
    for who in (users.member, users.other_representative):
        testapp.login(who)
        testapp.get(workspace(org), status=404)
        testapp.get(f"{workspace(org)}/profile", status=404)
    testapp.login(users.staff)
    assert "Vaše role: Tým hubu" in html_text(testapp.get(workspace(org)))


def test_an_editor_reaches_the_workspace_but_does_not_manage_members(testapp, users,
                                                                      dbsession):
    org = users.organisation
    membership(dbsession, org, users.member).set_role("editor")
    dbsession.flush()
    testapp.login(users.member)
    page = testapp.get(workspace(org))
    assert f"/organisation/{org.id}/manage" not in page.text
    testapp.get(f"/organisation/{org.id}/manage", status=404)
    testapp.post_form(f"/organisation/{org.id}/members/{users.representative.id}",
                      {"action": "remove"}, status=404)


def test_with_the_directory_the_profile_has_one_editor(testapp, users, dbsession):
    org = users.organisation
    membership(dbsession, org, users.member).set_role("editor")
    dbsession.flush()
    testapp.login(users.member)
    page = testapp.get(workspace(org))
    assert f"/crm/organisations/{org.slug}/edit" in page.text
    moved = testapp.get(f"{workspace(org)}/profile", status=303)
    assert moved.location.endswith(f"/crm/organisations/{org.slug}/edit")
    form = moved.follow().forms["organisation-form"]
    form["name"] = "Spolek po přejmenování"
    form.submit().follow()
    dbsession.expire_all()
    assert dbsession.get(Organisation, org.id).name == "Spolek po přejmenování"


def test_roles_change_and_are_recorded(testapp, users, dbsession):
    org = users.organisation
    testapp.login(users.representative)
    url = f"/organisation/{org.id}/members/{users.member.id}"
    testapp.post_form(url, {"action": "editor"}).follow()
    assert membership(dbsession, org, users.member).role == "editor"
    testapp.post_form(url, {"action": "representative"}).follow()
    assert membership(dbsession, org, users.member).role == "representative"
    testapp.post_form(url, {"action": "remove"}).follow()
    assert membership(dbsession, org, users.member) is None
    assert history(dbsession, org) == [
        (users.member.id, "role_changed", "editor"),
        (users.member.id, "role_changed", "representative"),
        (users.member.id, "removed", "representative")]
    page = html_text(testapp.get(f"/organisation/{org.id}/manage"))
    assert "byl(a) odebrán(a)" in page


def test_the_organisation_hands_itself_over(testapp, users, dbsession):
    org = users.organisation
    testapp.login(users.representative)
    testapp.post_form(f"/organisation/{org.id}/members/{users.member.id}",
                      {"action": "hand_over"}).follow()
    assert membership(dbsession, org, users.member).role == "representative"
    assert membership(dbsession, org, users.representative).role == "member"
    assert history(dbsession, org) == [
        (users.member.id, "handed_over", "representative"),
        (users.representative.id, "role_changed", "member")]
    # The former representative manages nothing any more.
    testapp.get(workspace(org), status=404)


def test_the_only_representative_cannot_leave_and_leaving_is_recorded(testapp, users,
                                                                       dbsession):
    org = users.organisation
    testapp.login(users.representative)
    page = testapp.post_form(f"/my/organisations/{org.id}/leave", {}).follow()
    assert "Jste jediný zástupce organizace" in html_text(page)
    assert membership(dbsession, org, users.representative) is not None
    testapp.login(users.member)
    testapp.post_form(f"/my/organisations/{org.id}/leave", {}).follow()
    assert membership(dbsession, org, users.member) is None
    assert history(dbsession, org) == [(users.member.id, "left", "member")]


def test_invited_as_editor(testapp, make_testapp, app, users, dbsession):
    org = users.organisation
    testapp.login(users.representative)
    form = testapp.get(f"/organisation/{org.id}/manage").forms["add-member-form"]
    form["email"] = users.other_representative.email
    form["role"] = "editor"
    form.submit().follow()
    invited = dbsession.scalar(sa.select(Membership).where(
        Membership.organisation_id == org.id, Membership.state == "invited"))
    assert invited.is_editor and not invited.is_representative
    other = make_testapp(app).login(users.other_representative)
    page = other.get(f"/my/organisations/invitations/{invited.id}")
    answer = page.forms["invitation-form"]
    answer["consent"] = True
    answer.submit("action", value="accept").follow()
    assert membership(dbsession, org, users.other_representative).role == "editor"
    assert history(dbsession, org)[-1] == (users.other_representative.id, "joined", "editor")


def test_history_is_exported_and_erasure_keeps_it_without_the_person(users, dbsession,
                                                                     app):
    import transaction

    from hub.jobs import background_request
    from hub.organizations import hooks

    org = users.organisation
    dbsession.add(MembershipHistory(organisation_id=org.id, user_id=users.member.id,
                                    actor_id=users.member.id, action="joined", role="member"))
    dbsession.flush()
    request = background_request(app.registry, tm=transaction.manager)
    request.dbsession = dbsession
    exported = hooks.hub_personal_data_export(request, users.member)
    assert [len(rows) for key, rows in exported.items()
            if "Changes of my memberships" in str(key)] == [1]
    hooks.hub_personal_data_erase(request, users.member)
    dbsession.flush()
    assert history(dbsession, org) == [(None, "joined", "member")]


def test_a_new_role_is_told_to_the_member_in_their_language(testapp, users, dbsession):
    org = users.organisation
    users.other_representative.language = "en"
    dbsession.add(Membership(organisation_id=org.id, user_id=users.other_representative.id))
    dbsession.flush()
    testapp.login(users.representative)
    testapp.post_form(f"/organisation/{org.id}/members/{users.member.id}",
                      {"action": "editor"}).follow()
    testapp.post_form(f"/organisation/{org.id}/members/{users.other_representative.id}",
                      {"action": "editor"}).follow()
    assert [s for s, _body in told(dbsession, users.member)] == [
        f"Vaše role v organizaci {org.name}: Editor/ka"]
    assert [s for s, _body in told(dbsession, users.other_representative)] == [
        f"Your role in {org.name}: Editor"]
    # The representative who changes roles is not told about their own doing.
    assert told(dbsession, users.representative) == []


def test_the_member_who_takes_over_is_told(testapp, users, dbsession):
    org = users.organisation
    testapp.login(users.representative)
    testapp.post_form(f"/organisation/{org.id}/members/{users.member.id}",
                      {"action": "hand_over"}).follow()
    assert [s for s, _body in told(dbsession, users.member)] == [
        f"Vaše role v organizaci {org.name}: Zástupce"]
    assert told(dbsession, users.representative) == []


def test_a_removed_member_is_told_in_their_language(testapp, users, dbsession):
    org = users.organisation
    testapp.login(users.representative)
    testapp.post_form(f"/organisation/{org.id}/members/{users.member.id}",
                      {"action": "remove"}).follow()
    ((subject, body),) = told(dbsession, users.member)
    assert subject == f"Už nejste členem organizace {org.name}"
    assert "Pokud si myslíte, že jde o omyl" in body
    users.other_representative.language = "en"
    dbsession.add(Membership(organisation_id=org.id, user_id=users.other_representative.id))
    dbsession.flush()
    testapp.post_form(f"/organisation/{org.id}/members/{users.other_representative.id}",
                      {"action": "remove"}).follow()
    ((subject, body),) = told(dbsession, users.other_representative)
    assert subject == f"You are no longer a member of {org.name}"
    assert "If you think this is a mistake" in body
