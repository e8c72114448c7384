"""A live portal with demo data served on 127.0.0.1, and headless Chromium from Debian.

The browser fixture lives in tests/conftest.py, shared with the security suite.
"""
import os
import uuid

import pytest

from hub.testing import served

ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts")


@pytest.fixture(scope="session")
def mail_sink():
    """The SMTP server the live portal sends every e-mail to (``live_server.mail``)."""
    from hub.testing import SMTPSink

    sink = SMTPSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def live_server(base_settings, tmp_path_factory, mail_sink):
    """Base URL of the portal (all bundled plugins, demo data) served by waitress.

    ``live_server.mail`` is the SMTP sink that receives the portal's e-mails.
    """
    from hub import migrate
    from hub.app import make_config
    from hub.db import make_engine
    from hub.demo import load_demo_data

    path = tmp_path_factory.mktemp("live") / "live.sqlite"
    url = f"sqlite:///{path}"
    # A 10 s SQLite busy timeout (not 30 s): a request stuck on a lock fails sooner.
    engine = make_engine(url, connect_args={"timeout": 10})
    settings = {**base_settings, "sqlalchemy.url": url, "hub.dbengine": engine,
                "mail.backend": "smtp", "mail.host": mail_sink.host,
                "mail.port": str(mail_sink.port)}
    config = make_config(settings)
    migrate.upgrade(config.registry)
    load_demo_data(config.registry)
    with served(config.make_wsgi_app()) as base:
        yield type("Live", (), {"url": base, "registry": config.registry, "mail": mail_sink})


def sign_in(context, live, email):
    """Give a browser context the session cookie of the user with ``email``."""
    import sqlalchemy as sa

    from hub.accounts.models import User, UserSession
    from hub.db import utcnow
    from hub.sessions import COOKIE_NAME, hash_token

    token = uuid.uuid4().hex * 2
    with live.registry["hub.dbsession_factory"]() as db:
        user = db.scalars(sa.select(User).where(User.email == email)).one()
        if user.is_staff and not user.totp_secret:
            # Staff must use two-factor sign-in; the session below stands for a completed one.
            import pyotp

            user.totp_secret = pyotp.random_base32(32)
        db.add(UserSession(id=hash_token(token), user_id=user.id, data={},
                           created_at=utcnow(), last_seen_at=utcnow()))
        db.commit()
    context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": live.url}])


@pytest.fixture(scope="session")
def sign_in_as():
    """``sign_in(context, live, email)`` for tests that make their own browser contexts."""
    return sign_in


@pytest.fixture
def page_for(browser, live_server):
    """``page_for(email or None, locale="cs")``: a new page, signed in when email is given."""
    contexts = []

    def _make(email=None, locale="cs"):
        context = browser.new_context(locale=locale)
        context.set_default_timeout(10_000)  # a missing control fails fast
        context.set_default_navigation_timeout(30_000)
        if locale != "cs":
            context.add_cookies([{"name": "hub_lang", "value": locale, "url": live_server.url}])
        if email:
            sign_in(context, live_server, email)
        contexts.append(context)
        return context.new_page()

    yield _make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():
    """``screenshot(page, name)``: save a full-page PNG under test-artifacts/."""

    def _save(page, name):
        os.makedirs(ARTIFACTS, exist_ok=True)
        page.screenshot(path=os.path.join(ARTIFACTS, f"{name}.png"), full_page=True)

    return _save
