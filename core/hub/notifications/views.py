"""The inbox and the notification settings pages."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.dates import format_moment
from hub.db import utcnow
from hub.i18n import _
from hub.notifications.models import Notification, NotificationPreference
from hub.params import page_param
from hub.security import AUTHENTICATED

PAGE_SIZE = 30


def format_datetime(request, value: dt.datetime | None) -> str:
    """A moment in Prague time, written the way the page's language writes it."""
    return format_moment(value, request.locale_name)


@view_config(route_name="notifications", request_method="GET", permission=AUTHENTICATED,
             renderer="hub:templates/notifications/inbox.pt")
def inbox(request):
    user = request.identity
    page = page_param(request)
    rows = request.dbsession.scalars(
        sa.select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    return {"notifications": rows[:PAGE_SIZE], "has_next": len(rows) > PAGE_SIZE, "page": page,
            "unread": request.registry["hub.unread_counter"](request),
            "format_datetime": format_datetime, "breadcrumbs": [(_("Notifications"), None)]}


def _own_notification(request) -> Notification:
    try:
        note_id = int(request.matchdict["id"])
    except ValueError:
        raise HTTPNotFound() from None
    note = request.dbsession.get(Notification, note_id)
    # Another user's notification does not exist as far as this user can tell.
    if note is None or note.user_id != request.identity.id:
        raise HTTPNotFound()
    return note


@view_config(route_name="notification_read", request_method="POST", permission=AUTHENTICATED)
def mark_read(request):
    note = _own_notification(request)
    if note.read_at is None:
        note.read_at = utcnow()
    return HTTPSeeOther(request.route_path("notifications"))


def mark_all_read_for(request, user) -> int:
    result = request.dbsession.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()))
    return result.rowcount


@view_config(route_name="notifications_read_all", request_method="POST",
             permission=AUTHENTICATED)
def mark_all_read(request):
    count = mark_all_read_for(request, request.identity)
    if count:
        request.session.flash(request.shell.translate(
            _("All notifications are marked as read.")), "success")
    return HTTPSeeOther(request.route_path("notifications"))


# -- settings -----------------------------------------------------------------------------

def preference_rows(request, user) -> list[dict]:
    """Every declared kind with the user's current channels, for the settings form and API."""
    kinds = request.registry.get("hub.notification_kinds") or {}
    channels = request.registry["hub.notification_channels"]
    rows = []
    for kind in sorted(kinds.values(), key=lambda k: (not k.mandatory, k.name)):
        current = channels(request, user, kind.name)
        rows.append({"kind": kind, "inbox": "inbox" in current, "email": "email" in current,
                     "field": kind.name.replace(".", "-")})
    return rows


def save_preference(request, user, kind: str, inbox: bool, email: bool) -> None:
    """Store a preference; two submissions at once both end with one row."""
    db = request.dbsession
    stmt = sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id,
                                                   NotificationPreference.kind == kind)
    pref = db.scalar(stmt)
    if pref is None:
        try:
            with db.begin_nested():
                db.add(NotificationPreference(user_id=user.id, kind=kind, inbox=inbox,
                                              email=email))
            return
        except sa.exc.IntegrityError:
            pref = db.scalar(stmt)
    pref.inbox, pref.email = inbox, email


@view_config(route_name="notification_settings", request_method="GET",
             permission=AUTHENTICATED, renderer="hub:templates/notifications/settings.pt")
def settings_page(request):
    return {"rows": preference_rows(request, request.identity),
            "breadcrumbs": [(_("Notifications"), request.route_path("notifications")),
                            (_("Notification settings"), None)]}


@view_config(route_name="notification_settings", request_method="POST",
             permission=AUTHENTICATED)
def save_settings(request):
    user = request.identity
    kinds = request.registry.get("hub.notification_kinds") or {}
    for kind in kinds.values():
        if kind.mandatory:
            continue
        field = kind.name.replace(".", "-")
        save_preference(request, user, kind.name,
                        inbox=request.POST.get(f"{field}-inbox") == "on",
                        email=request.POST.get(f"{field}-email") == "on")
    request.session.flash(request.shell.translate(
        _("Your notification settings were saved.")), "success")
    return HTTPSeeOther(request.route_path("notification_settings"))


def includeme(config):
    config.add_route("notifications", "/notifications")
    config.add_route("notifications_read_all", "/notifications/read-all")
    config.add_route("notification_settings", "/notifications/settings")
    config.add_route("notification_read", "/notifications/{id:\\d+}/read")
    config.scan("hub.notifications.views")
