"""Hook implementations of the indicators report (an internal plugin of the core)."""
from __future__ import annotations

from collections import Counter

from hub.contributions import Indicator, NavItem
from hub.i18n import _
from hub.markers import hookimpl
from hub.security import STAFF


@hookimpl
def hub_navigation(request, menu):
    if menu == "admin":
        return [NavItem(_("Indicators"), route="indicators.report", permission=STAFF, order=84,
                        match=("indicators.",))]
    return None


def area_of(page_type: str) -> str:
    """The part of the hub a page belongs to: its route name up to the first dot."""
    return page_type.split(".", 1)[0]


@hookimpl
def hub_indicators(request, start, end):
    from hub.indicators.reach import period_views

    views = period_views(request, start, end)
    areas: Counter = Counter()
    for (_day, page_type), n in views.items():
        areas[area_of(page_type)] += n
    breakdown = tuple((area, area, n) for area, n in sorted(areas.items(),
                                                             key=lambda kv: (-kv[1], kv[0])))
    return [Indicator(
        "portal_page_views", _("Portal page views"), sum(views.values()), _("page views"),
        _("Pages of the portal shown to people in the period, counted per day and page type "
          "with no cookie and nothing stored about the visitor (no address, no browser "
          "details), so this counts views, not visitors. Robots known by their User-Agent, "
          "prefetches and the API are left out. Each web process writes its counts once a "
          "minute, so the last minute may be missing."),
        breakdown, order=90)]


@hookimpl
def hub_openapi(request):
    from hub.indicators.api import openapi

    return openapi()
