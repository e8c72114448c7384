"""Notifications: an in-app inbox and e-mail, in the recipient's language.

Plugins declare their kinds with ``hub_notification_kinds`` and call::

    notify(request, user, "booking.approved", _("Your booking was approved"),
           _("${room}, ${when}"), mapping={"room": ..., "when": ...},
           url=request.route_url("booking.reservation", id=r.id))

The message is stored in the user's inbox and, unless the user turned e-mail off for
that kind, queued as an e-mail (HTML and plain text, delivered after commit). Users choose
their channels per kind at ``/notifications/settings``; a kind declared ``mandatory``
cannot be switched off.
"""
from __future__ import annotations

import sqlalchemy as sa

from hub.contributions import NotificationKind
from hub.i18n import _, localizer_for
from hub.mail import queue_mail, render_mail
from hub.notifications.models import Notification, NotificationPreference
from hub.theme import theme_of

CHANNELS = ("inbox", "email")


def notify(request, user, kind: str, subject, text="", url: str | None = None,
           mapping: dict | None = None, attachments: tuple = (),
           channels: tuple[str, ...] | None = None,
           headers: dict | None = None) -> Notification:
    """Tell ``user`` about something; see the module docstring. ``headers`` are added to the
    e-mail (``hub.consent.unsubscribe_headers`` for mail sent on a consent)."""
    localizer = localizer_for(request.registry, user.language)
    subject_text = localizer.translate(subject, mapping=mapping)
    body_text = localizer.translate(text, mapping=mapping) if text else ""
    wanted = channels or request.registry["hub.notification_channels"](request, user, kind)
    note = Notification(user_id=user.id, kind=kind, subject=subject_text[:300], body=body_text,
                        url=(url or "")[:500])
    if "inbox" in wanted:
        request.dbsession.add(note)
        request.dbsession.flush()
    if "email" in wanted:
        settings_url = _settings_url(request)
        values = {"subject": subject_text, "body": body_text, "url": url or "",
                  "site_name": localizer.translate(_("A message from ${site}", mapping={
                      "site": theme_of(request.registry).name(user.language, "genitive")})),
                  "settings_url": settings_url,
                  "more_line": localizer.translate(_("Open in the hub: ${url}",
                                                     mapping={"url": url})) if url else "",
                  "settings_line": localizer.translate(_(
                      "Change which notifications you receive by e-mail: ${url}",
                      mapping={"url": settings_url})) if settings_url else ""}
        text_body, html_body = render_mail(request, "notification", user.language, values)
        queue_mail(request, user.email, subject_text, text_body, html=html_body,
                   attachments=attachments, headers=headers)
    return note


def _settings_url(request) -> str:
    from hub.shell import route_names

    if "notification_settings" in route_names(request.registry):
        return request.route_url("notification_settings")
    return ""


def declared_kinds(registry) -> dict[str, NotificationKind]:
    return registry.get("hub.notification_kinds") or {}


def default_channels(request, user, kind) -> tuple[str, ...]:
    """Channels of a kind for a user: the kind's defaults (preferences may narrow them)."""
    declared = declared_kinds(request.registry).get(kind)
    return declared.default_channels if declared else CHANNELS


def user_channels(request, user, kind) -> tuple[str, ...]:
    """The channels ``user`` chose for ``kind``; mandatory kinds keep their defaults."""
    defaults = default_channels(request, user, kind)
    declared = declared_kinds(request.registry).get(kind)
    if declared is not None and declared.mandatory:
        return defaults
    pref = request.dbsession.scalar(sa.select(NotificationPreference).where(
        NotificationPreference.user_id == user.id, NotificationPreference.kind == kind))
    if pref is None:
        return defaults
    return tuple(c for c, on in (("inbox", pref.inbox), ("email", pref.email)) if on)


def unread_count(request) -> int:
    """The unread badge: one COUNT on an indexed column pair."""
    user = request.identity
    if user is None:
        return 0
    return request.cached(UNREAD_REGION, user.id, lambda: request.dbsession.scalar(
        sa.select(sa.func.count()).select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0)


UNREAD_REGION = "hub.unread_notifications"


# The core's own kind, so that plugins and administrators can always reach a user.
CORE_KINDS = (
    NotificationKind("hub.announcement", _("Announcements from the hub team"),
                     _("Important messages about your account and the hub."),
                     mandatory=True),
)


def includeme(config):
    from hub.shell import flatten

    kinds = {k.name: k for k in flatten(config.registry["hub.pm"].hook.hub_notification_kinds())}
    config.registry["hub.notification_kinds"] = kinds
    config.registry["hub.notification_channels"] = user_channels
    config.registry["hub.unread_counter"] = unread_count
    # Every page shows the badge; the count changes only with the notification table.
    config.add_cache_region(UNREAD_REGION, tables=("notification",), ttl=600)
    config.include("hub.notifications.views")
