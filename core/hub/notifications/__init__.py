"""Notifications: an in-app inbox and e-mail, in the recipient's language.

Plugins declare their kinds with ``hub_notification_kinds`` and call::

    notify(request, user, "booking.approved", _("Your booking was approved"),
           _("${room}, ${when}"), mapping={"room": ..., "when": ...},
           url=request.route_url("booking.reservation", id=r.id))

The message is stored in the user's inbox and, unless the user turned e-mail off for
that kind, queued as an e-mail (delivered after commit).
"""
from __future__ import annotations

from hub.i18n import localizer_for
from hub.mail import queue_mail
from hub.notifications.models import Notification


def notify(request, user, kind: str, subject, text="", url: str | None = None,
           mapping: dict | None = None, attachments: tuple = (),
           channels: tuple[str, ...] | None = None) -> Notification:
    """Tell ``user`` about something; see the module docstring."""
    localizer = localizer_for(request.registry, user.language)
    subject_text = localizer.translate(subject, mapping=mapping)
    body_text = localizer.translate(text, mapping=mapping) if text else ""
    wanted = channels or request.registry["hub.notification_channels"](request, user, kind)
    note = Notification(user_id=user.id, kind=kind, subject=subject_text, body=body_text,
                        url=url or "")
    if "inbox" in wanted:
        request.dbsession.add(note)
        request.dbsession.flush()
    if "email" in wanted:
        footer = localizer.translate(_link_line(url)) if url else ""
        queue_mail(request, user.email, subject_text,
                   "\n\n".join(p for p in (body_text, footer) if p), attachments=attachments)
    return note


def _link_line(url):
    from hub.i18n import _

    return _("More: ${url}", mapping={"url": url})


def default_channels(request, user, kind) -> tuple[str, ...]:
    """Channels of a kind for a user: the kind's defaults (preferences may narrow them)."""
    kinds = request.registry.get("hub.notification_kinds") or {}
    declared = kinds.get(kind)
    return declared.default_channels if declared else ("inbox", "email")


def includeme(config):
    from hub.shell import flatten

    kinds = {k.name: k for k in flatten(config.registry["hub.pm"].hook.hub_notification_kinds())}
    config.registry["hub.notification_kinds"] = kinds
    config.registry.setdefault("hub.notification_channels", default_channels)
