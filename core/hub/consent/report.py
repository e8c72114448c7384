"""Staff: consents given and withdrawn per purpose and month, as a chart and a table.

The chart is SVG drawn on the server (no script, nothing from another site); the table
below it holds the same numbers, so the page reads the same without seeing the chart.
Months are calendar months in Prague time.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from babel.dates import format_date
from pyramid.view import view_config

from hub.charts import column_chart, render_chart
from hub.consent.models import ConsentRecord, ConsentText
from hub.consent.purposes import purposes
from hub.consent.services import is_latest
from hub.dates import PRAGUE, language
from hub.i18n import _
from hub.security import STAFF

PERIODS = (6, 12, 24)
DEFAULT_PERIOD = 12


def month_starts(today: dt.date, months: int) -> list[dt.datetime]:
    """The first moments (Prague time) of the last ``months`` months and of the next one."""
    first = today.year * 12 + today.month - 1 - (months - 1)
    return [dt.datetime((first + i) // 12, (first + i) % 12 + 1, 1, tzinfo=PRAGUE)
            for i in range(months + 1)]


def monthly_counts(dbsession, bounds: list[dt.datetime]) -> dict[tuple[str, str, int], int]:
    """``{(purpose, action, month index): records}`` between the first and last bound."""
    r = ConsentRecord
    utc = [b.astimezone(dt.UTC) for b in bounds]
    month = sa.case(*[(r.at < b, i) for i, b in enumerate(utc[1:])], else_=len(utc) - 1)
    rows = sa.select(r.purpose, r.action, month.label("month")).where(
        r.at >= utc[0], r.at < utc[-1]).subquery()
    found = dbsession.execute(sa.select(rows.c.purpose, rows.c.action, rows.c.month,
                                        sa.func.count())
                              .group_by(rows.c.purpose, rows.c.action, rows.c.month))
    return {(p, a, m): n for p, a, m, n in found}


def holder_counts(dbsession) -> dict[str, int]:
    """Consents in force now, per purpose (every object of a scoped purpose counted)."""
    r = ConsentRecord
    return dict(dbsession.execute(sa.select(r.purpose, sa.func.count())
                                  .where(r.action == "given", is_latest())
                                  .group_by(r.purpose)).all())


def report(request, months: int, today: dt.date | None = None) -> list[dict]:
    """One block per purpose with records or declared: titles, rows, chart, totals."""
    db = request.dbsession
    today = today or dt.datetime.now(PRAGUE).date()
    bounds = month_starts(today, months)
    counts = monthly_counts(db, bounds)
    in_force = holder_counts(db)
    lang = language(request)
    declared = purposes(request.registry)
    stored = {t.purpose: t for t in db.scalars(sa.select(ConsentText)
                                               .order_by(ConsentText.first_used_at))}
    keys = list(declared) + sorted(set(stored) - set(declared))
    long_labels = [format_date(b.date(), "LLLL yyyy", locale=lang) for b in bounds[:-1]]
    short_labels = [format_date(b.date(), "LLL yy", locale=lang) for b in bounds[:-1]]
    blocks = []
    for key in keys:
        title = declared[key].title_in(lang) if key in declared else stored[key].title(lang)
        rows = [{"month": long_labels[i], "given": counts.get((key, "given", i), 0),
                 "withdrawn": counts.get((key, "withdrawn", i), 0)} for i in range(months)]
        blocks.append({"key": key, "title": title, "declared": key in declared,
                       "rows": rows,
                       "chart": column_chart(short_labels, ["given", "withdrawn"],
                                             [[r["given"], r["withdrawn"]] for r in rows]),
                       "given": sum(r["given"] for r in rows),
                       "withdrawn": sum(r["withdrawn"] for r in rows),
                       "in_force": in_force.get(key, 0)})
    return blocks


@view_config(route_name="consent.admin", request_method="GET", permission=STAFF,
             renderer="hub:consent/templates/report.pt")
def consent_report(request):
    try:
        months = int(request.GET.get("months", DEFAULT_PERIOD))
    except ValueError:
        months = DEFAULT_PERIOD
    if months not in PERIODS:
        months = DEFAULT_PERIOD
    blocks = report(request, months)
    translate = request.localizer.translate
    for block in blocks:
        block["svg"] = render_chart(
            request, block["chart"], f"chart-{block['key']}",
            translate(_('Consents to "${title}" per month', mapping={"title": block["title"]})),
            translate(_("Bars of consents given and withdrawn in each month; the table below "
                        "gives the numbers.")))
    return {"blocks": blocks, "months": months, "periods": PERIODS,
            "breadcrumbs": [(_("Consents"), None)]}
