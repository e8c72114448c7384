"""Hook implementations of the accessibility feedback (an internal plugin of the core)."""
from __future__ import annotations

import sqlalchemy as sa

from hub.contributions import NavItem, NotificationKind
from hub.i18n import _
from hub.markers import hookimpl
from hub.security import STAFF


@hookimpl
def hub_navigation(request, menu):
    if menu == "admin":
        return [NavItem(_("Accessibility feedback"), route="admin_feedback", permission=STAFF,
                        order=85, match=("admin_feedback",))]
    return None


@hookimpl
def hub_notification_kinds():
    from hub.feedback import FEEDBACK_KIND

    return [NotificationKind(FEEDBACK_KIND, _("Accessibility feedback"),
                             _("A visitor reported content they cannot use (hub staff only)."))]


# -- personal data ------------------------------------------------------------------------

def _rows_of(request, user):
    from hub.feedback.models import AccessibilityFeedback as F

    return request.dbsession.scalars(sa.select(F).where(sa.or_(
        F.user_id == user.id, sa.func.lower(F.contact_email) == user.email.lower()))
        .order_by(F.created_at)).all()


KEPT_RULE = _(
    "When your account is deleted, your reports are kept without your name, e-mail address "
    "or account, as the hub's record of the accessibility feedback it received and how it "
    "handled it.")


@hookimpl
def hub_personal_data_tables():
    return ["accessibility_feedback"]


@hookimpl
def hub_personal_data_export(request, user):
    rows = _rows_of(request, user)
    if not rows:
        return {}
    return {_("Accessibility feedback"): [{
        "sent_at": r.created_at.isoformat(), "page_url": r.page_url,
        "description": r.description, "contact_email": r.contact_email,
        "status": r.status, "reply_note": r.reply_note} for r in rows],
        _("Accessibility feedback after deleting the account"): [
            {"rule": request.shell.translate(KEPT_RULE)}]}


@hookimpl
def hub_personal_data_erase(request, user):
    """The reports stay for the statutory record of feedback, without who sent them."""
    for row in _rows_of(request, user):
        row.user_id = None
        row.contact_email = None
        row.client_key = ""
