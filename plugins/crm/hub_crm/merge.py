"""Merging two records of one person: everything moves to the kept contact."""
from __future__ import annotations

import sqlalchemy as sa

from hub_crm import services
from hub_crm.models import (
    Activity,
    Consent,
    ConsentEvent,
    Contact,
    Enquiry,
    FieldValue,
    Relationship,
    Task,
)


def merge_contacts(request, keep: Contact, remove: Contact) -> None:
    db = request.dbsession
    for key in ("first_name", "last_name", "phone", "region", "gender"):
        if not getattr(keep, key) and getattr(remove, key):
            setattr(keep, key, getattr(remove, key))
    email, user_id = remove.email, remove.user_id
    keep.tags = list({t.id: t for t in keep.tags + remove.tags}.values())
    keep.topics = list({t.id: t for t in keep.topics + remove.topics}.values())
    for value in db.scalars(sa.select(FieldValue).where(FieldValue.contact_id == remove.id)):
        if db.get(FieldValue, (keep.id, value.field_id)) is None:
            db.add(FieldValue(contact_id=keep.id, field_id=value.field_id, value=value.value))
    # The more recent decision per purpose wins: it is the person's latest will.
    for consent in db.scalars(sa.select(Consent).where(Consent.contact_id == remove.id)):
        mine = db.get(Consent, (keep.id, consent.purpose))
        if mine is None:
            db.add(Consent(contact_id=keep.id, purpose=consent.purpose,
                           granted=consent.granted, changed_at=consent.changed_at,
                           source=consent.source, text_version=consent.text_version))
        elif consent.changed_at > mine.changed_at:
            mine.granted, mine.changed_at = consent.granted, consent.changed_at
            mine.source, mine.text_version = consent.source, consent.text_version
    for model in (ConsentEvent, Activity, Enquiry, Task):
        db.execute(sa.update(model).where(model.contact_id == remove.id)
                   .values(contact_id=keep.id))
    for rel in db.scalars(sa.select(Relationship).where(sa.or_(
            Relationship.contact_id == remove.id, Relationship.related_id == remove.id))):
        source = keep.id if rel.contact_id == remove.id else rel.contact_id
        target = keep.id if rel.related_id == remove.id else rel.related_id
        duplicate = db.scalar(sa.select(Relationship.id).where(
            Relationship.contact_id == source, Relationship.related_id == target,
            Relationship.kind == rel.kind))
        db.delete(rel)
        if source != target and duplicate is None:
            db.flush()
            db.add(Relationship(contact_id=source, related_id=target, kind=rel.kind))
    db.flush()
    db.execute(sa.delete(FieldValue).where(FieldValue.contact_id == remove.id))
    db.execute(sa.delete(Consent).where(Consent.contact_id == remove.id))
    services.audit(request, keep.id, "contact.merged", f"contact {remove.id} merged")
    db.delete(remove)
    db.flush()
    if not keep.email and email:
        keep.email = email
    if not keep.user_id and user_id:
        keep.user_id = user_id
    services.touch(keep)
    db.flush()
