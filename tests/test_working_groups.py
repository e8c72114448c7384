"""Working groups: founded by staff or an organisation, joined by organisations through
their representatives and editors, announcements read by members and mailed to the
organisations' representatives and editors, events linked through the events plugin."""
import datetime as dt

import sqlalchemy as sa

from hub.db import utcnow
from hub.notifications.models import Notification
from hub.organizations.network_models import (
    WorkingGroup,
    WorkingGroupAnnouncement,
    WorkingGroupLink,
    WorkingGroupMember,
)
from hub.testing import html_text
from hub.topics.models import Topic


def topic(dbsession):
    found = dbsession.scalar(sa.select(Topic).where(Topic.slug == "wg-rare"))
    if found is None:
        found = Topic(slug="wg-rare", name_cs="Vzácná onemocnění", name_en="Rare diseases")
        dbsession.add(found)
        dbsession.flush()
    return found


def found_group(testapp, dbsession, name="Skupina pro vzácná onemocnění", organisation=None,
                coordinator=None, status=303):
    chosen = topic(dbsession)
    form = testapp.get("/working-groups/new").forms["group-form"]
    form["name"], form["description"] = name, "Sdílíme zkušenosti s léčbou."
    form["topic"] = str(chosen.id)
    if organisation is not None:
        form["organisation"] = str(organisation.id)
    if coordinator is not None:
        form["coordinator"] = coordinator
    response = form.submit(status=status)
    dbsession.expire_all()
    return response, dbsession.scalar(sa.select(WorkingGroup).where(WorkingGroup.name == name))


def members(dbsession, group):
    dbsession.expire_all()
    return sorted(dbsession.scalars(sa.select(WorkingGroupMember.organisation_id).where(
        WorkingGroupMember.group_id == group.id)))


def subjects(dbsession, user):
    return [n.subject for n in dbsession.scalars(sa.select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "organisations.working_group"))]


def test_an_organisation_founds_a_group_and_others_join(testapp, users, dbsession):
    org, other = users.organisation, users.other_organisation
    testapp.login(users.representative)
    assert "Založit pracovní skupinu" in html_text(testapp.get("/working-groups"))
    _response, group = found_group(testapp, dbsession, organisation=org)
    assert group.coordinator_id == users.representative.id and group.founded_by_id == org.id
    assert members(dbsession, group) == [org.id]

    testapp.login(users.other_representative)
    page = testapp.get(f"/working-groups/{group.id}")
    assert "Přidat se za organizaci Jiná organizace" in html_text(page)
    testapp.post_form(f"/working-groups/{group.id}/membership",
                      {"action": "join", "organisation": str(other.id)}).follow()
    assert members(dbsession, group) == sorted([org.id, other.id])
    assert subjects(dbsession, users.representative) == [
        "Organizace Jiná organizace se přidala k pracovní skupině "
        "Skupina pro vzácná onemocnění"]
    # A representative acts for their own organisation only.
    testapp.post_form(f"/working-groups/{group.id}/membership",
                      {"action": "leave", "organisation": str(org.id)}, status=404)
    testapp.post_form(f"/working-groups/{group.id}/membership",
                      {"action": "leave", "organisation": str(other.id)}).follow()
    assert members(dbsession, group) == [org.id]
    # An ordinary member does not act for the organisation.
    testapp.login(users.member)
    testapp.post_form(f"/working-groups/{group.id}/membership",
                      {"action": "leave", "organisation": str(org.id)}, status=404)
    testapp.get("/working-groups/new", status=403)


def test_announcements_are_for_members_and_mailed_to_their_representatives(
        testapp, users, dbsession):
    org = users.organisation
    testapp.login(users.staff)
    _r, group = found_group(testapp, dbsession, coordinator=users.other_representative.email)
    assert group.coordinator_id == users.other_representative.id
    assert subjects(dbsession, users.other_representative) == [
        "Koordinujete pracovní skupinu Skupina pro vzácná onemocnění"]
    dbsession.add(WorkingGroupMember(group_id=group.id, organisation_id=org.id))
    dbsession.flush()

    # Only the coordinator (and staff) announce.
    testapp.login(users.representative)
    testapp.post_form(f"/working-groups/{group.id}/announcements",
                      {"title": "Schůzka", "text": "Ve čtvrtek."}, status=404)
    testapp.login(users.other_representative)
    page = testapp.post_form(f"/working-groups/{group.id}/announcements",
                             {"title": "", "text": ""}, status=422)
    assert "Vyplňte toto pole." in html_text(page)
    testapp.post_form(f"/working-groups/{group.id}/announcements",
                      {"title": "Schůzka", "text": "Ve čtvrtek v 10 hodin."}).follow()
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(
        WorkingGroupAnnouncement)) == 1
    assert subjects(dbsession, users.representative) == [
        "Skupina pro vzácná onemocnění: Schůzka"]
    assert subjects(dbsession, users.member) == []  # not a representative or editor

    # Members of member organisations read it; the public and others do not.
    testapp.login(users.member)
    assert "Ve čtvrtek v 10 hodin." in testapp.get(f"/working-groups/{group.id}").text
    testapp.logout()
    public = html_text(testapp.get(f"/working-groups/{group.id}"))
    assert "Sdílíme zkušenosti s léčbou." in public and "Testovací spolek pacientů" in public
    assert "Ve čtvrtek v 10 hodin." not in public
    assert "Oznámení jsou určena lidem z členských organizací." in public


def test_who_founds_and_edits_groups(testapp, users, dbsession):
    testapp.login(users.staff)
    response, _group = found_group(testapp, dbsession, coordinator="nobody@test.example",
                                   status=422)
    assert "Žádný aktivní účet nemá tuto e-mailovou adresu." in html_text(response)
    _r, group = found_group(testapp, dbsession)
    assert group.coordinator_id == users.staff.id
    testapp.login(users.representative)
    testapp.get(f"/working-groups/{group.id}/edit", status=404)
    testapp.post_form(f"/working-groups/{group.id}/delete", {}, status=403)
    testapp.login(users.staff)
    form = testapp.get(f"/working-groups/{group.id}/edit").forms["group-form"]
    form["name"] = "Vzácná onemocnění"
    form.submit().follow()
    dbsession.expire_all()
    assert dbsession.get(WorkingGroup, group.id).name == "Vzácná onemocnění"
    group_id = group.id
    testapp.post_form(f"/working-groups/{group_id}/delete", {}).follow()
    dbsession.expire_all()
    assert dbsession.get(WorkingGroup, group_id) is None


def test_the_coordinator_links_events(testapp, users, dbsession):
    from hub_events.models import Event

    event = Event(title="Setkání skupiny", starts_at=utcnow() + dt.timedelta(days=7),
                  ends_at=utcnow() + dt.timedelta(days=7, hours=2), state="published",
                  taken=0)
    draft = Event(title="Koncept akce", starts_at=utcnow() + dt.timedelta(days=8),
                  ends_at=utcnow() + dt.timedelta(days=8, hours=2), state="draft", taken=0)
    dbsession.add_all([event, draft])
    dbsession.flush()
    testapp.login(users.representative)
    _r, group = found_group(testapp, dbsession, organisation=users.organisation)
    page = testapp.get(f"/working-groups/{group.id}")
    assert "Setkání skupiny" in page.text and "Koncept akce" not in page.text
    testapp.post_form(f"/working-groups/{group.id}/links",
                      {"action": "link", "source": "events", "object_id": str(draft.id)},
                      status=404)
    testapp.post_form(f"/working-groups/{group.id}/links",
                      {"action": "link", "source": "events", "object_id": str(event.id)}
                      ).follow()
    testapp.logout()
    public = testapp.get(f"/working-groups/{group.id}")
    assert f"/events/{event.id}" in public.text
    # Nobody but the coordinator links or unlinks.
    testapp.login(users.other_representative)
    testapp.post_form(f"/working-groups/{group.id}/links",
                      {"action": "unlink", "source": "events", "object_id": str(event.id)},
                      status=404)
    testapp.login(users.representative)
    testapp.post_form(f"/working-groups/{group.id}/links",
                      {"action": "unlink", "source": "events", "object_id": str(event.id)}
                      ).follow()
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(WorkingGroupLink)) == 0


def test_the_workspace_and_the_profile_show_the_groups(testapp, users, dbsession):
    org = users.organisation
    testapp.login(users.representative)
    _r, group = found_group(testapp, dbsession, organisation=org)
    workspace = html_text(testapp.get(f"/organisation/{org.id}"))
    assert "Pracovní skupiny" in workspace and group.name in workspace
    testapp.logout()
    assert group.name in html_text(testapp.get(f"/crm/organisations/{org.slug}"))


def test_in_english_a_group_is_founded_joined_and_announced_to(testapp, users, dbsession):
    org, other = users.organisation, users.other_organisation
    users.representative.language = "en"
    dbsession.flush()
    testapp.set_cookie("hub_lang", "en")
    testapp.login(users.representative)
    listing = html_text(testapp.get("/working-groups"))
    assert "Organisations work together on a topic in working groups" in listing
    assert "Found a working group" in listing
    _r, group = found_group(testapp, dbsession, name="Rare diseases group", organisation=org)
    page = html_text(testapp.get(f"/working-groups/{group.id}"))
    for text in ("Topic: Rare diseases", "Coordinator: Roman Zástupce", "Member organisations",
                 "New announcement", "It is mailed to the representatives and editors"):
        assert text in page, text
    testapp.login(users.other_representative)
    page = html_text(testapp.get(f"/working-groups/{group.id}"))
    assert f"Join with {other.name}" in page
    testapp.post_form(f"/working-groups/{group.id}/membership",
                      {"action": "join", "organisation": str(other.id)}).follow()
    # The coordinator is told in their own language.
    assert subjects(dbsession, users.representative) == [
        f"{other.name} joined the working group Rare diseases group"]
    workspace = html_text(testapp.get(f"/organisation/{other.id}"))
    assert "Rare diseases group" in workspace and "All working groups" in workspace
