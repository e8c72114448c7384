"""Retention: contacts without an account and without activity are reported, then deleted;
uploaded CSV files are kept a week at most."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from hub.db import utcnow
from hub_crm.i18n import _


def retention_job(request) -> dict:
    """Report contacts that passed the retention period; delete those reported earlier.

    Idempotent: a second run on the same day reports nothing new and deletes nothing more.
    Any activity (``touch``) clears the report, so a contact who came back is kept.
    """
    from hub.accounts.models import User
    from hub.notifications import notify
    from hub_crm.gdpr import erase_contact
    from hub_crm.models import Contact, ImportBatch

    settings = request.registry.settings
    now = utcnow()
    cutoff = now - dt.timedelta(days=settings.get("crm.retention_days", 3 * 365))
    grace = dt.timedelta(days=settings.get("crm.retention_grace_days", 30))
    db = request.dbsession
    inactive = sa.and_(Contact.user_id.is_(None), Contact.last_activity_at < cutoff)
    due = list(db.scalars(sa.select(Contact).where(
        inactive, Contact.retention_notified_at.is_not(None),
        Contact.retention_notified_at <= now - grace)))
    for contact in due:
        erase_contact(request, contact, delete=True, action="retention.deleted")
    new = list(db.scalars(sa.select(Contact).where(inactive,
                                                   Contact.retention_notified_at.is_(None))))
    for contact in new:
        contact.retention_notified_at = now
    if new:
        staff = db.scalars(sa.select(User).where(User.role == "admin", User.is_active))
        for user in staff:
            notify(request, user, "crm.retention_report",
                   _("${count} CRM contacts will be deleted for inactivity"),
                   _("They will be deleted in ${days} days unless there is new activity."),
                   url=request.route_url("crm.contacts", _query={"retention": "1"}),
                   mapping={"count": len(new), "days": grace.days})
    # An uploaded file holds personal data: kept for a week to fix a mapping or retry, then
    # deleted with its report (a finished import's file is emptied at once).
    uploads = db.execute(sa.delete(ImportBatch).where(
        ImportBatch.created_at < now - IMPORT_KEPT,
        ImportBatch.status.in_(("new", "failed", "done")))).rowcount
    db.flush()
    return {"reported": len(new), "deleted": len(due), "uploads_deleted": uploads}


IMPORT_KEPT = dt.timedelta(days=7)
