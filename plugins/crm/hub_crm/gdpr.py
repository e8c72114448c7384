"""Export and erasure of a contact (GDPR Art. 15, 17, 20)."""
from __future__ import annotations

import sqlalchemy as sa

from hub import erasures
from hub.consent import erase_subjects
from hub_crm import consent
from hub_crm.models import (
    Activity,
    Contact,
    Enquiry,
    FieldValue,
    Relationship,
    Task,
)
from hub_crm.services import audit


def export_contact(request, contact: Contact) -> dict:
    """Everything held about the contact, including health fields (it is the subject's data)."""
    db = request.dbsession
    values = db.execute(sa.select(FieldValue).where(FieldValue.contact_id == contact.id))
    consents = consent.history_of(request, contact)
    activities = db.scalars(sa.select(Activity).where(Activity.contact_id == contact.id))
    enquiries = db.scalars(sa.select(Enquiry).where(Enquiry.contact_id == contact.id))
    return {
        "id": contact.id, "kind": contact.kind, "first_name": contact.first_name,
        "last_name": contact.last_name, "name": contact.name, "email": contact.email,
        "phone": contact.phone, "gender": contact.gender, "language": contact.language,
        "stakeholder_type": contact.stakeholder_type, "region": contact.region,
        "directory_fields": sorted(consent.directory_fields(request, contact)),
        "tags": [t.name for t in contact.tags],
        "topics": [{"slug": t.slug, "name_cs": t.name_cs, "name_en": t.name_en}
                   for t in contact.topics],
        "fields": {v.field.label: v.value for (v,) in values},
        # From the consent ledger: the contact's records, and the account's for CRM purposes.
        "consent_history": [{"purpose": c.purpose, "action": c.action,
                             "at": c.at.isoformat(), "source": c.source, "note": c.note,
                             "text_version": c.text_version} for c in consents],
        "activities": [{"kind": a.kind, "text": a.text, "at": a.at.isoformat()}
                       for a in activities],
        "enquiries": [{"subject": e.subject, "message": e.message, "status": e.status,
                       "created_at": e.created_at.isoformat()} for e in enquiries],
    }


CONTACT_ERASURE = "hub_crm.gdpr:contact"


def erase_contact(request, contact: Contact, delete: bool = True,
                  action: str = "contact.erased") -> None:
    """Delete the contact and everything hanging on it; the audit trail keeps only the id."""
    db = request.dbsession
    cid = contact.id
    if delete:
        # Journalled outside the database: a restore deletes the contact again.
        erasures.record_row(request, CONTACT_ERASURE, contact)
    # Consents in force are withdrawn; the ledger keeps its records as proof, address blanked.
    erase_subjects(request, consent.subjects_of(contact))
    for model in (FieldValue, Activity, Enquiry, Task):
        db.execute(sa.delete(model).where(model.contact_id == cid))
    db.execute(sa.delete(Relationship).where(
        sa.or_(Relationship.contact_id == cid, Relationship.related_id == cid)))
    audit(request, cid, action)
    if delete:
        db.delete(contact)
    db.flush()


erasures.register(CONTACT_ERASURE, Contact, erase_contact)
