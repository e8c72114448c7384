"""Indicators: what counting page views costs a public page, writing the counts once a
minute, and the whole project's report through the API (all in process).

The counting cost is the reach tween's own work per page (deciding the page counts, one
dictionary update under a lock), measured over many calls and set against the server time
of the home page for a visitor; the issue's target is under 2 % of a public page.
"""
from __future__ import annotations

import time

from bench.common import Row, median_ms, test_client

CALLS = 20_000
RUNS = 50


def _counting_ms(registry) -> float:
    from pyramid.request import Request
    from pyramid.response import Response

    from hub.indicators.reach import ReachCounter, countable

    counter = ReachCounter(registry, interval=3600)
    request = Request.blank("/", headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; "
                                                        "rv:128.0) Gecko/20100101 Firefox/128.0"})
    request.matched_route = type("Route", (), {"name": "home"})()
    response = Response(content_type="text/html")
    started = time.perf_counter()
    for _ in range(CALLS):
        if countable(request, response):
            counter.add(request.matched_route.name)
    return (time.perf_counter() - started) * 1000 / CALLS


def _report_row(registry) -> Row:
    """The figures of the last three years, as the API and the report compute them."""
    import datetime as dt

    from pyramid.threadlocal import RequestContext

    from hub.indicators import indicators_json
    from hub.indicators.periods import days, today
    from hub.jobs import background_request

    period = days(today() - dt.timedelta(days=3 * 365), today())
    request = background_request(registry)
    with RequestContext(request), request.tm:
        median, p99 = median_ms(lambda: indicators_json(request, period.start, period.end), 5)
    return Row("indicators of three years (in process)", median, p99, None, None, "< 2 s",
               median < 2000)


def measure(registry, args) -> list[Row]:
    from hub.indicators.reach import ReachCounter

    visitor = test_client(registry)
    visitor.get("/")  # warm: templates compiled, the page kept for visitors
    home, _p99 = median_ms(lambda: visitor.get("/"), RUNS * 4)
    cost = _counting_ms(registry)
    rows = [Row("page view counting, per public page (in process)", cost, None, None,
                round(cost / home, 4), "< 2 % of the home page", cost / home < 0.02,
                f"home page {home:.2f} ms")]

    counter = ReachCounter(registry, interval=3600)
    for i in range(2_000):
        counter.add(f"page.{i % 40}")
    started = time.perf_counter()
    counter.flush()
    rows.append(Row("page view counts written (40 page types, one minute)",
                    (time.perf_counter() - started) * 1000, None, None, None, "< 100 ms",
                    (time.perf_counter() - started) < 0.1))

    rows.append(_report_row(registry))
    return rows
