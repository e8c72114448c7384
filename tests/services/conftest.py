"""Fixtures of the core services' tests."""
import pytest

from hub.contributions import NotificationKind


@pytest.fixture
def core_app(make_app):
    """The core alone (no plugins), with two notification kinds of a pretend plugin."""
    app = make_app(**{"hub.plugins": ""})
    kinds = app.registry["hub.notification_kinds"]
    kinds.setdefault("test.news", NotificationKind("test.news", "News"))
    kinds.setdefault("test.quiet", NotificationKind("test.quiet", "Quiet",
                                                    default_channels=("inbox",)))
    return app


@pytest.fixture
def client(core_app, make_testapp):
    return make_testapp(core_app)


@pytest.fixture
def api_token(dbsession, users):
    """A valid token of ``users.member``: ``(row, secret)``."""
    from hub.tokens import create_token

    return create_token(dbsession, users.member, "tests")
