"""Periodic jobs: delete cases long closed, remind counsellors of cases nearly due."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from hub.dates import format_day
from hub.db import utcnow
from hub.notifications import notify
from hub_counselling import services
from hub_counselling.i18n import _
from hub_counselling.models import Case, InboxMail


def retention(request) -> int:
    """Delete the cases closed more than ``counselling.retention_days`` ago, and mail left
    in the staff inbox longer than ``counselling.inbox_days``."""
    days = request.registry.settings.get("counselling.retention_days", 3 * 365)
    cutoff = utcnow() - dt.timedelta(days=days)
    cases = request.dbsession.scalars(sa.select(Case).where(
        Case.status == "closed", Case.closed_at < cutoff)).all()
    for case in cases:
        services.erase_case(request, case, "retention")
    inbox_days = request.registry.settings.get("counselling.inbox_days", 90)
    request.dbsession.execute(sa.delete(InboxMail).where(
        InboxMail.received_at < utcnow() - dt.timedelta(days=inbox_days)))
    return len(cases)


def remind_due(request) -> int:
    """Tell the assignee (or every counsellor of an unassigned case) once, a few days before
    a case is due without an answer."""
    days = request.registry.settings.get("counselling.reminder_days", 3)
    now = utcnow()
    cases = request.dbsession.scalars(sa.select(Case).where(
        Case.status.in_(("new", "open")), Case.reminded_at.is_(None),
        Case.due_at < now + dt.timedelta(days=days))).all()
    everyone = None
    for case in cases:
        if case.assignee is not None:
            people = [case.assignee]
        else:
            everyone = everyone if everyone is not None else services.counsellors(request)
            people = everyone
        for user in people:
            notify(request, user, "counselling.due",
                   _("Counselling case ${reference} is due on ${due}"),
                   _("The asker is waiting for an answer."),
                   url=request.route_url("counselling.case", id=case.id),
                   mapping={"reference": case.reference,
                            "due": format_day(case.due_at, user.language)})
        case.reminded_at = now
    request.dbsession.flush()
    return len(cases)
