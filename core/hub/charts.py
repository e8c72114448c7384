"""Bar charts drawn on the server as SVG: no script, nothing from another site.

A chart is never the only way to the numbers: the page shows it as an image with a text
alternative (``<title>`` and ``<desc>``, the description saying what the bars show and
naming the largest) and puts a table of the same numbers beside it. Charts from any page
use these helpers::

    from hub.charts import column_chart, render_chart

    chart = column_chart(["Jan", "Feb"], [_("Given")], [[3], [5]])
    svg = render_chart(request, chart, "chart-consents", title, description)

``column_chart`` draws vertical bars over categories in time order (one bar per series in
each category); ``bar_chart`` horizontal bars for a breakdown whose labels may be long.
Colours come from ``hub.css`` (``hub-chart__series-<n>``), so forced-colours mode and the
design system's tokens apply.
"""
from __future__ import annotations

from markupsafe import Markup

# Drawing area of a column chart, in SVG user units.
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 220, 48, 10, 12, 34
# Horizontal bars: height of one row and room for its label.
ROW, LABEL_WIDTH, VALUE_WIDTH = 26, 220, 70


def plain_number(value) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"


def column_chart(categories: list[str], series: list, values: list[list], max_labels: int = 12,
                 number=plain_number) -> dict:
    """Vertical bars: ``values[i][j]`` is category ``i``, series ``j``.

    Category labels are thinned to at most ``max_labels`` so that they never overlap;
    ``number`` writes the numbers (``babel.numbers.format_decimal`` for a language).
    """
    top = max([1] + [v for row in values for v in row])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(categories))
    inner = step * 0.8 / max(1, len(series))
    every = max(1, -(-len(categories) // max_labels))
    bars, labels = [], []
    for i, (category, row) in enumerate(zip(categories, values, strict=True)):
        x = LEFT + i * step + step * 0.1
        for j, value in enumerate(row):
            height = round(plot_h * value / top, 1)
            bars.append({"x": round(x + j * inner, 1), "y": round(TOP + plot_h - height, 1),
                         "w": round(max(inner * 0.9, 0.5), 1), "h": height, "series": j,
                         "value": value, "category": category})
        if i % every == 0:
            labels.append({"x": round(LEFT + i * step + step / 2, 1), "text": category})
    return {"kind": "columns", "width": WIDTH, "height": HEIGHT, "bars": bars,
            "labels": labels, "top": number(top), "axis_y": TOP + plot_h, "left": LEFT,
            "right": WIDTH - RIGHT, "top_y": TOP, "label_y": HEIGHT - 12, "series": series}


def bar_chart(items: list[tuple[str, float]], number=plain_number) -> dict:
    """Horizontal bars, one row per ``(label, value)``, the value written at its end."""
    top = max([1] + [value for _label, value in items])
    plot_w = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    rows = []
    for i, (label, value) in enumerate(items):
        y = TOP + i * ROW
        rows.append({"label": label if len(label) <= 32 else label[:31] + "…",
                     "value": number(value), "y": y, "text_y": round(y + ROW * 0.62, 1),
                     "w": round(max(plot_w * value / top, 0 if value == 0 else 1), 1),
                     "h": ROW * 0.7})
    return {"kind": "bars", "width": WIDTH, "height": TOP * 2 + ROW * max(1, len(items)),
            "rows": rows, "left": LABEL_WIDTH, "label_x": LABEL_WIDTH - 8}


def largest(items: list[tuple[str, float]]) -> tuple[str, float] | None:
    """The label and value of the largest item (for a chart's description)."""
    return max(items, key=lambda item: item[1]) if items else None


def render_chart(request, chart: dict, chart_id: str, title: str, description: str) -> Markup:
    """The chart as an inline SVG image labelled by ``title`` and ``description``."""
    from hub.shell import render_snippet

    return render_snippet(request, "hub:templates/chart.pt",
                          {"c": chart, "chart_id": chart_id, "title": title,
                           "description": description})
