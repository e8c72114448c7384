"""The core's pages cost a fixed number of queries, however much there is to show."""
import transaction

from hub.i18n import _
from hub.jobs import background_request
from hub.notifications import notify
from hub.organizations.models import Membership, Organisation
from hub.testing import count_queries


def add_memberships(dbsession, user, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        org = Organisation(name=f"Spolek {n}", slug=f"spolek-dotazy-{n}")
        dbsession.add(org)
        dbsession.flush()
        dbsession.add(Membership(user_id=user.id, organisation_id=org.id))
    dbsession.flush()


def test_my_hub_needs_no_query_per_organisation_or_notification(testapp, dbsession, users,
                                                                connection, app):
    testapp.login(users.member)
    add_memberships(dbsession, users.member, 1)
    testapp.get("/my")  # warm-up: templates, regions
    with count_queries(connection) as few:
        testapp.get("/my")
    add_memberships(dbsession, users.member, 10, start=1)
    transaction.commit()
    for _n in range(10):
        request = background_request(app.registry,
                                     tm=transaction.TransactionManager(explicit=True))
        with request.tm:
            notify(request, users.member, "hub.announcement", _("Access denied"))
    with count_queries(connection) as many:
        page = testapp.get("/my")
    assert "Spolek 10" in page.text
    # The kept role, badge and organisations block are read again once; nothing per row.
    assert len(many) <= len(few) + 3, many


def test_a_kept_public_page_costs_no_query(testapp, connection):
    testapp.get("/accessibility")
    with count_queries(connection) as statements:
        testapp.get("/accessibility")
    assert statements == []
