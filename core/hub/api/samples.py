"""Request bodies and parameters built from the OpenAPI document alone.

A client that reads only ``/api/v1/openapi.json`` must be able to send a body the hub
accepts. ``sample_value(document, schema)`` builds the smallest such value: the required
properties only, each from its ``examples``, ``default``, ``const`` or first ``enum`` value,
else from its type, format and bounds; an ``if``/``then`` whose condition the object meets
adds the properties ``then`` requires. Date-times come out in increasing order (one hour
apart, from tomorrow 10:00 in the hub's zone), so a ``starts_at`` listed before its
``ends_at`` gets the earlier one. The suites use it to check that every operation's schema
says enough (``tests/services/test_openapi_bodies.py``); plugins can do the same.
"""
from __future__ import annotations

import copy
import datetime as dt
import itertools

from hub.dates import PRAGUE

_FORMAT_STRINGS = {"email": "api.client@example.org", "uri": "https://example.org/",
                   "url": "https://example.org/", "uuid": "00000000-0000-4000-8000-000000000000"}


def resolve(document: dict, schema: dict) -> dict:
    """``schema`` with a ``$ref`` at its top replaced by the referenced schema."""
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        path = schema["$ref"].removeprefix("#/").split("/")
        target = document
        for part in path:
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    return schema


class SampleBuilder:
    def __init__(self, document: dict, now: dt.datetime | None = None):
        self.document = document
        start = (now or dt.datetime.now(PRAGUE)).astimezone(PRAGUE) + dt.timedelta(days=1)
        first = start.replace(hour=10, minute=0, second=0, microsecond=0)
        self._times = (first + dt.timedelta(hours=n) for n in itertools.count())

    def value(self, schema: dict | None):
        schema = resolve(self.document, schema or {})
        for key in ("const",):
            if key in schema:
                return copy.deepcopy(schema[key])
        if schema.get("examples"):
            return copy.deepcopy(schema["examples"][0])
        if "example" in schema:
            return copy.deepcopy(schema["example"])
        if "default" in schema:
            return copy.deepcopy(schema["default"])
        if schema.get("enum"):
            return copy.deepcopy(schema["enum"][0])
        if schema.get("allOf") and any("if" not in part for part in schema["allOf"]):
            # Merge the parts that describe properties; conditions stay rules of their own.
            merged: dict = {}
            rules = []
            for part in schema["allOf"]:
                part = resolve(self.document, part)
                if "if" in part:
                    rules.append(part)
                else:
                    merged = _merge(merged, part)
            rest = {k: v for k, v in schema.items() if k != "allOf"}
            merged = _merge(merged, rest)
            if rules:
                merged["allOf"] = rules
            return self.value(merged)
        for key in ("oneOf", "anyOf"):
            if schema.get(key):
                options = [resolve(self.document, s) for s in schema[key]]
                useful = [s for s in options if s.get("type") != "null"] or options
                return self.value(useful[0])
        kind = schema.get("type", "object" if "properties" in schema else "string")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        return getattr(self, f"_{kind}")(schema)

    def _object(self, schema: dict) -> dict:
        properties = schema.get("properties") or {}
        result = {name: self.value(properties.get(name))
                  for name in schema.get("required") or ()}
        for rule in schema.get("allOf") or ():
            self._apply_condition(resolve(self.document, rule), properties, result)
        self._apply_condition(schema, properties, result)
        if not result and schema.get("minProperties") and schema.get("additionalProperties"):
            result["example"] = self.value(schema["additionalProperties"])
        return result

    def _apply_condition(self, schema: dict, properties: dict, result: dict) -> None:
        if "if" not in schema:
            return
        branch = schema.get("then") if _matches(schema["if"], result) else schema.get("else")
        if not branch:
            return
        branch_properties = {**properties, **(branch.get("properties") or {})}
        for name in branch.get("required") or ():
            if name not in result:
                result[name] = self.value(branch_properties.get(name))

    def _array(self, schema: dict) -> list:
        return [self.value(schema.get("items")) for _ in range(schema.get("minItems", 0))]

    def _string(self, schema: dict) -> str:
        fmt = schema.get("format")
        if fmt == "date-time":
            return next(self._times).isoformat()
        if fmt == "date":
            return next(self._times).date().isoformat()
        if fmt in _FORMAT_STRINGS:
            return _FORMAT_STRINGS[fmt]
        text = "Example"
        minimum, maximum = schema.get("minLength", 1), schema.get("maxLength")
        text = text.ljust(minimum, "x")
        return text[:maximum] if maximum else text

    def _integer(self, schema: dict) -> int:
        if "minimum" in schema:
            return int(schema["minimum"])
        if "exclusiveMinimum" in schema:
            return int(schema["exclusiveMinimum"]) + 1
        return 1

    def _number(self, schema: dict):
        return self._integer(schema)

    def _boolean(self, schema: dict) -> bool:
        return False

    def _null(self, schema: dict):
        return None


def _merge(a: dict, b: dict) -> dict:
    merged = {**a, **b}
    if "properties" in a or "properties" in b:
        merged["properties"] = {**(a.get("properties") or {}), **(b.get("properties") or {})}
    if "required" in a or "required" in b:
        merged["required"] = list(dict.fromkeys([*(a.get("required") or ()),
                                                 *(b.get("required") or ())]))
    return merged


def _matches(condition: dict, value: dict) -> bool:
    """Whether ``value`` meets an ``if`` made of property ``const``/``enum`` tests."""
    for name in condition.get("required") or ():
        if name not in value:
            return False
    for name, test in (condition.get("properties") or {}).items():
        if name not in value:
            continue
        if "const" in test and value[name] != test["const"]:
            return False
        if "enum" in test and value[name] not in test["enum"]:
            return False
    return True


def sample_value(document: dict, schema: dict, now: dt.datetime | None = None):
    """The smallest value that ``schema`` (of ``document``) accepts."""
    return SampleBuilder(document, now).value(schema)


def sample_body(document: dict, operation: dict, now: dt.datetime | None = None):
    """A JSON body for ``operation`` (an OpenAPI operation object), or ``None``."""
    body = operation.get("requestBody")
    if not body:
        return None
    schema = (body.get("content") or {}).get("application/json", {}).get("schema")
    return None if schema is None else sample_value(document, schema, now)
