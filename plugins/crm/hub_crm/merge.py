"""Merging two records of one person: everything moves to the kept contact."""
from __future__ import annotations

import sqlalchemy as sa

from hub_crm import consent, services
from hub_crm.models import (
    Activity,
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
    _merge_consents(request, keep, remove)
    for model in (Activity, Enquiry, Task):
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
    services.audit(request, keep.id, "contact.merged", f"contact {remove.id} merged")
    db.delete(remove)
    db.flush()
    if not keep.email and email:
        keep.email = email
    if not keep.user_id and user_id:
        keep.user_id = user_id
        consent.carry_to_account(request, keep)
    services.touch(keep)
    db.flush()


def _merge_consents(request, keep: Contact, remove: Contact) -> None:
    """The more recent decision per purpose wins: it is the person's latest will.

    The ledger's records stay with the removed contact's reference (proof of what was
    agreed); the kept contact gets the decision as a staff record naming the merge. A
    consent given to an earlier wording is not carried over: the person is asked again.
    """
    mine = consent.consents_of(request, keep)
    note = f"Merged from contact #{remove.id} (its decision of {{}})."
    for name, theirs in consent.consents_of(request, remove).items():
        known = mine.get(name)
        if known is not None and known.at >= theirs.at:
            continue
        if theirs.given and theirs.text_version != consent.PURPOSES[name].text_version:
            continue
        consent.set_consent(request, keep, name, theirs.given, "staff",
                            note=note.format(theirs.at.date().isoformat()))
