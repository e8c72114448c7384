"""Organisation management by representatives and staff; joining an organisation."""
import sqlalchemy as sa

from hub.notifications.models import Notification
from hub.organizations.models import Membership, MembershipRequest, Organisation
from hub.testing import html_text


def manage_url(org):
    return f"/organisation/{org.id}/manage"


def test_representative_edits_the_profile(make_app, make_testapp, users, dbsession):
    # Without the directory the core's own editor is the one place to edit the profile.
    testapp = make_testapp(make_app("news"))
    testapp.login(users.representative)
    form = testapp.get(f"/organisation/{users.organisation.id}/profile").forms[
        "organisation-form"]
    form["description"] = "Pomáháme pacientům."
    form["website"] = "ftp://nope"
    form["email"] = "not-an-email"
    page = form.submit(status=422)
    assert page.text.count('class="hub-field hub-field--error"') == 2
    form = page.forms["organisation-form"]
    assert form["description"].value == "Pomáháme pacientům."  # nothing lost
    form["website"], form["email"] = "https://spolek.cz", "info@spolek.cz"
    form["kind"] = "ngo"
    form.submit().follow()
    dbsession.expire_all()
    org = dbsession.get(Organisation, users.organisation.id)
    assert (org.website, org.email, org.kind) == ("https://spolek.cz", "info@spolek.cz", "ngo")


def test_others_get_404(testapp, users):
    for who in (users.member, users.other_representative):
        testapp.login(who)
        testapp.get(manage_url(users.organisation), status=404)
        testapp.post_form(f"/organisation/{users.organisation.id}/members",
                          {"email": who.email}, status=404)
        testapp.post_form(f"/organisation/{users.organisation.id}/members/{users.member.id}",
                          {"action": "remove"}, status=404)
    testapp.get("/organisation/abc/manage", status=404)


def test_make_a_member_representative(testapp, users, dbsession):
    testapp.login(users.representative)
    testapp.post_form(f"/organisation/{users.organisation.id}/members/{users.member.id}",
                      {"action": "representative"}).follow()
    dbsession.expire_all()
    assert dbsession.scalar(sa.select(Membership.is_representative).where(
        Membership.organisation_id == users.organisation.id,
        Membership.user_id == users.member.id))


def test_last_representative_cannot_leave_the_role(testapp, users, dbsession):
    testapp.login(users.representative)
    url = f"/organisation/{users.organisation.id}/members/{users.representative.id}"
    page = testapp.post_form(url, {"action": "member"}).follow()
    assert "alespoň jednoho zástupce" in html_text(page)
    row = [f for f in page.forms.values()
           if (f.action or "").endswith(f"/members/{users.member.id}")][0]
    row.submit("action", value="remove").follow()
    assert dbsession.scalar(sa.select(Membership).where(
        Membership.organisation_id == users.organisation.id,
        Membership.user_id == users.member.id)) is None


def test_join_request_and_approval(testapp, make_testapp, app, users, dbsession):
    testapp.login(users.other_representative)
    page = testapp.get("/my/organisations")
    form = page.forms["join-form"]
    form["organisation"] = str(users.organisation.id)
    form["message"] = "Rád bych pomohl."
    page = form.submit().follow()
    assert "Čeká na schválení" in html_text(page)
    assert str(users.organisation.id) not in [
        v for v, *_ in page.forms["join-form"]["organisation"].options] \
        if "join-form" in page.forms else True
    # A forged second request for the same organisation is harmless.
    testapp.post_form("/my/organisations", {"organisation": str(users.organisation.id)})
    assert dbsession.scalar(sa.select(sa.func.count(MembershipRequest.id))) == 1
    rep_note = dbsession.scalar(sa.select(Notification).where(
        Notification.user_id == users.representative.id))
    assert "žádá o členství" in rep_note.subject

    rep = make_testapp(app).login(users.representative)
    manage = rep.get(manage_url(users.organisation))
    assert "Rád bych pomohl." in manage.text
    asked = dbsession.scalar(sa.select(MembershipRequest))
    rep.post_form(f"/organisation/{users.organisation.id}/requests/{asked.id}",
                  {"action": "approve"}).follow()
    assert dbsession.scalar(sa.select(Membership).where(
        Membership.organisation_id == users.organisation.id,
        Membership.user_id == users.other_representative.id)) is not None
    # The request is gone; approving it again is a 404, not a 500.
    rep.post_form(f"/organisation/{users.organisation.id}/requests/{asked.id}",
                  {"action": "approve"}, status=404)


def test_member_leaves(testapp, users, dbsession):
    testapp.login(users.member)
    testapp.post_form(f"/my/organisations/{users.organisation.id}/leave", {}).follow()
    assert dbsession.scalar(sa.select(Membership).where(
        Membership.user_id == users.member.id)) is None


def test_staff_manage_any_organisation(testapp, users, dbsession):
    testapp.login(users.staff)
    page = testapp.get(manage_url(users.other_organisation))
    assert users.other_representative.name in html_text(page)


def test_dashboard_widget_lists_my_organisations(testapp, users):
    testapp.login(users.representative)
    page = testapp.get("/my")
    assert users.organisation.name in html_text(page)
    assert f"/organisation/{users.organisation.id}\"" in page.text


def test_manage_page_ids_are_unique_so_every_input_has_its_label(testapp, users):
    import re

    testapp.login(users.representative)
    page = testapp.get(manage_url(users.organisation)).text
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"', page):
        assert f'for="{field_id}"' in page, field_id
