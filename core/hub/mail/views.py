"""Administrators' view of the outbox: every message (the development mailbox), failures
and a way to send a message again."""
from __future__ import annotations

import base64
import datetime as dt

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.i18n import _
from hub.mail import FAILED, PENDING, SENT, MailMessage, retry_message
from hub.params import page_param
from hub.security import ADMIN

PAGE_SIZE = 50
BULK_LIMIT = 20
STATUSES = {PENDING: _("Waiting"), SENT: _("Sent"), FAILED: _("Failed")}


@view_config(route_name="admin_mail", request_method="GET", permission=ADMIN,
             renderer="hub:templates/mail/admin_list.pt")
def mail_list(request):
    from hub.notifications.views import format_datetime

    status = request.GET.get("status", "")
    if status not in STATUSES:
        status = ""
    page = page_param(request)
    query = sa.select(MailMessage)
    count_query = sa.select(sa.func.count()).select_from(MailMessage)
    if status:
        query = query.where(MailMessage.status == status)
        count_query = count_query.where(MailMessage.status == status)
    total = request.dbsession.scalar(count_query) or 0
    messages = request.dbsession.scalars(
        query.order_by(MailMessage.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    counts = dict(request.dbsession.execute(
        sa.select(MailMessage.status, sa.func.count()).group_by(MailMessage.status)).all())
    return {"messages": messages, "status": status, "statuses": STATUSES, "counts": counts,
            "page": page, "has_next": page * PAGE_SIZE < total, "total": total,
            "bulk": bulk_mail(request) if page == 1 and not status else [],
            "format_datetime": format_datetime, "breadcrumbs": [(_("Outgoing mail"), None)]}


def bulk_mail(request) -> list:
    """Mailings plugins send outside the outbox (``hub_bulk_mail``), newest first."""
    found = [m for answer in request.hooks.hub_bulk_mail(request=request, limit=BULK_LIMIT)
             for m in answer or ()]
    found.sort(key=lambda m: m.started_at or dt.datetime.min.replace(tzinfo=dt.UTC),
               reverse=True)
    return found[:BULK_LIMIT]


def _message(request) -> MailMessage:
    try:
        message_id = int(request.matchdict["id"])
    except ValueError:
        raise HTTPNotFound() from None
    message = request.dbsession.get(MailMessage, message_id)
    if message is None:
        raise HTTPNotFound()
    return message


@view_config(route_name="admin_mail_message", request_method="GET", permission=ADMIN,
             renderer="hub:templates/mail/admin_message.pt")
def mail_message(request):
    from hub.notifications.views import format_datetime

    message = _message(request)
    attachments = [{"filename": a["filename"], "content_type": a["content_type"],
                    "size": len(base64.b64decode(a["data"]))}
                   for a in message.attachments or []]
    return {"message": message, "statuses": STATUSES, "attachments": attachments,
            "format_datetime": format_datetime,
            "breadcrumbs": [(_("Outgoing mail"), request.route_path("admin_mail")),
                            (_("Message"), None)]}


@view_config(route_name="admin_mail_retry", request_method="POST", permission=ADMIN)
def mail_retry(request):
    from hub.jobs import enqueue

    message = _message(request)
    if message.status == SENT:
        request.session.flash(request.shell.translate(_("This message was already sent.")),
                              "error")
    else:
        retry_message(message)
        enqueue(request, "hub.mail.deliver", message_id=message.id)
        request.session.flash(request.shell.translate(
            _("The message will be sent again in a moment.")), "success")
    return HTTPSeeOther(request.route_path("admin_mail_message", id=message.id))


def includeme(config):
    config.add_route("admin_mail", "/admin/mail")
    config.add_route("admin_mail_message", "/admin/mail/{id:\\d+}")
    config.add_route("admin_mail_retry", "/admin/mail/{id:\\d+}/retry")
    config.scan("hub.mail.views")
