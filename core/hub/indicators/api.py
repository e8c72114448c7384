"""``GET /api/v1/indicators?from=YYYY-MM-DD&to=YYYY-MM-DD`` (staff): the funder's figures.

``from`` and ``to`` are the first and the last day of the period, both included, in Prague
time: the figures cover ``[from 00:00, the day after to 00:00)``. Titles, units and
definitions come in the request's language (``Accept-Language`` or ``?_LOCALE_=``).
"""
from __future__ import annotations

from pyramid.view import view_config

from hub.api import api_error
from hub.api.openapi import error_response, json_content, ref
from hub.indicators import periods
from hub.indicators.services import indicators_json
from hub.security import STAFF


@view_config(route_name="indicators.api", request_method="GET", renderer="json",
             permission=STAFF)
def indicators(request):
    try:
        period = periods.from_to(request.GET.get("from"), request.GET.get("to"))
    except periods.PeriodError as exc:
        raise api_error(422, "validation_failed", request.localizer.translate(exc.message),
                        fields={exc.field: "invalid"}) from None
    return {"from": period.first.isoformat(), "to": period.last.isoformat(),
            "start": period.start.isoformat(), "end": period.end.isoformat(),
            "indicators": indicators_json(request, period.start, period.end)}


def openapi() -> dict:
    day = {"type": "string", "format": "date"}
    return {
        "paths": {"/indicators": {"get": {
            "operationId": "getIndicators", "tags": ["indicators"],
            "x-hub-collection": False,  # one report, its indicators are not paged
            "summary": "The hub's results over a period, for the funder (staff)",
            "description": "Each indicator has a written definition. `to` is the last day "
                           "included. Internally the period is half-open in Europe/Prague, "
                           "`[from 00:00, to + 1 day 00:00)`: `from=2026-03-01&to=2026-03-31` "
                           "counts what happened from 2026-03-01T00:00+01:00 up to but not "
                           "including 2026-04-01T00:00+02:00, which the response gives as "
                           "`start` and `end`.",
            "parameters": [
                {"name": "from", "in": "query", "required": True, "schema": day,
                 "description": "First day of the period (included)."},
                {"name": "to", "in": "query", "required": True, "schema": day,
                 "description": "Last day of the period (included): the period ends at "
                                "00:00 Europe/Prague on the day after it."}],
            "responses": {
                "200": {"description": "The indicators",
                        "content": json_content(ref("Indicators"))},
                "401": error_response("Not authenticated"),
                "403": error_response("Not staff"),
                "422": error_response("A day missing, not YYYY-MM-DD, or to before from")}}}},
        "components": {"schemas": {
            "Indicators": {
                "type": "object", "required": ["from", "to", "start", "end", "indicators"],
                "properties": {
                    "from": day, "to": day,
                    "start": {"type": "string", "format": "date-time"},
                    "end": {"type": "string", "format": "date-time",
                            "description": "Not included"},
                    "indicators": {"type": "array", "items": ref("Indicator")}}},
            "Indicator": {
                "type": "object",
                "required": ["key", "title", "value", "unit", "definition", "breakdown"],
                "properties": {
                    "key": {"type": "string", "description": "people_trained, events_held, "
                                                            "attendances, …"},
                    "title": {"type": "string"}, "value": {"type": "number"},
                    "unit": {"type": "string"},
                    "definition": {"type": "string", "description": "What is counted"},
                    "breakdown": {"type": "array", "items": {
                        "type": "object", "required": ["key", "label", "value"],
                        "properties": {"key": {"type": "string"}, "label": {"type": "string"},
                                       "value": {"type": "number"}}}}}},
        }},
    }
