"""With the CRM: a case shows in the timeline of the contact with the asker's address."""
import pytest

pytest.importorskip("hub_crm")


def test_case_appears_in_the_contacts_timeline_and_links_back(make_app, make_testapp, users,
                                                              dbsession, make_case):
    from hub_crm.models import Contact

    client = make_testapp(make_app("crm", "counselling"))
    contact = Contact(kind="person", first_name="Petr", last_name="Novák", name="Petr Novák",
                      email="petr@example.org")
    other = Contact(kind="person", first_name="Jana", last_name="Jiná", name="Jana Jiná",
                    email="jana@example.org")
    dbsession.add_all([contact, other])
    dbsession.flush()
    case = make_case(email="Petr@example.org")
    client.login(users.admin)
    timeline = client.get(f"/crm/staff/contacts/{contact.id}").text
    assert case.reference in timeline and f"/counselling/staff/{case.id}" in timeline
    assert case.reference not in client.get(f"/crm/staff/contacts/{other.id}").text
    shown = client.post_form(f"/counselling/staff/{case.id}", {"action": "read"})
    assert "/crm/staff/contacts?q=petr%40example.org" in shown.text
    client.login(users.staff)  # sees contacts, but is no counsellor: no case in the timeline
    assert case.reference not in client.get(f"/crm/staff/contacts/{contact.id}").text


def test_the_crm_sends_questions_to_counselling(make_app, make_testapp):
    client = make_testapp(make_app("crm", "counselling"))
    assert client.get("/crm/ask", status=303).location.endswith("/counselling")
    home = client.get("/").text
    assert "/crm/ask" not in home and 'href="/counselling"' in home
