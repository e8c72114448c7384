"""Concurrent requests: the database decides, nobody gets a 500."""
import sqlalchemy as sa

from hub.accounts.models import User
from hub.testing import _make_testapp


def test_simultaneous_registrations_of_one_address(committed_app, concurrent):
    app = committed_app()

    def register(i):
        client = _make_testapp(app)
        client.get("/register")
        return client.post_form("/register", {
            "name": f"Souběh {i}", "email": "race@example.cz",
            "password": "souběžná registrace funguje", "language": "cs", "terms": "on"},
            status="*").status_int

    statuses = concurrent(4, register)
    assert all(s == 303 for s in statuses), statuses
    with app.registry["hub.dbsession_factory"]() as db:
        assert db.scalar(sa.select(sa.func.count(User.id)).where(
            User.email == "race@example.cz")) == 1
