"""No N+1: the number of queries of the contact list, a contact page, a segment page and the
public directory does not grow with the number of rows shown."""
import contextlib

from hub.testing import count_queries
from hub_crm.models import Activity, Relationship, Tag

TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK")


@contextlib.contextmanager
def counting(connection):
    """The statements sent meanwhile, without the test transaction's savepoints."""
    with count_queries(connection) as statements:
        yield statements
    statements[:] = [s for s in statements
                     if not s.lstrip().upper().startswith(TRANSACTION_CONTROL)]


def make_contacts(crm, start, count, topic, tag):
    made = []
    for n in range(start, start + count):
        contact = crm.contact(f"osoba{n}@example.cz", first=f"Osoba{n}", consents=("newsletter",),
                              stakeholder_type="patient", region="Praha",
                              directory=("name", "stakeholder_type", "region"))
        contact.tags = [tag]
        contact.topics = [topic]
        crm.req.dbsession.add(Activity(contact_id=contact.id, kind="note", text=f"Poznámka {n}"))
        made.append(contact)
    crm.req.dbsession.flush()
    return made


def queries(client, connection, url):
    client.get(url)  # warm caches that are filled once
    with counting(connection) as statements:
        client.get(url, status=200)
    return len(statements)


CAP = 25  # the page itself, session, menus and widgets of the shell included


def test_query_counts_do_not_grow_with_rows(client, users, crm, connection, anonymous):
    # The directory signed in: anonymous visitors get a kept page (no query at all).
    anonymous.login(users.member)
    topic = crm.topic("Práva pacientů", "theme")
    tag = Tag(name="mentor")
    crm.req.dbsession.add(tag)
    field = crm.field("employer", special=False)
    first = make_contacts(crm, 0, 3, topic, tag)
    crm.value(first[0], field, "FN Brno")
    crm.req.dbsession.add(Relationship(contact_id=first[1].id, related_id=first[0].id,
                                       kind="member_of"))
    segment = crm.segment("Praha", "newsletter", [{"kind": "region", "value": "Praha"}])
    client.login(users.staff)
    pages = {"contacts": "/crm/staff/contacts", "contact": f"/crm/staff/contacts/{first[0].id}",
             "segment": f"/crm/staff/segments/{segment.id}", "directory": "/crm",
             "api": f"/api/v1/crm/segments/{segment.id}/contacts"}
    few = {name: queries(anonymous if name == "directory" else client, connection, url)
           for name, url in pages.items()}
    more = make_contacts(crm, 3, 30, topic, tag)
    for contact in more:
        crm.value(contact, field, "FN Motol")
        # The contact page lists its relationships and its timeline.
        crm.req.dbsession.add(Relationship(contact_id=first[0].id, related_id=contact.id,
                                           kind="works_for"))
        crm.req.dbsession.add(Activity(contact_id=first[0].id, kind="call", text="Hovor"))
    crm.req.dbsession.flush()
    many = {name: queries(anonymous if name == "directory" else client, connection, url)
            for name, url in pages.items()}
    assert many == few, (few, many)
    assert max(many.values()) <= CAP, many


def test_the_directory_is_kept_for_visitors_until_it_changes(crm, anonymous, connection):
    import transaction

    crm.contact("verejna@example.cz", first="Věra", region="Brno",
                directory=("name", "stakeholder_type", "region"))
    transaction.commit()
    anonymous.get("/crm?type=person")  # rendered once, then kept
    with counting(connection) as statements:
        anonymous.get("/crm?type=person")
    assert statements == []
    crm.contact("druha@example.cz", first="Dana", region="Brno",
                directory=("name", "stakeholder_type", "region"))
    transaction.commit()
    with counting(connection) as statements:
        anonymous.get("/crm?type=person")
    assert statements  # a contact changed: rendered anew
