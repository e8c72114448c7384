"""TOTP two-factor sign-in: enrolment, codes used once, recovery codes, staff must use it."""
import datetime as dt

import pyotp
import sqlalchemy as sa
import time_machine

from hub.accounts.models import RecoveryCode, User
from hub.testing import TEST_PASSWORD, html_text, make_user

from .conftest import mails_to


def enrol(client, dbsession, user):
    page = client.get("/account/2fa")
    secret = page.html.select_one("code.hub-secret").text.strip()
    form = page.forms["totp-enable-form"]
    form["code"] = pyotp.TOTP(secret).now()
    done = form.submit()
    codes = [c.text for c in done.html.select(".hub-code-list code")]
    return secret, codes


@time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, 0, tzinfo=dt.UTC), tick=False)
def test_enrolment_then_sign_in_asks_for_a_code_used_once(testapp, make_testapp, app, users,
                                                           dbsession, login_form):
    # Time stands still: enrolment and sign-in fall into the same 30-second step.
    testapp.login(users.member)
    secret, codes = enrol(testapp, dbsession, users.member)
    assert len(codes) == 10
    dbsession.expire_all()
    user = dbsession.get(User, users.member.id)
    assert user.totp_secret == secret
    stored = dbsession.scalars(sa.select(RecoveryCode.code_hash).where(
        RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # hashed at rest

    client = make_testapp(app)
    step = login_form(client, users.member.email, TEST_PASSWORD)
    assert step.location.endswith("/login/2fa")
    assert client.get("/my").status_int == 302  # not signed in yet
    page = step.follow()
    assert 'autocomplete="one-time-code"' in page.text
    form = page.forms["login-2fa-form"]
    # The code of the enrolment step is spent: a replay is rejected.
    form["code"] = pyotp.TOTP(secret).now()
    assert "už byl použit" in html_text(form.submit())
    # A recovery code works once and the user is told by e-mail.
    form = client.get("/login/2fa").forms["login-2fa-form"]
    form["code"] = codes[0]
    assert form.submit().location.endswith("/my")
    assert client.get("/my").status_int == 200
    assert any("záložní" in m.subject for m in mails_to(dbsession, users.member.email))

    again = make_testapp(app)
    login_form(again, users.member.email, TEST_PASSWORD)
    form = again.get("/login/2fa").forms["login-2fa-form"]
    form["code"] = codes[0]
    assert "už byl použit" in html_text(form.submit())


def test_wrong_codes_are_rate_limited(testapp, make_testapp, app, users, dbsession,
                                      login_form):
    testapp.login(users.member)
    enrol(testapp, dbsession, users.member)
    client = make_testapp(app)
    login_form(client, users.member.email, TEST_PASSWORD)
    for _i in range(5):
        form = client.get("/login/2fa").forms["login-2fa-form"]
        form["code"] = "000000"
        form.submit()
    form = client.get("/login/2fa").forms["login-2fa-form"]
    form["code"] = "000000"
    assert form.submit(status=429).headers["Retry-After"]


def test_staff_without_two_factor_is_sent_to_enrolment(testapp, dbsession):
    staff = make_user(dbsession, "new-staff@test.example", "staff")
    staff.totp_secret = None
    dbsession.flush()
    testapp.login(staff)
    for path in ("/my", "/profile", "/admin/users"):
        assert testapp.get(path).location.endswith("/account/2fa")
    page = testapp.get("/account/2fa")
    assert "musí přihlašovat druhým faktorem" in html_text(page)
    secret = page.html.select_one("code.hub-secret").text.strip()
    form = page.forms["totp-enable-form"]
    form["code"] = pyotp.TOTP(secret).now()
    form.submit()
    assert testapp.get("/admin/users").status_int == 200
    # Staff cannot switch it off.
    assert "totp-disable-form" not in testapp.get("/account/2fa").forms


def test_member_can_switch_two_factor_off_with_a_code(testapp, users, dbsession):
    testapp.login(users.member)
    secret, codes = enrol(testapp, dbsession, users.member)
    form = testapp.get("/account/2fa").forms["totp-disable-form"]
    form["code"] = codes[1]
    form.submit().follow()
    dbsession.expire_all()
    assert dbsession.get(User, users.member.id).totp_secret is None
    assert dbsession.scalar(sa.select(sa.func.count(RecoveryCode.id))) == 0
