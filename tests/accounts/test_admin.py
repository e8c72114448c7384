"""Admin pages: users (search, role, deactivation) and organisations."""
import sqlalchemy as sa

from hub.accounts.models import AuditEvent, User
from hub.organizations.models import Organisation
from hub.testing import html_text


def test_members_cannot_open_admin_pages(testapp, users):
    testapp.login(users.member)
    testapp.get("/admin/users", status=403)
    testapp.get("/admin/organisations", status=403)
    testapp.post_form(f"/admin/users/{users.staff.id}/role", {"role": "admin"}, status=403)


def test_staff_search_users(testapp, users):
    testapp.login(users.staff)
    page = testapp.get("/admin/users", {"q": "zást"})
    text = html_text(page)
    assert "Roman Zástupce" in text and "Marie Členová" not in text
    assert "Adéla" in html_text(testapp.get("/admin/users", {"role": "admin"}))
    testapp.get("/admin/users", {"q": "%_\\"})  # wildcards are searched literally
    testapp.get("/admin/users/999999", status=404)
    testapp.get("/admin/users/abc", status=404)


def test_only_admin_changes_roles_and_it_is_audited(testapp, users, dbsession):
    testapp.login(users.staff)
    assert "role-form" not in testapp.get(f"/admin/users/{users.member.id}").forms
    testapp.post_form(f"/admin/users/{users.member.id}/role", {"role": "admin"}, status=403)
    testapp.login(users.admin)
    page = testapp.get(f"/admin/users/{users.member.id}")
    form = page.forms["role-form"]
    form["role"] = "staff"
    form.submit().follow()
    dbsession.expire_all()
    assert dbsession.get(User, users.member.id).role == "staff"
    event = dbsession.scalar(sa.select(AuditEvent).where(AuditEvent.action == "role_changed"))
    assert event.actor_id == users.admin.id and event.details == {"from": "member",
                                                                  "to": "staff"}
    testapp.post_form(f"/admin/users/{users.member.id}/role", {"role": "emperor"}).follow()
    dbsession.expire_all()
    assert dbsession.get(User, users.member.id).role == "staff"


def test_deactivation_ends_sessions(testapp, make_testapp, app, users, dbsession):
    victim = make_testapp(app).login(users.member)
    testapp.login(users.staff)
    testapp.get(f"/admin/users/{users.member.id}").forms["active-form"].submit().follow()
    assert victim.get("/my").status_int == 302
    dbsession.expire_all()
    assert dbsession.get(User, users.member.id).is_active is False
    # Staff may not deactivate an admin.
    testapp.post_form(f"/admin/users/{users.admin.id}/active", {"active": "0"}, status=403)


def test_staff_create_an_organisation(testapp, users, dbsession):
    testapp.login(users.staff)
    form = testapp.get("/admin/organisations/new").forms["organisation-form"]
    form["name"], form["kind"] = "Spolek Žlutý kůň", "ngo"
    form["website"] = "not a url"
    assert "hub-error-summary" in form.submit().text
    form = testapp.get("/admin/organisations/new").forms["organisation-form"]
    form["name"], form["kind"], form["website"] = "Spolek Žlutý kůň", "ngo", "https://kun.cz"
    manage = form.submit().follow()
    org = dbsession.scalar(sa.select(Organisation).where(Organisation.name == "Spolek Žlutý kůň"))
    assert org.slug == "spolek-zluty-kun" and org.kind == "ngo"
    assert "Spolek Žlutý kůň" in html_text(manage)
    assert "Spolek Žlutý kůň" in html_text(testapp.get("/admin/organisations", {"q": "žlutý"}))


def test_account_milestones_for_the_crm_timeline(registry, users):
    from hub.accounts import hooks

    entries = hooks.hub_activity(request=None, user=users.member)
    assert [str(e["title"]) for e in entries][:2] == ["Account created", "E-mail address confirmed"]
    assert all(e["when"].tzinfo is not None for e in entries)


def test_admin_landing_lists_the_areas_of_the_admin_menu(testapp, users):
    testapp.get("/admin", status=302)  # anonymous: sign in first
    testapp.login(users.member)
    testapp.get("/admin", status=403)
    testapp.login(users.staff)
    page = testapp.get("/admin")
    links = {a.attrs["href"] for a in page.html.select("main ul.hub-admin-areas a")}
    assert "/admin/users" in links and "/admin/organisations" in links
    assert "/admin/mail" not in links  # an administrator's area, filtered by permission
    testapp.login(users.admin)
    links = {a.attrs["href"] for a in testapp.get("/admin").html.select("ul.hub-admin-areas a")}
    assert "/admin/mail" in links
    # the same entries as the menu every administration page shows
    menu = {a.attrs["href"] for a in testapp.get("/admin").html.select("nav.hub-admin-nav a")}
    assert links == menu


def test_user_list_shows_who_represents_an_organisation(testapp, users):
    testapp.login(users.staff)
    rows = {row.th.get_text(strip=True): row.select("td")[1].get_text(" ", strip=True)
            for row in testapp.get("/admin/users").html.select("tbody tr")}
    assert rows["Roman Zástupce"] == "Člen, zástupce organizace"
    assert rows["Marie Členová"] == "Člen"
