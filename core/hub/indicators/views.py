"""Staff: the indicators report at ``/admin/indicators`` and its CSV, XLSX and PDF files.

The period is chosen in the query (``?period=2026-03``, ``2026-Q1``, ``project``, or
``?from=…&to=…``), so a report can be linked and every export matches the page it came
from. Each indicator shows its written definition; each breakdown and the page views over
time are a chart with a text alternative and the table of the same numbers beside it.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter

from babel.dates import format_date
from babel.numbers import format_decimal
from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from hub.charts import bar_chart, column_chart, largest, render_chart
from hub.dates import language
from hub.i18n import _
from hub.indicators import periods
from hub.indicators.exports import EXPORTS
from hub.indicators.reach import stored_views
from hub.indicators.services import indicators_json
from hub.params import BadParameter
from hub.security import STAFF

# Up to this many days the page views are shown per day, beyond it per month.
DAILY_UP_TO = 92


def reach_series(request, period: periods.Period, locale: str) -> tuple[list, object]:
    """Page views over the period as ``[(label, views)]`` and the unit of a label."""
    per_day: Counter = Counter()
    for (day, _page_type), views in stored_views(request, period.first, period.last).items():
        per_day[day] += views
    if period.days <= DAILY_UP_TO:
        days = [period.first + dt.timedelta(days=i) for i in range(period.days)]
        return [(format_date(d, "d. M.", locale=locale) if locale == "cs"
                 else format_date(d, "d MMM", locale=locale), per_day[d]) for d in days], _("Day")
    per_month: Counter = Counter()
    for day, views in per_day.items():
        per_month[(day.year, day.month)] += views
    index = period.first.year * 12 + period.first.month - 1
    last = period.last.year * 12 + period.last.month - 1
    months = [(i // 12, i % 12 + 1) for i in range(index, last + 1)]
    return [(format_date(dt.date(y, m, 1), "LLL yyyy", locale=locale), per_month[(y, m)])
            for y, m in months], _("Month")


def period_of(request, params) -> periods.Period:
    try:
        return periods.parse(request, params)
    except periods.PeriodError as exc:
        raise BadParameter(exc.field, exc.message) from None


def report(request, period: periods.Period) -> dict:
    """What the page and the exports show for ``period``."""
    locale = language(request)
    translate = request.localizer.translate
    site = request.registry.settings["hub.site_name"]
    reach, reach_unit = reach_series(request, period, locale)
    return {"period": period, "period_label": period.label(locale),
            "title": translate(_("Results of ${site}", mapping={"site": site})),
            "made_on": periods.today(), "indicators": indicators_json(request, period.start,
                                                                      period.end),
            "reach": reach, "reach_unit": reach_unit}


def number_format(request):
    """Numbers as the page's language writes them (9,5 in Czech)."""
    locale = language(request)
    return lambda value: format_decimal(value, locale=locale)


def _charts(request, data: dict) -> dict:
    """The SVG of each breakdown and of the page views over time, with their descriptions."""
    translate = request.localizer.translate
    number = number_format(request)
    charts = {}
    for item in data["indicators"]:
        points = [(part["label"], part["value"]) for part in item["breakdown"]]
        if not points:
            continue
        top = largest(points)
        description = translate(_(
            "Horizontal bars, one for each part of ${title}; the largest is ${label} with "
            "${value}. The table beside the chart gives every number.",
            mapping={"title": item["title"], "label": top[0], "value": number(top[1])}))
        charts[item["key"]] = render_chart(
            request, bar_chart(points, number), f"chart-{item['key']}",
            translate(_("${title} by part", mapping={"title": item["title"]})), description)
    points = data["reach"]
    top = largest(points)
    description = translate(_(
        "Columns of page views, one for each ${unit} of the period, ${total} in all; the most "
        "were on ${label} with ${value}. The table beside the chart gives every number.",
        mapping={"unit": translate(data["reach_unit"]).lower(),
                 "total": number(sum(v for _l, v in points)),
                 "label": top[0] if top else "", "value": number(top[1] if top else 0)}))
    charts["reach"] = render_chart(
        request, column_chart([label for label, _v in points], [_("Page views")],
                              [[v] for _l, v in points], number=number),
        "chart-reach", translate(_("Portal page views over time")), description)
    return charts


@view_config(route_name="indicators.report", request_method="GET", permission=STAFF,
             renderer="hub:indicators/templates/report.pt")
def report_page(request):
    period = period_of(request, request.GET)
    data = report(request, period)
    choices = periods.choices()
    # A period older than the offered ones (a saved link) stays chosen in the list.
    shown = {"month": choices["months"], "quarter": choices["quarters"]}.get(period.kind)
    if shown is not None and period not in shown:
        shown.append(period)
    return {**data, "charts": _charts(request, data), "choices": choices,
            "locale": language(request),
            "query": period.query(), "exports": tuple(EXPORTS),
            "number": number_format(request),
            "breadcrumbs": [(_("Indicators"), None)]}


@view_config(route_name="indicators.export", request_method="GET", permission=STAFF)
def export(request):
    make = EXPORTS.get(request.matchdict["format"])
    if make is None:
        raise HTTPNotFound()
    return make(request, report(request, period_of(request, request.GET)))
