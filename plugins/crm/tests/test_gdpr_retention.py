import datetime as dt

import sqlalchemy as sa

from hub.consent import ConsentRecord
from hub.db import utcnow
from hub.notifications.models import Notification
from hub_crm.models import AuditEntry, Contact, Enquiry, Segment


def hooks(crm_app):
    return crm_app.registry["hub.pm"].hook


def test_export_and_erase_of_a_users_contact(users, crm, crm_app):
    contact = crm.contact(users.member.email, first="Marie", consents=("newsletter",))
    contact.user_id = users.member.id
    field = crm.field("diagnosis", special=True)
    crm.value(contact, field, "CANARY-DX")
    crm.req.dbsession.add(Enquiry(contact_id=contact.id, subject="Dotaz", message="CANARY-Q"))
    crm.req.dbsession.flush()
    exported = [r for r in hooks(crm_app).hub_personal_data_export(request=crm.req,
                                                                   user=users.member) if r]
    text = str(exported)
    assert "CANARY-DX" in text and "CANARY-Q" in text and "newsletter" in text
    contact_id = contact.id
    hooks(crm_app).hub_personal_data_erase(request=crm.req, user=users.member)
    db = crm.req.dbsession
    db.expire_all()
    assert db.get(Contact, contact_id) is None
    # The ledger keeps its records as proof, the consent withdrawn and the address blanked.
    records = db.scalars(sa.select(ConsentRecord).where(
        ConsentRecord.contact_ref == f"crm:{contact_id}").order_by(ConsentRecord.id)).all()
    assert [(r.action, r.source) for r in records] == [("given", "form"), ("withdrawn", "erasure")]
    assert all(r.email is None for r in records)
    assert db.scalar(sa.select(AuditEntry.id).where(AuditEntry.contact_id == contact_id,
                                                    AuditEntry.action == "contact.erased"))
    tables = [t for r in hooks(crm_app).hub_personal_data_tables() for t in r]
    assert "crm_contact" in tables and "crm_consent_event" not in tables


def test_retention_reports_first_then_deletes_and_is_idempotent(users, crm, crm_app):
    from hub_crm.retention import retention_job

    old = crm.contact("old@example.cz", first="Starý")
    old.last_activity_at = utcnow() - dt.timedelta(days=4 * 365)
    linked = crm.contact("linked@example.cz", first="Účet")
    linked.user_id = users.member.id
    linked.last_activity_at = utcnow() - dt.timedelta(days=4 * 365)
    crm.contact("fresh@example.cz", first="Nový")
    crm.req.dbsession.flush()
    req = crm.req
    assert retention_job(req) == {"reported": 1, "deleted": 0, "uploads_deleted": 0}
    assert retention_job(req) == {"reported": 0, "deleted": 0, "uploads_deleted": 0}
    assert req.dbsession.scalar(sa.select(Notification.id).where(
        Notification.user_id == users.admin.id, Notification.kind == "crm.retention_report"))
    old.retention_notified_at = utcnow() - dt.timedelta(days=31)
    req.dbsession.flush()
    old_id = old.id
    assert retention_job(req) == {"reported": 0, "deleted": 1, "uploads_deleted": 0}
    req.dbsession.expire_all()
    assert req.dbsession.get(Contact, old_id) is None
    assert req.dbsession.get(Contact, linked.id) is not None


def test_demo_data_is_idempotent(crm, crm_app):
    from hub_crm.demo import demo_data

    db = crm.req.dbsession
    demo_data(db, 1)
    counts = (db.scalar(sa.select(sa.func.count(Contact.id))),
              db.scalar(sa.select(sa.func.count(Segment.id))))
    demo_data(db, 1)
    assert (db.scalar(sa.select(sa.func.count(Contact.id))),
            db.scalar(sa.select(sa.func.count(Segment.id)))) == counts
    assert counts[0] >= 60 and counts[1] == 4


def test_demo_data_at_scale_uses_the_shared_topics(crm, crm_app):
    """At S > 1: 1,000·S contacts with types, tags, topics and consents (bulk inserts)."""
    from hub.topics.demo import seed_topics
    from hub_crm.demo import demo_data
    from hub_crm.models import Topic, contact_tag, contact_topic
    from hub_crm.services import segment_count

    db = crm.req.dbsession
    seed_topics(db)
    demo_data(db, 2)
    demo_data(db, 2)  # idempotent at scale too
    demo = Contact.email.like("%@demo.pacientskyhub.cz")
    assert db.scalar(sa.select(sa.func.count()).where(demo)) == 2000
    assert len(set(db.scalars(sa.select(Contact.stakeholder_type).where(demo)))) >= 8
    assert db.scalar(sa.select(sa.func.count()).select_from(contact_tag)) > 500
    kinds = dict(db.execute(sa.select(Topic.kind, sa.func.count()).join(
        contact_topic, contact_topic.c.topic_id == Topic.id).group_by(Topic.kind)).all())
    assert kinds["disease"] > 500 and kinds["theme"] > 500
    assert db.scalar(sa.select(sa.func.count()).select_from(ConsentRecord).where(
        ConsentRecord.purpose.like("crm.%"))) > 3000
    three = db.scalar(sa.select(Segment).where(
        Segment.name == "Pacienti s diabetem v Praze – informace"))
    assert len(three.conditions) == 3 and segment_count(crm.req, three) > 0


def test_uploaded_files_are_kept_a_week_at_most(crm, crm_app):
    from hub_crm.models import ImportBatch
    from hub_crm.retention import retention_job

    db = crm.req.dbsession
    old = utcnow() - dt.timedelta(days=8)
    db.add_all([ImportBatch(content="jméno\nJana\n", filename="stary.csv", created_at=old,
                            status="failed"),
                ImportBatch(content="", filename="hotovy.csv", created_at=old, status="done"),
                ImportBatch(content="jméno\nPetr\n", filename="novy.csv", status="new"),
                ImportBatch(content="x", filename="bezi.csv", created_at=old,
                            status="running")])
    db.flush()
    assert retention_job(crm.req)["uploads_deleted"] == 2
    assert sorted(db.scalars(sa.select(ImportBatch.filename))) == ["bezi.csv", "novy.csv"]
