"""CSV import: a malformed file gives a report of bad rows and imports nothing."""
import re

import sqlalchemy as sa
from webtest import Upload

from hub.db import utcnow
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
    started = mapping.forms["mapping-form"].submit()
    assert started.status_int == 303 and started.location.endswith("/status")
    report = started.follow()
    assert report.status_int == 200 and "import-report" in report.text
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
    status = done.follow()
    assert "Importováno: nových kontaktů 1, sloučeno s existujícími 1" in html_text(status)
    db = crm.req.dbsession
    db.refresh(existing)
    assert existing.last_name == "Nováková" and existing.region == "Praha"
    petr = db.scalar(sa.select(Contact).where(Contact.email == "petr@example.cz"))
    assert petr.name == "Petr Svoboda" and [t.name for t in petr.tags] == ["dobrovolník"]
    assert db.scalar(sa.select(sa.func.count(Tag.id)).where(Tag.name == "dobrovolník")) == 1
    batch = db.scalar(sa.select(ImportBatch))
    db.refresh(batch)
    assert batch.status == "done" and batch.content == ""  # the file is not kept
    # Submitting the mapping again (another tab) starts nothing: it shows the result.
    again = client.get(f"/crm/staff/import/{batch.id}")
    assert again.status_int == 303 and again.location.endswith("/status")
    state = client.get(f"/crm/staff/import/{batch.id}/status", {"format": "json"}).json
    assert state["status"] == "done" and state["finished"] and state["total"] == 2


def test_not_utf8_is_a_form_error(client, users, crm):
    client.login(users.staff)
    form = client.get("/crm/staff/import").forms["import-form"]
    form["file"] = Upload("x.csv", "jméno\nČeněk\n".encode("cp1250"), "text/csv")
    page = form.submit()
    assert page.status_int == 200 and "hub-error-summary" in page.text


def test_import_job_reports_progress_then_writes_everything_at_once(client, users, crm,
                                                                   monkeypatch):
    from hub_crm import imports

    client.login(users.staff)
    lines = "\n".join(f"Jméno{n},Příjmení{n},osoba{n}@example.cz" for n in range(7))
    mapping = upload(client, "first_name,last_name,email\n" + lines + "\n")
    seen = []
    original = imports._set

    def recording(registry, batch_id, only_if=None, **values):
        seen.append(dict(values))
        return original(registry, batch_id, only_if=only_if, **values)

    monkeypatch.setattr(imports, "_set", recording)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    page = mapping.forms["mapping-form"].submit().follow()
    assert seen[0] == {"status": "running", "phase": "checking", "done_rows": 0}
    assert [v["done_rows"] for v in seen[1:4]] == [2, 4, 6]  # committed while checking
    assert seen[-1] == {"phase": "writing", "done_rows": 7}
    assert "nových kontaktů 7," in html_text(page)
    assert count(crm) >= 7


def test_typed_field_values_are_checked_on_import(client, users, crm):
    crm.field("member_since", special=False, type="date")
    crm.field("size", special=False, type="choice", choices=("S", "M", "L"))
    client.login(users.staff)
    text = ("first_name,last_name,member_since,size\n"
            "Jana,Nová,1. 2. 2020,m\n"
            "Petr,Starý,yesterday,XL\n")
    page = upload(client, text).forms["mapping-form"].submit().follow()
    report = html_text(page)
    assert " 3:" in report and " 2:" not in report
    assert "Member_Since" in report and "S, M, L" in report
    assert count(crm) == 0 or crm.req.dbsession.scalar(sa.select(Contact.id).where(
        Contact.last_name == "Nová")) is None
    good = text.replace("Petr,Starý,yesterday,XL\n", "")
    upload(client, good).forms["mapping-form"].submit().follow()
    from hub_crm.models import CustomField, FieldValue

    values = dict(crm.req.dbsession.execute(
        sa.select(CustomField.key, FieldValue.value).join(
            FieldValue, FieldValue.field_id == CustomField.id)).all())
    assert values == {"member_since": "2020-02-01", "size": "M"}  # canonical forms


def test_progress_page_and_its_json_while_the_job_runs(client, users, crm):
    db = crm.req.dbsession
    batch = ImportBatch(content="x", filename="velky.csv", status="running", phase="checking",
                        done_rows=40_000, total_rows=100_000, mapping={"0": "first_name"})
    db.add(batch)
    db.flush()
    batch_id = batch.id
    crm.commit()
    client.login(users.staff)
    page = client.get(f"/crm/staff/import/{batch_id}/status")
    assert 'role="status" aria-live="polite"' in page.text
    assert "Kontrola řádků: 40000 z 100000." in html_text(page)
    assert re.search(r'<progress id="import-bar" max="100"\s+value="40"', page.text)
    assert "crm-import.js" in page.text and 'id="import-refresh"' in page.text
    state = client.get(f"/crm/staff/import/{batch_id}/status", {"format": "json"}).json
    assert (state["status"], state["percent"], state["finished"]) == ("running", 40, False)
    # The mapping cannot be submitted again while it runs: it leads to the progress.
    again = client.get(f"/crm/staff/import/{batch_id}")
    assert again.status_int == 303 and again.location.endswith("/status")
    db.execute(sa.update(ImportBatch).where(ImportBatch.id == batch_id).values(phase="writing"))
    crm.commit()
    page = client.get(f"/crm/staff/import/{batch_id}/status")
    # Saving: an indeterminate bar (no value).
    assert re.search(r'<progress id="import-bar" max="100"\s+aria-labelledby', page.text)
    client.login(users.member)
    assert client.get(f"/crm/staff/import/{batch_id}/status",
                      expect_errors=True).status_int in (403, 404)


def test_bulk_insert_returns_ids_in_order_on_every_database(crm):
    """COPY with ids from the sequence on PostgreSQL, multi-row INSERT elsewhere."""
    import os

    from hub.db import utcnow
    from hub_crm import bulk

    db = crm.req.dbsession
    assert bulk._is_postgres(db) == bool(os.environ.get("HUB_TEST_DATABASE_URL"))
    rows = [{"kind": "person", "first_name": f"Hromadná{n}", "last_name": "", "phone": "",
             "name": f"Hromadná{n}", "email": f"hromadna{n}@example.cz", "language": "cs",
             "stakeholder_type": "other", "region": "", "restricted": False,
             "created_at": utcnow(), "updated_at": utcnow(),
             "last_activity_at": utcnow()} for n in range(5)]
    ids = bulk.insert_returning_ids(db, Contact.__table__, rows)
    found = dict(db.execute(sa.select(Contact.id, Contact.email)
                            .where(Contact.id.in_(ids))).all())
    assert [found[i] for i in ids] == [f"hromadna{n}@example.cz" for n in range(5)]
    contact = db.get(Contact, ids[0])
    assert contact.created_at.tzinfo is not None and contact.name == "Hromadná0"


def test_a_database_failure_while_writing_imports_nothing_and_says_so(client, users, crm,
                                                                     monkeypatch):
    from hub_crm import imports

    def failing(request, parsed, fields):
        request.dbsession.execute(sa.insert(Contact.__table__).values(
            kind="person", first_name="Půl", last_name="", name="Půl", phone="",
            language="cs", stakeholder_type="other", region="", restricted=False,
            created_at=utcnow(), updated_at=utcnow(),
            last_activity_at=utcnow()))
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(imports, "write_rows", failing)
    client.login(users.staff)
    page = upload(client, "first_name,last_name\nJana,Nová\n").forms["mapping-form"] \
        .submit().follow()
    assert "Import se nezdařil" in html_text(page) and "import-report" in page.text
    assert crm.req.dbsession.scalar(sa.select(Contact.id).where(Contact.name == "Půl")) is None


def test_an_interrupted_import_is_reported_and_can_be_started_again(client, users, crm):
    import datetime as dt

    from hub_crm.imports import interrupted_imports_job

    db = crm.req.dbsession
    text = "first_name,last_name,email\nJana,Přerušená,prerusena@example.cz\n"
    mapping = {"0": "first_name", "1": "last_name", "2": "email"}
    # The worker was killed while checking: no sign of life for twenty minutes.
    stalled = ImportBatch(content=text, filename="prerusena.csv", status="running",
                          phase="checking", total_rows=1, mapping=mapping,
                          heartbeat_at=utcnow() - dt.timedelta(minutes=20))
    working = ImportBatch(content=text, filename="bezi.csv", status="running",
                          phase="checking", total_rows=1, mapping=mapping,
                          heartbeat_at=utcnow() - dt.timedelta(minutes=1))
    db.add_all([stalled, working])
    db.flush()
    stalled_id, working_id = stalled.id, working.id
    assert interrupted_imports_job(crm.req) == 1
    crm.commit()
    assert crm.req.dbsession.get(ImportBatch, working_id).status == "running"

    client.login(users.staff)
    page = client.get(f"/crm/staff/import/{stalled_id}/status")
    assert "Import byl přerušen" in html_text(page)
    assert "Import skončil dřív, než doběhl; nic nebylo importováno." in html_text(page)
    assert "opravte tyto řádky" not in html_text(page)
    state = client.get(f"/crm/staff/import/{stalled_id}/status", {"format": "json"}).json
    assert (state["status"], state["interrupted"], state["finished"]) == ("failed", True, True)
    client.set_cookie("hub_lang", "en")
    assert "The import was interrupted" in html_text(
        client.get(f"/crm/staff/import/{stalled_id}/status"))

    # Started again from the page: the whole file is imported.
    again = client.get(f"/crm/staff/import/{stalled_id}/status").click(
        "Start the import again")
    done = again.forms["mapping-form"].submit().follow()
    assert "Imported: 1 new contacts" in html_text(done)
    assert crm.req.dbsession.scalar(sa.select(Contact.name).where(
        Contact.email == "prerusena@example.cz")) == "Jana Přerušená"
    # The job signed its progress: a running import is not taken for an interrupted one.
    restarted = crm.req.dbsession.get(ImportBatch, stalled_id)
    crm.req.dbsession.refresh(restarted)
    assert restarted.status == "done" and restarted.heartbeat_at > utcnow() - dt.timedelta(
        minutes=1)
