"""Personal data: export, erasure, and every personal table covered by a plugin."""
import io
import json
import zipfile

import sqlalchemy as sa

from hub.accounts.models import AuditEvent, User, UserSession
from hub.organizations.models import Membership
from hub.testing import TEST_PASSWORD, checks


def test_every_table_with_personal_columns_is_covered(make_app):
    """Fails for a plugin that forgets hub_personal_data_tables (that is intended)."""
    from hub.plugins import installed_plugins

    app = make_app(*sorted(installed_plugins()))
    assert checks.uncovered_personal_tables(app.registry) == []


def test_export_contains_my_data_only(testapp, users):
    testapp.login(users.member)
    response = testapp.get("/profile").forms["export-form"].submit()
    assert response.content_disposition.startswith("attachment;")
    with zipfile.ZipFile(io.BytesIO(response.body)) as archive:
        assert sorted(archive.namelist()) == ["data.html", "data.json"]
        data = json.loads(archive.read("data.json"))
        html = archive.read("data.html").decode()
    text = json.dumps(data, ensure_ascii=False)
    assert users.member.email in text and users.organisation.name in text
    assert users.representative.email not in text and users.admin.email not in text
    assert "password" not in text.lower().replace("password_changed_at", "")
    assert "<table" in html and "Marie Členová" in html


def test_export_needs_post_with_csrf(testapp, users):
    testapp.login(users.member)
    testapp.get("/profile/export", status=404)
    testapp.post("/profile/export", status=400, headers={"Origin": "https://hub.example.org"})


def test_erase_my_account(testapp, make_testapp, app, users, dbsession):
    other = make_testapp(app).login(users.member)
    testapp.login(users.member)
    form = testapp.get("/profile/delete").forms["erase-form"]
    form["password"] = "wrong password here"
    form["confirm"] = True
    assert "Heslo není správné" in form.submit().text
    form = testapp.get("/profile/delete").forms["erase-form"]
    form["password"] = TEST_PASSWORD
    form["confirm"] = True
    response = form.submit()
    assert "cookies" in response.headers["Clear-Site-Data"]
    dbsession.expire_all()
    user = dbsession.get(User, users.member.id)
    assert user.email != "member@test.example" and user.name == ""
    assert not user.is_active and user.password_hash is None and user.erased_at
    assert dbsession.scalar(sa.select(Membership).where(Membership.user_id == user.id)) is None
    assert dbsession.scalar(sa.select(UserSession).where(UserSession.user_id == user.id)) is None
    assert dbsession.scalar(sa.select(AuditEvent).where(
        AuditEvent.subject_id == user.id, AuditEvent.action == "account_erased")) is not None
    assert other.get("/my").status_int == 302
    page = testapp.get("/login").forms["login-form"]
    page["email"], page["password"] = "member@test.example", TEST_PASSWORD
    assert page.submit().status_int == 200  # cannot sign in any more
