"""The core's API endpoints, the OpenAPI document and its page, and JSON error views."""
from __future__ import annotations

import json
import logging

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPException, HTTPForbidden, HTTPNotFound
from pyramid.view import exception_view_config, view_config

from hub.api import ERROR_CODES, api_error, json_body
from hub.api.collections import (
    collection,
    collection_schema,
    page_of,
    paging_parameters,
    read_paging,
)
from hub.api.openapi import assemble, error_response, json_content, ref
from hub.db import utcnow
from hub.i18n import _
from hub.params import BadInput, BadParameter, BodyTooLarge, is_bad_value
from hub.security import AUTHENTICATED, PUBLIC

log = logging.getLogger(__name__)



# -- errors --------------------------------------------------------------------------------
# Messages are for people, in the request's language; codes are for programs.

# What an error of a status says when no view gave it a message of its own.
STATUS_MESSAGES = {
    400: _("The request cannot be read."),
    404: _("There is nothing at this address."),
    406: _("The response cannot be given in the format asked for."),
    409: _("The change conflicts with existing data."),
    415: _("The request body has a format this address does not accept."),
    429: _("Too many requests; try again later."),
    503: _("The service is unavailable for a moment; try again later."),
}


def _t(request, message) -> str:
    return request.localizer.translate(message)


def _allowed_methods(request) -> list[str]:
    """Methods some view of the matched route accepts (for 405 and its Allow header)."""
    cache = request.registry.setdefault("hub.api_route_methods", {})
    route = request.matched_route.name
    if route not in cache:
        methods = set()
        introspector = request.registry.introspector
        for view in introspector.get_category("views") or []:
            intr = view["introspectable"]
            if intr["route_name"] == route:
                found = intr["request_methods"]
                methods.update((found,) if isinstance(found, str) else (found or ()))
        cache[route] = sorted(methods)
    return cache[route]


@exception_view_config(HTTPNotFound, api=True)
def api_not_found(exc, request):
    from pyramid.exceptions import PredicateMismatch

    if exc.content_type == "application/json":
        return exc  # a view's own api_error(404, ...), with its code and message

    if isinstance(exc, PredicateMismatch) and request.matched_route is not None:
        allowed = _allowed_methods(request)
        if allowed and request.method not in allowed:
            response = api_error(405, "method_not_allowed",
                                 _t(request, _("${method} is not allowed here.",
                                               mapping={"method": request.method})),
                                 allowed=allowed)
            response.headers["Allow"] = ", ".join(allowed)
            return response
    return api_error(404, "not_found", _t(request, STATUS_MESSAGES[404]))


def _fails_csrf(request) -> bool:
    """An unsafe cookie request without a valid CSRF token (or from another origin)."""
    from pyramid.csrf import check_csrf_origin, check_csrf_token

    from hub.security import uses_cookie_authentication

    if request.method in ("GET", "HEAD", "OPTIONS") or not uses_cookie_authentication(request):
        return False
    return not (check_csrf_token(request, raises=False)
                and check_csrf_origin(request, raises=False))


@exception_view_config(HTTPForbidden, api=True)
def api_forbidden(exc, request):
    if request.identity is None and _fails_csrf(request):
        # Rejected as a forgery whatever the authentication: answers reveal nothing more.
        return api_error(400, "csrf_failed",
                         _t(request, _("A CSRF token is required for cookie sessions.")))
    if request.identity is None:
        response = api_error(401, "unauthorized", _t(request, _(
            "Authenticate with an API token (Authorization: Bearer ...).")))
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    return api_error(403, "forbidden", _t(request, _("You do not have permission to do this.")))


@exception_view_config(HTTPException, api=True)
def api_http_error(exc, request):
    if exc.content_type == "application/json":
        return exc  # already an api_error
    status = exc.code if exc.code >= 400 else 500
    if status < 400:
        return exc  # redirects pass through unchanged
    code = ERROR_CODES.get(status, "error")
    from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken

    if isinstance(exc, (BadCSRFToken, BadCSRFOrigin)):
        return api_error(status, "csrf_failed",
                         _t(request, _("A CSRF token is required for cookie sessions.")))
    message = STATUS_MESSAGES.get(status)
    return api_error(status, code, _t(request, message) if message is not None
                     else exc.explanation or exc.title)


@exception_view_config(BadParameter, api=True)
def api_bad_parameter(exc, request):
    return api_error(422, "validation_failed", _t(request, exc.translatable),
                     fields={exc.name: "invalid"})


@exception_view_config(BadInput, api=True)
def api_bad_input(exc, request):
    return api_error(400, "bad_request", _t(request, exc.translatable))


@exception_view_config(BodyTooLarge, api=True)
def api_body_too_large(exc, request):
    return api_error(413, "too_large", _t(request, _(
        "The request body is larger than the ${size} accepted here.",
        mapping={"size": exc.size})), limit=exc.limit)


@exception_view_config(Exception, api=True)
def api_server_error(exc, request):
    # Safety nets: a view that forgot to validate or to catch a constraint still answers
    # with a client error, never 500 (the transaction is rolled back all the same).
    if is_bad_value(exc):
        log.warning("unvalidated input on %s %s: %s", request.method, request.path,
                    type(exc).__name__)
        return api_error(422, "validation_failed",
                         _t(request, _("A value is out of range or of the wrong type.")))
    if isinstance(exc, sa.exc.IntegrityError):
        log.warning("unhandled constraint violation on %s %s", request.method, request.path)
        return api_error(409, "conflict", _t(request, STATUS_MESSAGES[409]))
    log.error("unhandled API error on %s %s", request.method, request.path, exc_info=exc)
    return api_error(500, "server_error",
                     _t(request, _("Something went wrong; the error has been recorded.")))


# -- the document and its page ------------------------------------------------------------

@view_config(route_name="api_openapi", request_method="GET", permission=PUBLIC, renderer="json")
def openapi_document(request):
    return assemble(request)


@view_config(route_name="api_docs", request_method="GET", permission=PUBLIC,
             renderer="hub:templates/api/docs.pt")
def api_docs(request):
    from hub.api.docs import describe

    document = assemble(request)
    return {"doc": describe(document), "document": document,
            "base_url": request.registry.settings["hub.base_url"].rstrip("/"),
            "breadcrumbs": [(_("API documentation"), None)]}


# -- the core's endpoints -----------------------------------------------------------------

def user_json(user) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "language": user.language}


def notification_json(note) -> dict:
    return {"id": note.id, "kind": note.kind, "subject": note.subject, "body": note.body,
            "url": note.url or None, "created_at": note.created_at.isoformat(),
            "read_at": note.read_at.isoformat() if note.read_at else None}


@view_config(route_name="api_me", request_method="GET", permission=AUTHENTICATED,
             renderer="json")
def me(request):
    return user_json(request.identity)


@view_config(route_name="api_notifications", request_method="GET", permission=AUTHENTICATED,
             renderer="json")
def notifications(request):
    from hub.notifications.models import Notification

    user = request.identity
    paging = read_paging(request)
    unread_only = request.GET.get("unread", "false")
    if unread_only not in ("true", "false"):
        raise api_error(422, "validation_failed", _t(request, _("unread must be true or false.")),
                        fields={"unread": "invalid"})
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if unread_only == "true":
        query = query.where(Notification.read_at.is_(None))
    rows, total = page_of(request.dbsession, query.order_by(
        Notification.created_at.desc(), Notification.id.desc()), paging)
    return collection([notification_json(n) for n in rows], total, paging,
                      unread=request.registry["hub.unread_counter"](request))


@view_config(route_name="api_notification_read", request_method="POST",
             permission=AUTHENTICATED, renderer="json")
def notification_read(request):
    from hub.notifications.models import Notification

    try:
        note_id = int(request.matchdict["id"])
    except ValueError:
        note_id = 0
    note = request.dbsession.get(Notification, note_id) if 0 < note_id < 2**31 else None
    if note is None or note.user_id != request.identity.id:
        raise api_error(404, "not_found", _t(request, _("No such notification.")))
    if note.read_at is None:
        note.read_at = utcnow()
    return notification_json(note)


@view_config(route_name="api_notifications_read_all", request_method="POST",
             permission=AUTHENTICATED, renderer="json")
def notifications_read_all(request):
    from hub.notifications.views import mark_all_read_for

    return {"marked": mark_all_read_for(request, request.identity)}


def _settings_json(request) -> list[dict]:
    from hub.notifications.views import preference_rows

    localizer = request.shell.localizer
    return [{"kind": row["kind"].name, "title": localizer.translate(row["kind"].title),
             "mandatory": row["kind"].mandatory, "inbox": row["inbox"], "email": row["email"]}
            for row in preference_rows(request, request.identity)]


@view_config(route_name="api_notification_settings", request_method="GET",
             permission=AUTHENTICATED, renderer="json")
def notification_settings(request):
    return {"items": _settings_json(request)}


@view_config(route_name="api_notification_settings", request_method="PUT",
             permission=AUTHENTICATED, renderer="json")
def notification_settings_update(request):
    from hub.notifications.views import save_preference

    body = json_body(request)
    kinds = request.registry.get("hub.notification_kinds") or {}
    channels = request.registry["hub.notification_channels"]
    errors, changes = {}, []
    for name, value in body.items():
        kind = kinds.get(name)
        if kind is None:
            errors[name] = "unknown_kind"
            continue
        if not isinstance(value, dict) or set(value) - {"inbox", "email"} or \
                not all(isinstance(v, bool) for v in value.values()):
            errors[name] = "expected {\"inbox\": bool, \"email\": bool}"
            continue
        current = channels(request, request.identity, name)
        wanted = {"inbox": value.get("inbox", "inbox" in current),
                  "email": value.get("email", "email" in current)}
        if kind.mandatory:
            if wanted != {"inbox": "inbox" in current, "email": "email" in current}:
                errors[name] = "mandatory"
            continue
        changes.append((name, wanted))
    if errors:
        raise api_error(422, "validation_failed", _t(request, _(
            "Some settings were not accepted; nothing was changed.")), fields=errors)
    for name, wanted in changes:
        save_preference(request, request.identity, name, **wanted)
    return {"items": _settings_json(request)}


# -- the core's part of the document -----------------------------------------------------

def core_openapi(request) -> dict:
    ok = "OK"
    unauthorized = error_response("Not authenticated or the token is not valid")
    validation = error_response("Invalid input")
    page_params = [
        *paging_parameters(),
        {"name": "unread", "in": "query", "required": False,
         "description": "Only unread notifications.",
         "schema": {"type": "string", "enum": ["true", "false"], "default": "false"}},
    ]
    channel_choice = {"type": "object", "additionalProperties": False,
                      "properties": {"inbox": {"type": "boolean"}, "email": {"type": "boolean"}}}
    return {
        "paths": {
            "/me": {"get": {
                "operationId": "getMe", "tags": ["core"], "summary": "The signed-in user",
                "responses": {"200": {"description": ok, "content": json_content(ref("User"))},
                              "401": unauthorized}}},
            "/me/export": {"get": {
                "operationId": "exportMyData", "tags": ["core"],
                "summary": "Everything the hub holds about you (GDPR Art. 15 and 20)",
                "description": "One key per section (account, consents, each module's "
                               "records), titled in your language; the same data as the "
                               "download on the profile page.",
                "responses": {"200": {"description": ok, "content": json_content({
                    "type": "object", "additionalProperties": {
                        "type": "array", "items": {"type": "object"}}})},
                    "401": unauthorized}}},
            "/notifications": {"get": {
                "operationId": "listNotifications", "tags": ["notifications"],
                "summary": "Your notifications, newest first",
                "parameters": page_params,
                "responses": {"200": {"description": ok,
                                      "content": json_content(ref("NotificationList"))},
                              "401": unauthorized, "422": validation}}},
            "/notifications/read-all": {"post": {
                "operationId": "markAllNotificationsRead", "tags": ["notifications"],
                "summary": "Mark all your notifications as read",
                "responses": {"200": {"description": ok, "content": json_content({
                    "type": "object", "required": ["marked"],
                    "properties": {"marked": {"type": "integer", "minimum": 0}}})},
                    "401": unauthorized}}},
            "/notifications/{id}/read": {"post": {
                "operationId": "markNotificationRead", "tags": ["notifications"],
                "summary": "Mark one notification as read",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 1}}],
                "responses": {"200": {"description": ok,
                                      "content": json_content(ref("Notification"))},
                              "401": unauthorized,
                              "404": error_response("Not found (or not yours)")}}},
            "/notifications/settings": {
                "get": {
                    "operationId": "getNotificationSettings", "tags": ["notifications"],
                    "x-hub-collection": False,  # one settings document, read and written whole
                    "summary": "Your channels for each kind of notification",
                    "responses": {"200": {"description": ok,
                                          "content": json_content(ref("NotificationSettings"))},
                                  "401": unauthorized}},
                "put": {
                    "operationId": "updateNotificationSettings", "tags": ["notifications"],
                    "summary": "Change your channels (kinds not named stay as they are)",
                    "description": "Mandatory kinds cannot be switched off (422).",
                    "requestBody": {"required": True, "content": json_content({
                        "type": "object", "additionalProperties": channel_choice})},
                    "responses": {"200": {"description": ok,
                                          "content": json_content(ref("NotificationSettings"))},
                                  "400": error_response("Not a JSON object"),
                                  "401": unauthorized, "422": validation}}},
        },
        "components": {"schemas": {
            "User": {"type": "object", "required": ["id", "email", "name", "role", "language"],
                     "properties": {
                         "id": {"type": "integer"}, "email": {"type": "string"},
                         "name": {"type": "string"},
                         "role": {"type": "string", "enum": ["member", "staff", "admin"]},
                         "language": {"type": "string", "enum": ["cs", "en"]}}},
            "Notification": {
                "type": "object",
                "required": ["id", "kind", "subject", "body", "url", "created_at", "read_at"],
                "properties": {
                    "id": {"type": "integer"}, "kind": {"type": "string"},
                    "subject": {"type": "string"}, "body": {"type": "string"},
                    "url": {"type": ["string", "null"]},
                    "created_at": {"type": "string", "format": "date-time"},
                    "read_at": {"type": ["string", "null"], "format": "date-time"}}},
            "NotificationList": collection_schema(ref("Notification"), {
                "unread": {"type": "integer", "minimum": 0,
                           "description": "Unread notifications in all"}}),
            "NotificationSettings": {
                "type": "object", "required": ["items"],
                "properties": {"items": {"type": "array", "items": {
                    "type": "object",
                    "required": ["kind", "title", "mandatory", "inbox", "email"],
                    "properties": {"kind": {"type": "string"}, "title": {"type": "string"},
                                   "mandatory": {"type": "boolean"},
                                   "inbox": {"type": "boolean"},
                                   "email": {"type": "boolean"}}}}}},
        }},
    }


def pretty_json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def includeme(config):
    config.add_api_route("api_openapi", "/openapi.json")
    config.add_api_route("api_docs", "/docs")
    config.add_api_route("api_me", "/me")
    config.add_api_route("api_notifications", "/notifications")
    config.add_api_route("api_notifications_read_all", "/notifications/read-all")
    config.add_api_route("api_notification_settings", "/notifications/settings")
    config.add_api_route("api_notification_read", "/notifications/{id}/read")
    config.scan("hub.api.views")
