"""Indicators for the funder: what the hub achieved in a period, counted exactly.

Every plugin reports its figures through ``hub_indicators(request, start, end)``
(``hub.contributions.Indicator``: value, unit, written definition, breakdown) and hands
over the people it trained as rows (``hub.contributions.Trained``), from which the core
counts each person once (``people_trained``) and adds up training hours, and the
organisations it involved (``hub.contributions.Involved``, ``organisations_involved``).
Portal reach is counted here too, without tracking anyone (``hub.indicators.reach``).

Staff read the report at ``/admin/indicators`` (a month, a quarter, the whole project or
any days; charts with their tables) and download it as CSV, XLSX or PDF; the API gives it
at ``GET /api/v1/indicators?from=YYYY-MM-DD&to=YYYY-MM-DD``.

    collect(request, start, end)        -> [Indicator] in report order
    indicators_json(request, start, end) -> [{"key", "title", "value", "unit",
                                              "definition", "breakdown"}]
    count_people(dbsession, trained)    -> distinct people among Trained rows
    count_organisations(dbsession, involved) -> distinct organisations among Involved rows
"""
from __future__ import annotations

from hub.indicators.services import collect, count_organisations, count_people, indicators_json

__all__ = ["collect", "count_organisations", "count_people", "indicators_json"]


def includeme(config):
    config.include("hub.indicators.reach")
    config.add_route("indicators.report", "/admin/indicators")
    config.add_route("indicators.export", "/admin/indicators/export.{format}")
    config.add_api_route("indicators.api", "/indicators")
    config.scan("hub.indicators.views")
    config.scan("hub.indicators.api")
