"""Sign-in, rate limits, sessions, logout, password reset and change."""
import datetime as dt

import sqlalchemy as sa
import time_machine

from hub.accounts.models import AccountToken, User
from hub.accounts.passwords import hash_password
from hub.testing import TEST_PASSWORD, html_text

from .conftest import link_in, mails_to

NEW = "zelený slon tančí na střeše"


def test_login_rotates_session_and_csrf_and_honours_safe_next(testapp, users, login_form):
    testapp.get("/register")  # any page: the visitor gets a CSRF cookie
    csrf_before = testapp.cookies["hub_csrf"]
    page = testapp.get("/login?next=/profile")
    form = page.forms["login-form"]
    form["email"], form["password"] = users.member.email, TEST_PASSWORD
    response = form.submit()
    assert response.location.endswith("/profile")
    assert testapp.cookies["hub_csrf"] != csrf_before
    first = testapp.cookies["hub_session"]
    # Signing in again gives a new session id; the old cookie is dead.
    testapp.post_form("/login", {"email": users.member.email, "password": TEST_PASSWORD})
    assert testapp.cookies["hub_session"] != first
    testapp.set_cookie("hub_session", first)
    assert testapp.get("/my").status_int == 302


def test_login_refuses_foreign_next(testapp, users, login_form):
    page = testapp.get("/login?next=//evil.example/x")
    form = page.forms["login-form"]
    form["email"], form["password"] = users.member.email, TEST_PASSWORD
    assert form.submit().location == "https://hub.example.org/my"


def test_unknown_account_and_wrong_password_look_the_same(testapp, users, login_form):
    unknown = login_form(testapp, "nobody@example.cz", "whatever password 1")
    wrong = login_form(testapp, users.member.email, "whatever password 1")
    assert unknown.status_int == wrong.status_int == 200
    assert html_text(unknown).replace("nobody@example.cz", "X") == \
        html_text(wrong).replace(users.member.email, "X")


def test_inactive_account_cannot_sign_in(testapp, users, dbsession, login_form):
    users.member.is_active = False
    dbsession.flush()
    assert login_form(testapp, users.member.email, TEST_PASSWORD).status_int == 200


def test_account_rate_limit_gives_429_then_recovers(testapp, users, login_form):
    for _i in range(10):
        assert login_form(testapp, users.member.email, "wrong password 123").status_int == 200
    blocked = login_form(testapp, users.member.email, TEST_PASSWORD)
    assert blocked.status_int == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "Příliš mnoho pokusů" in html_text(blocked)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)):
        assert login_form(testapp, users.member.email, TEST_PASSWORD).status_int == 303


def test_ip_rate_limit_across_accounts(testapp, login_form):
    for i in range(30):
        login_form(testapp, f"someone{i}@example.cz", "wrong password 123")
    assert login_form(testapp, "another@example.cz", "wrong password 123").status_int == 429


def test_old_hash_is_upgraded_at_sign_in(testapp, users, dbsession, login_form):
    from argon2 import PasswordHasher

    users.member.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(
        TEST_PASSWORD)
    dbsession.flush()
    login_form(testapp, users.member.email, TEST_PASSWORD)
    dbsession.expire_all()
    assert "m=65536" in dbsession.get(User, users.member.id).password_hash


def test_logout_ends_the_server_session(testapp, users):
    testapp.login(users.member)
    cookie = testapp.cookies["hub_session"]
    response = testapp.post_form("/logout", {})
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    testapp.set_cookie("hub_session", cookie)
    assert testapp.get("/my").location.startswith("https://hub.example.org/login?next=")


def test_logout_needs_csrf(testapp, users):
    testapp.login(users.member)
    testapp.post("/logout", status=400, headers={"Origin": "https://hub.example.org"})
    assert testapp.get("/my").status_int == 200


def request_reset(client, email, **kwargs):
    form = client.get("/account/reset").forms["reset-form"]
    form["email"] = email
    return form.submit(**kwargs)


def test_password_reset_flow(testapp, make_testapp, app, users, dbsession):
    other = make_testapp(app).login(users.member)
    unknown = request_reset(testapp, "nobody@example.cz")
    assert "Pokud účet" in html_text(unknown.follow())
    testapp.get("/account/reset")
    known = testapp.post("/account/reset", {"email": users.member.email,
                                            "csrf_token": testapp.csrf_token},
                         headers={"Origin": "https://evil.example",
                                  "Cookie": f"hub_csrf={testapp.csrf_token}"},
                         extra_environ={"HTTP_HOST": "evil.example"})
    assert unknown.status_int == known.status_int == 303
    assert unknown.location.split("/", 3)[3] == known.location.split("/", 3)[3]
    mail = mails_to(dbsession, users.member.email)[-1]
    assert "https://hub.example.org/account/reset/confirm?token=" in mail.text
    url = link_in(mail.text)
    page = testapp.get(url)
    form = page.forms["reset-confirm-form"]
    form["password"] = "short"
    assert "hub-error-summary" in form.submit().text
    form = testapp.get(url).forms["reset-confirm-form"]
    form["password"] = NEW
    form.submit().follow()
    dbsession.expire_all()
    user = dbsession.get(User, users.member.id)
    assert user.password_changed_at is not None
    assert other.get("/my").status_int == 302  # every session ended
    assert "nefunguje" in html_text(testapp.get(url))  # single use


def test_reset_link_dies_after_sign_in_and_after_an_hour(testapp, users, dbsession,
                                                         login_form):
    request_reset(testapp, users.member.email)
    url = link_in(mails_to(dbsession, users.member.email)[-1].text)
    login_form(testapp, users.member.email, TEST_PASSWORD)
    assert "nefunguje" in html_text(testapp.get(url))
    testapp.post_form("/logout", {})
    request_reset(testapp, users.member.email)
    url = link_in(mails_to(dbsession, users.member.email)[-1].text)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=61)):
        assert "nefunguje" in html_text(testapp.get(url))
    assert dbsession.scalar(sa.select(sa.func.count(AccountToken.id))) == 1


def test_password_change_needs_current_and_ends_other_sessions(testapp, make_testapp, app,
                                                               users, dbsession, login_form):
    other = make_testapp(app).login(users.member)
    testapp.login(users.member)
    form = testapp.get("/account/password").forms["password-form"]
    form["current"], form["password"] = "not my password", NEW
    assert "Současné heslo není správné" in html_text(form.submit())
    form = testapp.get("/account/password").forms["password-form"]
    form["current"], form["password"] = TEST_PASSWORD, "pacient pacient"
    assert "hub-error-summary" in form.submit().text
    form = testapp.get("/account/password").forms["password-form"]
    form["current"], form["password"] = TEST_PASSWORD, NEW
    form.submit().follow()
    assert testapp.get("/my").status_int == 200  # this browser stays signed in
    assert other.get("/my").status_int == 302
    assert mails_to(dbsession, users.member.email)[-1].subject == "Vaše heslo bylo změněno"
    testapp.post_form("/logout", {})
    assert login_form(testapp, users.member.email, NEW).status_int == 303


def test_unverified_user_gets_a_new_link_not_a_session(testapp, dbsession, login_form):
    user = User(email="new@example.cz", name="Nový", password_hash=hash_password(NEW))
    dbsession.add(user)
    dbsession.flush()
    page = login_form(testapp, "new@example.cz", NEW)
    assert page.status_int == 200 and len(mails_to(dbsession, "new@example.cz")) == 1
    assert testapp.get("/my").status_int == 302


def test_idle_and_absolute_session_timeouts(testapp, users, login_form):
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=True) as clock:
        login_form(testapp, users.member.email, TEST_PASSWORD)
        clock.move_to(start + dt.timedelta(minutes=59))
        assert testapp.get("/my").status_int == 200
        ended = None
        for step in range(1, 40):  # active every 50 minutes, yet it ends after 24 hours
            clock.move_to(start + dt.timedelta(minutes=50 * step + 59))
            if testapp.get("/my").status_int == 302:
                ended = dt.datetime.now(dt.UTC) - start
                break
        assert ended is not None
        assert dt.timedelta(hours=24) <= ended <= dt.timedelta(hours=25)
    testapp.post_form("/logout", {})
    with time_machine.travel(start, tick=True) as clock:
        login_form(testapp, users.member.email, TEST_PASSWORD)
        clock.move_to(start + dt.timedelta(minutes=61))
        assert testapp.get("/my").status_int == 302


def test_signed_in_user_skips_the_login_page(testapp, users):
    testapp.login(users.member)
    assert testapp.get("/login?next=/profile").location.endswith("/profile")


def test_change_of_email_address(testapp, users, dbsession):
    testapp.login(users.member)
    form = testapp.get("/account/email").forms["email-form"]
    form["email"], form["current"] = "marie@novy.cz", "wrong password 1"
    assert "Současné heslo není správné" in html_text(form.submit())
    form = testapp.get("/account/email").forms["email-form"]
    form["email"], form["current"] = users.representative.email, TEST_PASSWORD
    taken = form.submit()
    assert mails_to(dbsession, users.representative.email) == []  # taken: nothing sent
    form = testapp.get("/account/email").forms["email-form"]
    form["email"], form["current"] = "Marie@Novy.cz", TEST_PASSWORD
    free = form.submit()
    assert taken.location == free.location  # the same answer either way
    url = link_in(mails_to(dbsession, "marie@novy.cz")[-1].text)
    page = testapp.get(url)
    dbsession.expire_all()
    assert dbsession.get(User, users.member.id).email == "member@test.example"  # GET: no change
    page.forms["email-confirm-form"].submit().follow()
    dbsession.expire_all()
    assert dbsession.get(User, users.member.id).email == "marie@novy.cz"
    assert "změněna" in mails_to(dbsession, "member@test.example")[-1].subject
    assert "nefunguje" in html_text(testapp.get(url))
