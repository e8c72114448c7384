"""The JSON API under ``/api/v1``: routes that ignore a plugin's page prefix, one error shape.

Plugins register API routes with ``config.add_api_route("booking.api.rooms", "/booking/rooms")``
(served at ``/api/v1/booking/rooms``) and views with ``renderer="json"`` and a permission.
Errors are ``api_error(status, code, message, **details)``:

    {"error": {"status": 422, "code": "validation_failed", "message": "...", "details": {...}}}

``code`` is stable and meant for programs; ``message`` is meant for people and is in the
request's language (the language cookie, else the signed-in user's language, else the
hub's default), as on the pages: translate it with ``request.localizer.translate(_(...))``.

Every error on an ``/api/`` path has that shape, including 401 (no or bad token), 403,
404, 405, CSRF failures (400), undecodable addresses (400), bodies over the limit (413
``too_large``) and unexpected errors (500). ``json_body(request)`` reads a request's JSON
object or answers 400 ``invalid_json``; ``hub.params.int_param`` reads a query parameter
or answers 422 ``validation_failed``.

Requests that authenticate with ``Authorization: Bearer <token>`` need no CSRF token
(browsers never attach that header by themselves); cookie-authenticated ones do. A bearer
token that is unknown, revoked or expired gets 401 on every API path; a token with the
``read`` scope only gets 403 ``insufficient_scope`` for POST, PUT, PATCH and DELETE.

The OpenAPI 3.1 document at ``/api/v1/openapi.json`` is assembled from the core's paths and
every enabled plugin's ``hub_openapi(request)``; ``/api/v1/docs`` renders it as a page.
"""
from __future__ import annotations

import json
import logging

from pyramid.httpexceptions import HTTPException, HTTPForbidden, status_map

from hub.i18n import _

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

ERROR_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "too_large",
    415: "unsupported_media_type", 422: "validation_failed", 429: "too_many_requests",
    500: "server_error", 503: "unavailable",
}


def api_error(status: int, code: str, message: str, **details) -> HTTPException:
    """An HTTP error with the API's JSON body; raise or return it from a view."""
    body = {"error": {"status": status, "code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    response = status_map[status](content_type="application/json", charset="utf-8")
    response.text = json.dumps(body, ensure_ascii=False, default=str)
    return response


def add_api_route(config, name: str, pattern: str, **kwargs) -> None:
    """Configuration directive: a route under ``/api/v1`` whatever the plugin's prefix."""
    saved = config.route_prefix
    config.route_prefix = None
    try:
        config.add_route(name, API_PREFIX + pattern, **kwargs)
    finally:
        config.route_prefix = saved


def is_api_request(request) -> bool:
    return request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX


def json_body(request) -> dict:
    """The request's JSON object; 400 ``invalid_json`` when it is not one."""
    translate = request.localizer.translate
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise api_error(400, "invalid_json",
                        translate(_("The request body is not valid JSON."))) from None
    if not isinstance(body, dict):
        raise api_error(400, "invalid_json",
                        translate(_("The request body must be a JSON object.")))
    return body


class ApiPathPredicate:
    """View predicate ``api=True``: the request is for a path under ``/api/v1``."""

    def __init__(self, value, config):
        self.value = bool(value)

    def text(self):
        return f"api = {self.value}"

    phash = text

    def __call__(self, context, request):
        return is_api_request(request) == self.value


TOKEN_ERRORS = {
    "expired": _("The token has expired."),
    "two_factor": _("Tokens of staff and administrators must be created after a two-factor "
                    "check; create a new token."),
}


def bearer_tween_factory(handler, registry):
    """A bearer token that does not authenticate is a 401 on the API, not anonymous access;
    a token without the scope a request needs gets 403 (on every path)."""
    from hub.tokens import bearer_token, missing_scope

    def bearer_tween(request):
        if bearer_token(request) is None:
            return handler(request)
        if request.identity is None:
            if not is_api_request(request):
                return handler(request)
            reason = request.environ.get("hub.token_error", "invalid")
            message = TOKEN_ERRORS.get(reason,
                                       _("The token is not valid (unknown or revoked)."))
            response = api_error(401, "invalid_token", request.localizer.translate(message))
            response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return response
        needed = missing_scope(request)
        if needed is not None:
            message = request.localizer.translate(_(
                "The token does not have the ${scope} scope needed for ${method}.",
                mapping={"scope": needed, "method": request.method}))
            if is_api_request(request):
                response = api_error(403, "insufficient_scope", message, scope=needed)
            else:
                response = HTTPForbidden(message)
            response.headers["WWW-Authenticate"] = \
                f'Bearer error="insufficient_scope", scope="{needed}"'
            return response
        return handler(request)

    return bearer_tween


def includeme(config):
    config.add_directive("add_api_route", add_api_route)
    config.add_view_predicate("api", ApiPathPredicate)
    from pyramid.tweens import EXCVIEW

    config.add_tween("hub.api.bearer_tween_factory", under="pyramid_tm.tm_tween_factory",
                     over=EXCVIEW)
    config.include("hub.api.views")
