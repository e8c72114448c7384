"""Turn the OpenAPI document into plain data for the server-rendered documentation page."""
from __future__ import annotations

import json

from hub.api.openapi import METHODS


def schema_label(schema: dict | None) -> str:
    """A short human description of a schema: ``Notification``, ``array of User``..."""
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = " | ".join(kind)
    if kind == "array":
        return f"array of {schema_label(schema.get('items'))}"
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    if kind == "object" and schema.get("additionalProperties"):
        return f"object of {schema_label(schema['additionalProperties'])}"
    return kind or "any"


def _constraints(schema: dict) -> str:
    parts = []
    for key in ("minimum", "maximum", "minLength", "maxLength", "pattern", "format", "default"):
        if key in schema:
            parts.append(f"{key}: {json.dumps(schema[key], ensure_ascii=False)}")
    return ", ".join(parts)


def _body(content: dict | None) -> list[dict]:
    return [{"media_type": media, "schema": schema_label(spec.get("schema")),
             "ref": spec.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1],
             "json": json.dumps(spec.get("schema", {}), indent=2, ensure_ascii=False)}
            for media, spec in (content or {}).items()]


def describe(document: dict) -> dict:
    operations = []
    for path, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [{"name": p.get("name"), "location": p.get("in"),
                       "required": bool(p.get("required")),
                       "type": schema_label(p.get("schema")),
                       "constraints": _constraints(p.get("schema") or {}),
                       "description": p.get("description", "")}
                      for p in shared + op.get("parameters", [])]
            body = op.get("requestBody") or {}
            responses = [{"status": status, "description": r.get("description", ""),
                          "body": _body(r.get("content"))}
                         for status, r in op.get("responses", {}).items()]
            operations.append({
                "id": op.get("operationId") or f"{method}-{path}".replace("/", "-")
                .replace("{", "").replace("}", ""),
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""), "tags": op.get("tags", []),
                "public": op.get("security") == [], "parameters": params,
                "body": _body(body.get("content")), "body_required": bool(body.get("required")),
                "responses": responses})
    schemas = [{"name": name, "json": json.dumps(schema, indent=2, ensure_ascii=False)}
               for name, schema in sorted(document.get("components", {}).get("schemas", {})
                                          .items())]
    return {"info": document.get("info", {}), "server": document["servers"][0]["url"],
            "operations": operations, "schemas": schemas}
