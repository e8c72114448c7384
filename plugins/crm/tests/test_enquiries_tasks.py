import datetime as dt

import sqlalchemy as sa

from hub.notifications.models import Notification
from hub.testing import html_text
from hub_crm.models import Contact, Enquiry, Task


def test_public_enquiry_creates_a_case_on_a_contact(client, users, crm):
    form = client.get("/crm/ask").forms["ask-form"]
    form["name"] = "Karla Tazatelová"
    form["email"] = "karla@example.cz"
    form["subject"] = "Hledám spolek"
    form["message"] = "Kde najdu podporu?"
    missing_agreement = form.submit()
    assert missing_agreement.status_int == 200 and "hub-error-summary" in missing_agreement.text
    assert crm.req.dbsession.scalar(sa.select(Enquiry.id)) is None
    form = missing_agreement.forms["ask-form"]
    assert form["message"].value == "Kde najdu podporu?"
    form["agree"].checked = True
    form.submit().follow()
    enquiry = crm.req.dbsession.scalar(sa.select(Enquiry))
    assert enquiry.status == "new" and enquiry.contact.email == "karla@example.cz"

    client.login(users.staff)
    listing = client.get("/crm/staff/enquiries")
    assert "Hledám spolek" in html_text(listing)
    detail = client.get(f"/crm/staff/enquiries/{enquiry.id}")
    form = detail.forms["enquiry-form"]
    form["status"] = "in_progress"
    form["assigned_to"] = str(users.admin.id)
    form.submit().follow()
    crm.req.dbsession.refresh(enquiry)
    assert enquiry.status == "in_progress" and enquiry.assigned_to_id == users.admin.id
    assert crm.req.dbsession.scalar(sa.select(Notification.id).where(
        Notification.user_id == users.admin.id,
        Notification.kind == "crm.enquiry_assigned")) is not None


def test_follow_ups_with_due_dates_on_the_dashboard(client, users, crm):
    contact = crm.contact("jana@example.cz")
    client.login(users.staff)
    form = client.get("/crm/staff/tasks", {"contact": contact.id}).forms["task-form"]
    form["title"] = "Zavolat kvůli konferenci"
    form["due_on"] = "2026-13-45"
    bad = form.submit()
    assert bad.status_int == 200 and "hub-error-summary" in bad.text
    form = bad.forms["task-form"]
    form["due_on"] = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    form.submit().follow()
    task = crm.req.dbsession.scalar(sa.select(Task))
    assert task.contact_id == contact.id and task.assigned_to_id == users.staff.id
    assert "Zavolat kvůli konferenci" in html_text(client.get("/my"))
    done = client.get("/crm/staff/tasks")
    done.forms[[k for k in done.forms if isinstance(k, int) and
                "done" in done.forms[k].action][0]].submit()
    crm.req.dbsession.refresh(task)
    assert task.done


def test_staff_note_and_merge_duplicates(client, users, crm):
    keep = crm.contact("jana@example.cz", first="Jana", last="Nováková")
    dup = crm.contact(None, first="Jana", last="Nováková", phone="777 000 111",
                      consents=("research",))
    dup_id = dup.id
    client.login(users.staff)
    page = client.get(f"/crm/staff/contacts/{keep.id}")
    form = page.forms["activity-form"]
    form["kind"] = "call"
    form["text"] = "Telefonát o dobrovolnictví"
    form.submit().follow()
    merge = client.get(f"/crm/staff/contacts/{keep.id}/merge")
    assert str(dup.id) in merge.text  # offered as a possible duplicate
    form = merge.forms["merge-form"]
    form["other"] = str(dup.id)
    form.submit().follow()
    db = crm.req.dbsession
    db.expire_all()
    assert db.get(Contact, dup_id) is None
    kept = db.get(Contact, keep.id)
    assert kept.phone == "777 000 111"
    page = html_text(client.get(f"/crm/staff/contacts/{keep.id}"))
    assert "Telefonát o dobrovolnictví" in page
    from hub_crm.consent import consents_of

    assert consents_of(crm.req, kept)["research"].given


def test_staff_tables_write_dates_as_public_pages_do(client, users, crm):
    """"7. 12. 2026 16:15" (hub.dates), not Babel's short "07.12.26 16:15"."""
    from hub.dates import format_moment

    contact = Contact(kind="person", first_name="Karla", last_name="Datová",
                      email="datova@example.cz", name="Karla Datová")
    crm.req.dbsession.add(contact)
    crm.req.dbsession.flush()
    created = dt.datetime(2026, 12, 7, 15, 15, 42, tzinfo=dt.UTC)
    crm.req.dbsession.add(Enquiry(contact_id=contact.id, subject="Datum", message="?",
                                  created_at=created))
    crm.req.dbsession.flush()
    client.login(users.staff)
    text = html_text(client.get("/crm/staff/enquiries"))
    assert format_moment(created, "cs") == "7. 12. 2026 16:15"
    assert "7. 12. 2026 16:15" in text and "07.12.26" not in text
