"""The public directory shows exactly the fields each person agreed to, one consent each."""
import sqlalchemy as sa

from hub.consent import ConsentRecord
from hub.testing import html_text
from hub_crm.consent import DIRECTORY, directory_fields
from hub_crm.models import Relationship
from hub_crm.services import make_token


def test_the_person_ticks_fields_and_only_those_are_public(client, anonymous, crm):
    person = crm.contact("vera@example.cz", first="Věra", last="Veřejná", phone="777 123 456",
                         stakeholder_type="caregiver", region="Brno")
    org = crm.contact("spolek@example.cz", first="", last="")
    org.kind, org.name = "organisation", "Spolek Naděje"
    crm.req.dbsession.add(Relationship(contact_id=person.id, related_id=org.id,
                                       kind="member_of"))
    crm.req.dbsession.flush()
    url = f"/crm/preferences/{make_token(crm.req, person.id)}"
    page = client.get(url)
    assert DIRECTORY.text_in("cs") in page.text
    form = page.forms["preferences-form"]
    form["directory_region"].checked = True  # without the name: nobody is listed
    refused = form.submit(status=422)
    assert "Zaškrtněte i jméno" in refused.text
    assert directory_fields(crm.req, person) == set()
    form = refused.forms["preferences-form"]
    form["directory_name"].checked = True
    form["directory_region"].checked = True
    form.submit().follow()
    assert directory_fields(crm.req, person) == {"name", "region"}
    public = html_text(anonymous.get(f"/crm/people/{person.id}"))
    assert "Věra Veřejná" in public and "Brno" in public
    for hidden in ("Pečující", "vera@example.cz", "777 123 456", "Spolek Naděje"):
        assert hidden not in public
    people = html_text(anonymous.get("/crm")).split("Lidé")[-1]  # past the search form
    assert "Věra Veřejná Brno" in people and "Pečující" not in people
    assert "Věra" in html_text(anonymous.get("/crm", {"region": "Brno"}))
    # Searching by a field not shown would reveal it: it finds nobody.
    assert "Věra" not in html_text(anonymous.get("/crm", {"type": "caregiver"}))
    form = client.get(url).forms["preferences-form"]
    for field in ("stakeholder_type", "organisation", "contact"):
        form[f"directory_{field}"].checked = True
    form["directory_region"].checked = False
    form.submit().follow()
    public = html_text(anonymous.get(f"/crm/people/{person.id}"))
    for shown in ("Pečující", "vera@example.cz", "777 123 456", "Spolek Naděje"):
        assert shown in public
    assert "Brno" not in public
    assert "Věra" in html_text(anonymous.get("/crm", {"type": "caregiver"}))
    assert "Věra" not in html_text(anonymous.get("/crm", {"region": "Brno"}))
    records = crm.req.dbsession.scalars(sa.select(ConsentRecord).where(
        ConsentRecord.purpose == "crm.directory").order_by(ConsentRecord.id)).all()
    assert [(r.object, r.action, r.source) for r in records] == [
        ("field:name", "given", "form"), ("field:region", "given", "form"),
        ("field:organisation", "given", "form"), ("field:stakeholder_type", "given", "form"),
        ("field:region", "withdrawn", "form"), ("field:contact", "given", "form")]


def test_withdrawing_the_name_on_my_consents_removes_the_person_at_once(client, anonymous,
                                                                        users, crm):
    person = crm.contact(users.member.email, first="Marie", last="Listovaná",
                         directory=("name", "region"), region="Praha",
                         user_id=users.member.id)
    assert "Marie Listovaná" in html_text(anonymous.get("/crm"))  # kept for visitors now
    client.login(users.member)
    mine = {(c["purpose"], c["object"]) for c in client.get("/api/v1/me/consents").json["items"]
            if c["given"]}
    assert ("crm.directory", "field:name") in mine
    client.delete("/api/v1/me/consents/crm.directory?object=field:name",
                  headers={"X-CSRF-Token": client.csrf_token, "Origin": client.origin},
                  status=204)
    assert "Marie Listovaná" not in html_text(anonymous.get("/crm"))
    anonymous.get(f"/crm/people/{person.id}", status=404)


def test_staff_cannot_list_anybody_from_the_contact_form(client, users, crm):
    contact = crm.contact("jana@example.cz")
    client.login(users.staff)
    form = client.get(f"/crm/staff/contacts/{contact.id}/edit").forms["contact-form"]
    assert "directory_opt_in" not in form.fields
    api = client.get(f"/api/v1/crm/contacts/{contact.id}").json
    assert api["directory_fields"] == []
    client.patch_json(f"/api/v1/crm/contacts/{contact.id}", {"directory_opt_in": True},
                      headers={"X-CSRF-Token": client.csrf_token, "Origin": client.origin},
                      status=422)
