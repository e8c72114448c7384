"""The JSON API under ``/api/v1``: routes that ignore a plugin's page prefix, one error shape.

Plugins register API routes with ``config.add_api_route("booking.api.rooms", "/booking/rooms")``
(served at ``/api/v1/booking/rooms``) and views with ``renderer="json"`` and a permission.
Errors are ``api_error(status, code, message, **details)``:

    {"error": {"status": 422, "code": "validation_failed", "message": "...", "details": {...}}}

Requests that authenticate with ``Authorization: Bearer <token>`` need no CSRF token
(browsers never attach that header by themselves); cookie-authenticated ones do.
"""
from __future__ import annotations

import json

from pyramid.httpexceptions import HTTPException, status_map

API_PREFIX = "/api/v1"


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


def includeme(config):
    config.add_directive("add_api_route", add_api_route)
