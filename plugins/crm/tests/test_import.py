"""CSV import: a malformed file gives a report of bad rows and imports nothing."""
import sqlalchemy as sa
from webtest import Upload

from hub.testing import html_text
from hub_crm.models import Contact, ImportBatch, Tag


def upload(client, text, name="kontakty.csv"):
    page = client.get("/crm/staff/import")
    form = page.forms["import-form"]
    form["file"] = Upload(name, text.encode("utf-8"), "text/csv")
    return form.submit().follow()


def count(crm):
    return crm.req.dbsession.scalar(sa.select(sa.func.count(Contact.id)))


def test_malformed_file_reports_bad_rows_and_imports_nothing(client, users, crm):
    client.login(users.staff)
    before = count(crm)
    text = ("first_name,last_name,email,stakeholder_type\n"
            "Jana,Nováková,jana@example.cz,patient\n"
            "Petr,Svoboda,not-an-email,doctor\n"
            ",,,patient\n"
            "Eva,Malá,eva@example.cz,astronaut\n"
            "Karel,Dvořák,jana@example.cz,patient\n"
            "Ota,Krátký\n")
    mapping = upload(client, text)
    assert "Nováková" in mapping.text  # preview
    report = mapping.forms["mapping-form"].submit()
    assert report.status_int == 200
    text_out = html_text(report)
    for line in (3, 4, 5, 6, 7):
        assert f" {line}:" in text_out, line
    assert " 2:" not in text_out
    assert count(crm) == before
    assert crm.req.dbsession.scalar(sa.select(Contact.id).where(
        Contact.email == "jana@example.cz")) is None


def test_valid_file_imports_with_mapping_and_merges_duplicates(client, users, crm):
    existing = crm.contact("jana@example.cz", first="Jana", last="")
    client.login(users.staff)
    text = ("Jméno;Příjmení;E-mail;Kraj;Štítky;Poznámka\n"
            "Jana;Nováková;JANA@example.cz;Praha;dobrovolník\n"
            "Petr;Svoboda;petr@example.cz;Brno;dobrovolník;mentor\n")
    # The last row has 6 cells like the header; the first one 5: fix the first row.
    text = text.replace("dobrovolník\n", "dobrovolník;\n", 1)
    mapping = upload(client, text)
    form = mapping.forms["mapping-form"]
    assert form["col_0"].value == "first_name" and form["col_3"].value == "region"
    form["col_5"] = ""
    done = form.submit()
    assert done.status_int == 303
    db = crm.req.dbsession
    db.refresh(existing)
    assert existing.last_name == "Nováková" and existing.region == "Praha"
    petr = db.scalar(sa.select(Contact).where(Contact.email == "petr@example.cz"))
    assert petr.name == "Petr Svoboda" and [t.name for t in petr.tags] == ["dobrovolník"]
    assert db.scalar(sa.select(sa.func.count(Tag.id)).where(Tag.name == "dobrovolník")) == 1
    assert db.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0
    assert "1" in html_text(done.follow())


def test_not_utf8_is_a_form_error(client, users, crm):
    client.login(users.staff)
    form = client.get("/crm/staff/import").forms["import-form"]
    form["file"] = Upload("x.csv", "jméno\nČeněk\n".encode("cp1250"), "text/csv")
    page = form.submit()
    assert page.status_int == 200 and "hub-error-summary" in page.text
