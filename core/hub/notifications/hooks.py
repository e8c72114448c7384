"""Hook implementations of the core's notifications (an internal plugin).

Also the menu entries of the other core services (the outbox for administrators, the API
documentation) and their section of the profile page.
"""
from __future__ import annotations

from hub.contributions import NavItem, ProfileSection, Widget
from hub.i18n import _
from hub.markers import hookimpl
from hub.security import ADMIN, PUBLIC


@hookimpl
def hub_notification_kinds():
    from hub.notifications import CORE_KINDS

    return list(CORE_KINDS)


@hookimpl
def hub_navigation(request, menu):
    if menu == "admin":
        return [NavItem(_("Outgoing mail"), route="admin_mail", permission=ADMIN, order=80,
                        match=("admin_mail",))]
    if menu == "footer":
        return [NavItem(_("API"), route="api_docs", permission=PUBLIC, order=50)]
    return None


def _render_section(request, user):
    from hub.shell import render_snippet

    if request.identity is None or request.identity.id != user.id:
        return None  # links to one's own inbox and tokens only
    return render_snippet(request, "hub:templates/notifications/profile_section.pt",
                          {"unread": request.registry["hub.unread_counter"](request)})


@hookimpl
def hub_profile_sections(request, user):
    return [ProfileSection("notifications", _("Notifications and API access"), _render_section,
                           order=80)]


def _render_failed_mail(request):
    import sqlalchemy as sa

    from hub.mail import FAILED, MailMessage
    from hub.shell import render_snippet

    failed = request.dbsession.scalar(sa.select(sa.func.count()).select_from(MailMessage)
                                      .where(MailMessage.status == FAILED)) or 0
    if not failed:
        return None
    return render_snippet(request, "hub:templates/mail/failed_widget.pt", {"failed": failed})


@hookimpl
def hub_dashboard_widgets(request):
    return [Widget("hub-mail-failed", _("Undelivered e-mail"), _render_failed_mail,
                   where="dashboard", order=5, permission=ADMIN)]
