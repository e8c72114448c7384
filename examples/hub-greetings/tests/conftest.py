"""Fixtures come from hub.testing (a pytest plugin of hub-core): ``testapp`` is the hub with
the plugins of ``hub_plugins`` in pyproject.toml, on a database of its own."""
import pytest

ORIGIN = "https://hub.example.org"


@pytest.fixture
def add_entry(dbsession):
    """``add_entry(text, author=None)``: an entry in the test's transaction."""
    from hub_greetings.models import Entry

    def _add(text: str, author=None):
        entry = Entry(text=text, author_id=author.id if author else None)
        dbsession.add(entry)
        dbsession.flush()
        return entry

    return _add


@pytest.fixture
def api_headers(testapp) -> dict:
    """What a browser script sends with a cookie session: the CSRF token and its origin."""
    return {"X-CSRF-Token": testapp.csrf_token, "Origin": ORIGIN}
