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
    def rendered_in_full():
        app.registry["hub.cache"].clear()  # count everything, not what happens to be kept
        with count_queries(connection) as statements:
            page = testapp.get("/my")
        return page, statements

    testapp.login(users.member)
    add_memberships(dbsession, users.member, 1)
    testapp.get("/my")  # warm-up: templates
    _page, few = rendered_in_full()
    add_memberships(dbsession, users.member, 10, start=1)
    transaction.commit()
    for _n in range(10):
        request = background_request(app.registry,
                                     tm=transaction.TransactionManager(explicit=True))
        with request.tm:
            notify(request, users.member, "hub.announcement", _("Access denied"))
    page, many = rendered_in_full()
    assert "Spolek 10" in page.text
    assert len(many) == len(few), many


def test_my_hub_kept_blocks_cost_no_queries(testapp, users, connection):
    testapp.login(users.member)
    testapp.get("/my")
    with count_queries(connection) as statements:
        testapp.get("/my")
    # Only the session and the person: every block, the badge and the roles are kept.
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 2, \
        statements


def test_a_kept_public_page_costs_no_query(testapp, connection):
    testapp.get("/accessibility")
    with count_queries(connection) as statements:
        testapp.get("/accessibility")
    assert statements == []
