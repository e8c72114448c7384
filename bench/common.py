"""What the benchmark's parts share: a result row and the discovery of operations.

Every ``bench/ops_<name>.py`` module is an operation set (usually one per plugin). It
defines ``measure(registry, args) -> list[Row]`` (operations timed in process or against
servers it starts itself) and may define ``pages(registry) -> [(name, path, min_ratio,
p99_limit_ms)]``: public pages that ``run.py`` loads with wrk next to the core's pages.
A module whose plugin is not installed returns no rows.
"""
from __future__ import annotations

import importlib
import pkgutil
import statistics
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Row:
    name: str
    median_ms: float | None
    p99_ms: float | None
    throughput: float | None
    ratio: float | None
    target: str
    passed: bool | None
    note: str = ""


def discover_operations() -> list:
    folder = Path(__file__).parent
    return [importlib.import_module(f"bench.{info.name}")
            for info in sorted(pkgutil.iter_modules([str(folder)]), key=lambda i: i.name)
            if info.name.startswith("ops_")]


def median_ms(call, runs: int) -> tuple[float, float]:
    """Median and 99th percentile of ``call()`` in milliseconds over ``runs`` runs."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def test_client(registry, email: str | None = None):
    """A WebTest client on the benchmark's app, signed in as ``email`` when given."""
    import webtest

    from bench.run import session_cookie
    from hub.app import make_config

    app = make_config(dict(registry.settings)).make_wsgi_app()
    client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "127.0.0.1"})
    if email:
        name, token = session_cookie(registry, email).split("=", 1)
        client.set_cookie(name, token)
    client.set_cookie("hub_csrf", CSRF_TOKEN)
    return client


CSRF_TOKEN = "bench-csrf-token-" + "x" * 32
