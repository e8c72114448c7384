"""The OpenAPI 3.1 document: the core's paths plus every enabled plugin's ``hub_openapi``.

A plugin returns ``{"paths": {...}, "components": {"schemas": {...}}}`` with paths written
as registered with ``add_api_route`` (``/booking/rooms``, without ``/api/v1``). Two owners
describing the same operation, or the same schema name differently, is an error.
Operations without a ``default`` response get one that points at the shared ``Error``
schema, so every error shape is documented.
"""
from __future__ import annotations

import copy

from hub.api import API_PREFIX

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


class OpenAPIError(Exception):
    """Two contributions to the document clash."""


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def error_response(description: str = "Error") -> dict:
    return {"description": description, "content": json_content(ref("Error"))}


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["status", "code", "message"],
        "properties": {
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "code": {"type": "string", "description": "Stable machine-readable code."},
            "message": {"type": "string"},
            "details": {"type": "object"},
        },
    }},
}

SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "A personal API token created at /profile/tokens or with "
                              "`hub token create`. Every token expires. A token with the "
                              "`read` scope may only GET; POST, PUT, PATCH and DELETE need "
                              "the `write` scope (403 `insufficient_scope` otherwise)."},
}


def merge(document: dict, owner: str, part: dict | None, owners: dict) -> None:
    """Add ``part`` (from ``owner``) to ``document``; raise ``OpenAPIError`` on a clash."""
    if not part:
        return
    for path, item in (part.get("paths") or {}).items():
        if not path.startswith("/"):
            raise OpenAPIError(f"{owner}: path {path!r} must start with '/'")
        target = document["paths"].setdefault(path, {})
        for key, operation in item.items():
            if key in target:
                raise OpenAPIError(f"{key.upper()} {path} is described by both "
                                   f"{owners[(path, key)]} and {owner}")
            owners[(path, key)] = owner
            target[key] = copy.deepcopy(operation)
    for section, entries in (part.get("components") or {}).items():
        existing = document["components"].setdefault(section, {})
        for name, value in entries.items():
            if name in existing and existing[name] != value:
                raise OpenAPIError(f"components/{section}/{name} is defined differently by "
                                   f"{owners.get((section, name), 'the core')} and {owner}")
            owners.setdefault((section, name), owner)
            existing[name] = copy.deepcopy(value)


def assemble(request) -> dict:
    """The whole document for this hub (core first, then plugins in dependency order)."""
    from hub.api.views import core_openapi
    from hub.plugins import per_plugin

    settings = request.registry.settings
    document = {
        "openapi": "3.1.0",
        "info": {"title": f"{settings['hub.site_name']} API", "version": "1",
                 "description": "JSON API of the hub. Authenticate with "
                                "`Authorization: Bearer <token>`. Errors have one shape: "
                                "`{\"error\": {\"status\", \"code\", \"message\", "
                                "\"details\"}}`; 422 means invalid input, 409 a conflict."},
        "servers": [{"url": API_PREFIX}],
        "security": [{"bearer": []}],
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": {}},
    }
    owners: dict = {}
    merge(document, "the core", {"components": {"schemas": {"Error": ERROR_SCHEMA},
                                                "securitySchemes": SECURITY_SCHEMES}}, owners)
    merge(document, "the core", core_openapi(request), owners)
    results = per_plugin(request.registry["hub.pm"], "hub_openapi", request=request)
    order = list(request.registry.get("hub.plugin_order", ()))
    for name in sorted(results, key=lambda n: (order.index(n) if n in order else -1, n)):
        merge(document, f"plugin {name}", results[name], owners)
    for item in document["paths"].values():
        for key, operation in item.items():
            if key in METHODS:
                operation.setdefault("responses", {}).setdefault("default", error_response())
    document["paths"] = dict(sorted(document["paths"].items()))
    return document
