"""Personal data: export of everything the hub holds about a user, and erasure.

Every plugin (and the core) answers ``hub_personal_data_export`` with
``{section title: [records]}`` and anonymises or deletes its rows in
``hub_personal_data_erase``; ``hub_personal_data_tables`` names the tables it covers
(a test fails when a table with personal columns is not named by anybody).
"""
from __future__ import annotations

import datetime as dt
import io
import json
import logging
import zipfile

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render
from pyramid.response import Response
from pyramid.security import forget
from pyramid.view import view_config

from hub import erasures
from hub.accounts.forms import Field, Form
from hub.accounts.models import AuditEvent, User
from hub.accounts.passwords import verify_password
from hub.db import utcnow
from hub.i18n import _
from hub.security import AUTHENTICATED
from hub.sessions import end_sessions_of

log = logging.getLogger("hub.privacy")


def _jsonable(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def collect(request, user: User) -> dict[str, list]:
    """``{section: records}`` from the core and every enabled plugin, titles translated."""
    result: dict[str, list] = {}
    for part in request.hooks.hub_personal_data_export(request=request, user=user):
        for title, records in (part or {}).items():
            result.setdefault(request.shell.translate(title), []).extend(records)
    return result


def export_archive(request, user: User) -> bytes:
    data = collect(request, user)
    generated = utcnow()
    document = {"generated_at": generated.isoformat(), "user_id": user.id, "data": data}
    html = render("hub:templates/profile/export.pt",
                  {"data": json.loads(json.dumps(data, default=_jsonable)), "user": user,
                   "generated": generated}, request=request)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(document, default=_jsonable, indent=2,
                                                 ensure_ascii=False))
        archive.writestr("data.html", html)
    return buffer.getvalue()


@view_config(route_name="privacy_export", request_method="POST", permission=AUTHENTICATED)
def export(request):
    user = request.identity
    body = export_archive(request, user)
    request.dbsession.add(AuditEvent(actor_id=user.id, subject_id=user.id, action="data_export"))
    name = f"hub-data-{utcnow():%Y%m%d}.zip"
    return Response(body=body, content_type="application/zip",
                    content_disposition=f'attachment; filename="{name}"')


@view_config(route_name="api_me_export", request_method="GET", permission=AUTHENTICATED)
def export_json(request):
    """The same data for API clients: one key per section. A GET writes nothing, so the
    export is logged rather than added to the account's events."""
    user = request.identity
    log.info("personal data exported through the API user_id=%s", user.id)
    body = json.dumps(collect(request, user), default=_jsonable, ensure_ascii=False)
    return Response(body=body.encode(), content_type="application/json", charset="utf-8")


def erase(request, user: User, actor: User | None, journal: bool = True) -> None:
    """Erase ``user``: every plugin's hook, then the account itself is anonymised.

    The user row stays (with no name, address or password) so that records other people
    rely on (an organisation's history, audit) keep a valid reference. The erasure is
    journalled outside the database (``hub.erasures``) so that a restore erases the person
    again; ``journal=False`` is for the restore itself, which applies the journal.
    """
    if journal:
        erasures.record(request, erasures.USER, user.id)
    request.hooks.hub_personal_data_erase(request=request, user=user)
    user.email = f"erased-{user.id}@invalid.invalid"
    user.name = ""
    user.password_hash = None
    user.totp_secret = user.totp_last_step = None
    user.is_active = False
    user.erased_at = utcnow()
    request.dbsession.add(AuditEvent(actor_id=actor.id if actor and actor.id != user.id else None,
                                     subject_id=user.id, action="account_erased"))
    end_sessions_of(request, user)
    log.info("account erased user_id=%s", user.id)


@view_config(route_name="privacy_erase", renderer="hub:templates/accounts/form_page.pt",
             permission=AUTHENTICATED)
def erase_account(request):
    user = request.identity
    form = Form(request, [
        Field("password", _("Your password"), "password", autocomplete="current-password",
              maxlength=None),
        Field("confirm", _("I understand that my account and my data will be deleted and "
                           "cannot be restored"), "checkbox")])
    if request.method == "POST":
        values = form.read()
        if form.ok and not verify_password(user.password_hash, values["password"]):
            form.error("password", _("The password is not right."))
        if form.ok:
            erase(request, user, actor=user)
            forget(request)
            response = HTTPSeeOther(location=request.route_path("home"))
            response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
            return response
    return {"heading": _("Delete my account"), "form": form, "submit": _("Delete my account"),
            "form_id": "erase-form", "action": request.route_path("privacy_erase"),
            "intro": [_("Your account will be closed and your personal data deleted or "
                        "anonymised in every part of the hub. Records the law requires us to "
                        "keep are kept without your name."),
                      _("Download your data first if you want a copy.")],
            "links": [(_("Back to my profile"), request.route_path("profile"))],
            "breadcrumbs": [(_("My profile"), request.route_path("profile")),
                            (_("Delete my account"), None)]}


def includeme(config):
    config.add_route("privacy_export", "/profile/export")
    config.add_route("privacy_erase", "/profile/delete")
    config.add_api_route("api_me_export", "/me/export")
    config.scan("hub.privacy")


# -- the core's service tables (inbox, preferences, tokens, outbox) -------------------------
# They are addressed through the metadata so that this module does not depend on how those
# services are built; secrets (token hashes) are never exported.

USER_TABLES = {"notification": _("Notifications"),
               "notification_preference": _("Notification settings"),
               "api_token": _("API tokens")}
SECRET_MARKERS = ("hash", "secret", "token")


def _table(name: str):
    from hub.db import Base

    return Base.metadata.tables.get(name)


def _rows(request, table, condition) -> list[dict]:
    columns = [c for c in table.columns
               if not any(marker in c.name for marker in SECRET_MARKERS)]
    rows = request.dbsession.execute(sa.select(*columns).where(condition)).mappings()
    return [dict(row) for row in rows]


def export_core_tables(request, user) -> dict:
    result = {}
    for name, title in USER_TABLES.items():
        table = _table(name)
        if table is not None:
            result[title] = _rows(request, table, table.c.user_id == user.id)
    outbox = _table("mail_message")
    if outbox is not None:
        result[_("E-mails sent to you")] = [
            {k: v for k, v in row.items() if k in ("subject", "text", "status", "created_at",
                                                    "sent_at")}
            for row in _rows(request, outbox, outbox.c.recipient == user.email)]
    return result


def erase_core_tables(request, user) -> None:
    for name in USER_TABLES:
        table = _table(name)
        if table is not None:
            request.dbsession.execute(sa.delete(table).where(table.c.user_id == user.id))
    outbox = _table("mail_message")
    if outbox is not None:
        request.dbsession.execute(sa.delete(outbox).where(outbox.c.recipient == user.email))
