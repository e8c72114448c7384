"""Account safety over real HTTP, on a database that really commits (file SQLite as
`make run` starts it, or PostgreSQL), while other people's requests write.

Each action that ends a person's other sessions must finish quickly and take effect: the
other browser is signed out, an old password is refused, a deactivated or erased account
cannot be used.
"""
import re
import threading
import time

import pytest
import sqlalchemy as sa

from hub.accounts.models import User, UserSession
from hub.mail import MailMessage
from hub.testing import TEST_PASSWORD, HTTPClient, make_user, served

NEW_PASSWORD = "seven quiet harbours at dawn"  # noqa: S105 (a test account)
WITHIN = 2.0  # seconds an account-safety action may take under load


@pytest.fixture
def site(committed_app):
    app = committed_app()
    factory = app.registry["hub.dbsession_factory"]
    with factory() as db:
        people = {name: make_user(db, f"{name}@example.org", role=role)
                  for name, role in (("member", "member"), ("busy", "member"),
                                     ("admin", "admin"))}
        ids = {name: user.id for name, user in people.items()}
        db.commit()
    with served(app, threads=8) as url:
        yield app, url, ids


@pytest.fixture
def writers(site):
    """Another person writing while the action runs: profile edits, as fast as they go."""
    app, url, ids = site
    stop = threading.Event()
    errors: list = []

    def write(n):
        client = HTTPClient(url)
        signed_in = client.sign_in("busy@example.org", TEST_PASSWORD)
        assert signed_in.status == 303, signed_in.status
        i = 0
        while not stop.is_set():
            i += 1
            response = client.post_form("/profile", {"name": f"Busy {n}-{i}", "language": "cs"})
            if response.status >= 500:
                errors.append(response.status)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)  # the writers are under way
    yield
    stop.set()
    for thread in threads:
        thread.join(30)
    assert errors == []


def timed(action):
    started = time.monotonic()
    response = action()
    return response, time.monotonic() - started


def signed_in_twice(url, email, password=TEST_PASSWORD):
    first, second = HTTPClient(url), HTTPClient(url)
    for client in (first, second):
        assert client.sign_in(email, password).status == 303
        assert client.get("/my").status == 200
    return first, second


def test_sign_out_everywhere(site, writers):
    _app, url, _ids = site
    here, elsewhere = signed_in_twice(url, "member@example.org")
    response, took = timed(lambda: here.post_form("/logout/everywhere", {}))
    assert response.status == 303 and took < WITHIN
    assert elsewhere.get("/my").status == 302
    assert here.get("/my").status == 302


def test_password_change(site, writers):
    _app, url, _ids = site
    here, elsewhere = signed_in_twice(url, "member@example.org")
    response, took = timed(lambda: here.post_form("/account/password", {
        "current": TEST_PASSWORD, "password": NEW_PASSWORD}))
    assert response.status == 303 and took < WITHIN
    assert here.get("/my").status == 200  # this browser stays signed in
    assert elsewhere.get("/my").status == 302
    assert HTTPClient(url).sign_in("member@example.org", TEST_PASSWORD).status == 200
    assert HTTPClient(url).sign_in("member@example.org", NEW_PASSWORD).status == 303


def test_password_reset(site, writers):
    app, url, ids = site
    _first, elsewhere = signed_in_twice(url, "member@example.org")
    stranger = HTTPClient(url)
    assert stranger.post_form("/account/reset", {"email": "member@example.org"}).status == 303
    with app.registry["hub.dbsession_factory"]() as db:
        text = db.scalars(sa.select(MailMessage.text).where(
            MailMessage.recipient == "member@example.org")).all()[-1]
    token = re.search(r"/account/reset/confirm\?token=([\w-]+)", text).group(1)
    assert stranger.get(f"/account/reset/confirm?token={token}").status == 200
    response, took = timed(lambda: stranger.post_form(
        "/account/reset/confirm", {"token": token, "password": NEW_PASSWORD}))
    assert response.status == 303 and took < WITHIN
    assert elsewhere.get("/my").status == 302
    assert HTTPClient(url).sign_in("member@example.org", TEST_PASSWORD).status == 200
    assert HTTPClient(url).sign_in("member@example.org", NEW_PASSWORD).status == 303


def test_deactivation_by_an_administrator(site, writers):
    app, url, ids = site
    _first, member = signed_in_twice(url, "member@example.org")
    admin = HTTPClient(url).with_session(app, ids["admin"])
    response, took = timed(lambda: admin.post_form(
        f"/admin/users/{ids['member']}/active", {"active": "0"}))
    assert response.status == 303 and took < WITHIN
    assert member.get("/my").status == 302
    assert HTTPClient(url).sign_in("member@example.org", TEST_PASSWORD).status != 303


def test_erasure_of_ones_own_account(site, writers):
    app, url, ids = site
    here, elsewhere = signed_in_twice(url, "member@example.org")
    response, took = timed(lambda: here.post_form("/profile/delete", {
        "password": TEST_PASSWORD, "confirm": "on"}))
    assert response.status == 303 and took < WITHIN
    assert elsewhere.get("/my").status == 302
    assert HTTPClient(url).sign_in("member@example.org", TEST_PASSWORD).status != 303
    with app.registry["hub.dbsession_factory"]() as db:
        user = db.get(User, ids["member"])
        assert user.erased_at is not None and user.email != "member@example.org"
        assert db.scalar(sa.select(sa.func.count()).select_from(UserSession).where(
            UserSession.user_id == ids["member"])) == 0
