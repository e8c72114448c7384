"""What every page of the crm plugin shares: labels, the values each template gets,
flash messages, local dates and times, the staff list."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from hub.accounts.models import User
from hub.dates import language
from hub.params import page_param
from hub_crm import services
from hub_crm.i18n import _

PAGE_SIZE = 50
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ORG_KIND_LABELS = {
    "patient_organisation": _("Patient organisation"),
    "ngo": _("NGO"),
    "professional_body": _("Professional body"),
    "university": _("University"),
    "company": _("Company"),
    "public_body": _("Public body"),
    "other": _("Other"),
}
ACTIVITY_LABELS = {"note": _("Note"), "call": _("Call"), "meeting": _("Meeting")}
STATUS_LABELS = {"new": _("New"), "in_progress": _("In progress"), "closed": _("Closed")}
CSS = "hub_crm:static/crm.css"


def tr(request, message, mapping=None) -> str:
    return request.shell.translate(message, mapping=mapping)


def flash(request, message, mapping=None, queue="success") -> None:
    request.session.flash(tr(request, message, mapping), queue)


def page_number(request) -> int:
    return page_param(request)


def staff_users(request) -> list[User]:
    return list(request.dbsession.scalars(
        sa.select(User).where(User.role.in_(("staff", "admin")), User.is_active)
        .order_by(User.name)))


def base_values(request, **values) -> dict:
    values.setdefault("errors", {})
    values.update(tr=lambda m, mapping=None: tr(request, m, mapping), css=CSS,
                  type_labels=services.TYPE_LABELS, purpose_labels=services.PURPOSE_LABELS,
                  org_kind_labels=ORG_KIND_LABELS, status_labels=STATUS_LABELS,
                  activity_labels=ACTIVITY_LABELS,
                  relationship_labels=services.RELATIONSHIP_LABELS,
                  topic_name=lambda t: t.name(language(request)))
    return values


def local_time(request, when: dt.datetime | None) -> str:
    from hub.dates import format_moment

    return format_moment(when, request.locale_name)


def local_date(request, day: dt.date | None) -> str:
    from hub.dates import format_day

    return format_day(day, request.locale_name)
