"""Custom fields: types with validation, editing and deleting definitions, values on contacts."""
import sqlalchemy as sa

from hub.testing import html_text
from hub_crm.models import AuditEntry, CustomField, FieldValue


def values_of(crm, contact):
    db = crm.req.dbsession
    db.expire_all()
    return dict(db.execute(sa.select(CustomField.key, FieldValue.value).join(
        FieldValue, FieldValue.field_id == CustomField.id).where(
        FieldValue.contact_id == contact.id)).all())


def add_field(client, key, label, kind, choices=""):
    form = client.get("/crm/staff/fields").forms["field-form"]
    form["key"], form["label"], form["type"] = key, label, kind
    form["choices"] = choices
    return form.submit()


def test_typed_fields_validate_values_on_the_contact_form(client, users, crm):
    client.login(users.admin)
    assert add_field(client, "visits", "Visits", "number").status_int == 303
    assert add_field(client, "since", "Since", "date").status_int == 303
    assert add_field(client, "volunteer", "Volunteer", "yes_no").status_int == 303
    empty = add_field(client, "size", "Size", "choice")
    assert empty.status_int == 200 and "hub-error-summary" in empty.text  # no choices
    assert add_field(client, "size", "Size", "choice", "S\nM\n\nL\nM").status_int == 303
    size = crm.req.dbsession.scalar(sa.select(CustomField).where(CustomField.key == "size"))
    assert size.type == "choice" and size.choices == ["S", "M", "L"]

    contact = crm.contact("jana@example.cz")
    client.login(users.staff)
    form = client.get(f"/crm/staff/contacts/{contact.id}/edit").forms["contact-form"]
    assert [o[0] for o in form["field_size"].options] == ["", "S", "M", "L"]
    assert [o[0] for o in form["field_volunteer"].options] == ["", "yes", "no"]
    form["field_visits"] = "three"
    form["field_since"] = "31. 2. 2024"
    bad = form.submit()
    assert bad.status_int == 200
    text = html_text(bad)
    assert "Visits: zadejte číslo" in text and "Since: zadejte datum" in text
    assert values_of(crm, contact) == {}  # nothing saved
    form = bad.forms["contact-form"]
    form["field_visits"] = "3,50"
    form["field_since"] = "1. 2. 2024"
    form["field_volunteer"] = "yes"
    form["field_size"] = "L"
    page = form.submit().follow()
    assert values_of(crm, contact) == {"visits": "3.5", "since": "2024-02-01",
                                       "volunteer": "yes", "size": "L"}
    assert "ano" in html_text(page) and "1. 2. 2024" in html_text(page)
    # A value that is not one of the choices is refused even when posted by hand.
    form = client.get(f"/crm/staff/contacts/{contact.id}/edit").forms["contact-form"]
    form["field_size"].force_value("XL")
    assert form.submit().status_int == 200
    assert values_of(crm, contact)["size"] == "L"


def test_staff_edit_and_delete_field_definitions(client, users, crm):
    field = crm.field("size", special=False, type="text")
    field_id = field.id
    a = crm.contact("a@example.cz", first="A")
    b = crm.contact("b@example.cz", first="B")
    crm.value(a, field, "m")
    crm.value(b, field, "XXL")
    segment = crm.segment("Velikost", "newsletter", [{"kind": "field:size", "value": "M"}])
    client.login(users.admin)
    page = client.get(f"/crm/staff/fields/{field.id}/edit")
    assert 'id="field-used">2<' in page.text
    form = page.forms["field-form"]
    form["label"], form["type"], form["choices"] = "Velikost trička", "choice", "S\nM\nL"
    refused = form.submit()
    assert refused.status_int == 200 and "XXL" in html_text(refused)
    assert values_of(crm, a) == {"size": "m"}
    form = refused.forms["field-form"]
    form["choices"] = "S\nM\nL\nXXL"
    assert form.submit().status_int == 303
    db = crm.req.dbsession
    db.refresh(field)
    assert (field.label, field.type, field.choices) == ("Velikost trička", "choice",
                                                         ["S", "M", "L", "XXL"])
    assert values_of(crm, a) == {"size": "M"}  # converted to the listed spelling
    client.login(users.staff)
    assert 'id="segment-total">0<' in client.get(f"/crm/staff/segments/{segment.id}").text
    assert client.get(f"/crm/staff/fields/{field.id}/edit",
                      expect_errors=True).status_int in (403, 404)

    client.login(users.admin)
    page = client.get(f"/crm/staff/fields/{field.id}/edit")
    unconfirmed = page.forms["field-delete-form"].submit().follow()
    assert "hub-flash__item--error" in unconfirmed.text
    assert db.get(CustomField, field_id) is not None
    form = unconfirmed.forms["field-delete-form"]
    form["confirm"].checked = True
    form.submit().follow()
    db.expire_all()
    assert db.get(CustomField, field_id) is None and values_of(crm, a) == {}
    actions = list(db.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.action.like("field.%")).order_by(AuditEntry.id)))
    assert actions == ["field.updated", "field.deleted"]
    # The segment using it reports the missing field instead of failing.
    client.login(users.staff)
    assert client.get(f"/crm/staff/segments/{segment.id}").status_int == 200
