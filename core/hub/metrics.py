"""Prometheus metrics (prometheus_client) at ``GET /metrics``.

* ``hub_http_requests_total{route,method,status}`` and
  ``hub_http_request_duration_seconds{route}`` (a histogram): every request, by route
  name (``unmatched`` for addresses no route knows, so that scanners cannot make up labels);
* ``hub_jobs_queued``: jobs waiting in the queue, read when scraped;
* ``hub_jobs_total{job,outcome}``: jobs run by the worker (``complete``, ``error``,
  ``retrying``), so ``outcome="error"`` counts job failures;
* ``hub_mail_sent_total``: messages handed to the mail server;
* ``hub_cache_lookups_total{region,result}``: kept values found (``hit``) or made again.

``/metrics`` answers only requests made directly (no ``X-Forwarded-For`` or ``Forwarded``
header: not through the reverse proxy) from an address in ``hub.metrics.allowed``
(addresses or networks; default 127.0.0.1 and ::1); others get 404, as if it did not exist.

Several processes (gunicorn workers, the queue worker) each count on their own. With
``PROMETHEUS_MULTIPROC_DIR`` set in their environment, prometheus_client writes the counts
to files there and ``/metrics`` adds up those of every process of the machine
(docs/deployment.md).
"""
from __future__ import annotations

import logging
import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response
from pyramid.tweens import INGRESS

from hub.proxy import networks, within
from hub.security import PUBLIC

log = logging.getLogger(__name__)
# The *_created series double what is sent and say nothing a restart time does not.
disable_created_metrics()

UNMATCHED = "unmatched"

REQUESTS = Counter("hub_http_requests", "HTTP requests answered.",
                   ["route", "method", "status"])
LATENCY = Histogram("hub_http_request_duration_seconds", "Time to answer a request.",
                    ["route"], buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
JOBS = Counter("hub_jobs", "Background jobs run, by outcome.", ["job", "outcome"])
MAIL_SENT = Counter("hub_mail_sent", "E-mail messages handed to the mail server.")
CACHE_LOOKUPS = Counter("hub_cache_lookups", "Kept values looked up, by result.",
                        ["region", "result"])

_cache_children: dict[tuple[str, bool], object] = {}


def cache_lookup(region: str, hit: bool) -> None:
    """Count one look-up (the labelled child is kept: this is on every kept read)."""
    child = _cache_children.get((region, hit))
    if child is None:
        # Kept pages' regions are named page:<route>:<tables>; the route is enough.
        label = ":".join(region.split(":", 2)[:2]) if region.startswith("page:") else region
        child = _cache_children.setdefault(
            (region, hit), CACHE_LOOKUPS.labels(label, "hit" if hit else "miss"))
    child.inc()


def mail_sent() -> None:
    MAIL_SENT.inc()


# -- requests ------------------------------------------------------------------------------

def _route_name(request) -> str:
    route = getattr(request, "matched_route", None)
    return route.name if route is not None else UNMATCHED


def metrics_tween_factory(handler, registry):
    def metrics_tween(request):
        start = time.perf_counter()
        status = 500
        try:
            response = handler(request)
            status = response.status_code
            return response
        finally:
            route = _route_name(request)
            LATENCY.labels(route).observe(time.perf_counter() - start)
            REQUESTS.labels(route, request.method, str(status)).inc()

    return metrics_tween


# -- jobs ---------------------------------------------------------------------------------

def _job_name(task) -> str:
    args = getattr(task, "args", None) or ()
    return str(args[0]) if args else getattr(task, "name", "?")


def watch_queue(huey) -> None:
    from huey import signals

    outcomes = {signals.SIGNAL_COMPLETE: "complete", signals.SIGNAL_ERROR: "error",
                signals.SIGNAL_RETRYING: "retrying"}

    @huey.signal(*outcomes)
    def count(signal, task, *_args):
        JOBS.labels(_job_name(task), outcomes[signal]).inc()


class QueueCollector:
    """``hub_jobs_queued``, asked of the queue when scraped (one count, not per process)."""

    def __init__(self, huey):
        self.huey = huey

    def collect(self):
        family = GaugeMetricFamily("hub_jobs_queued", "Jobs waiting in the queue.")
        try:
            family.add_metric([], float(self.huey.pending_count()))
        except Exception:  # the queue being down must not take the other metrics with it
            log.warning("metrics: cannot count the queued jobs", exc_info=True)
            return
        yield family


# -- the endpoint --------------------------------------------------------------------------

def _allowed(request) -> bool:
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    return within(request.remote_addr, request.registry["hub.metrics.allowed"])


class _ProcessRegistry(CollectorRegistry):
    """This process's metrics (the default registry) followed by its own collectors."""

    def collect(self):
        yield from REGISTRY.collect()
        yield from super().collect()


def scrape_registry(registry) -> CollectorRegistry:
    """What ``/metrics`` answers: in multiprocess mode the counts of every process of the
    machine (read from their files at each scrape), else this process's; and the queue."""
    queue = QueueCollector(registry["hub.huey"])
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        scraped = CollectorRegistry(auto_describe=False)
        multiprocess.MultiProcessCollector(scraped)
        scraped.register(queue)
        return scraped
    scraped = registry.get("hub.metrics.registry")
    if scraped is None:
        scraped = _ProcessRegistry(auto_describe=False)
        scraped.register(queue)
        registry["hub.metrics.registry"] = scraped
    return scraped


def metrics_view(request):
    if not _allowed(request):
        raise HTTPNotFound()
    body = generate_latest(scrape_registry(request.registry))
    response = Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.cache_control.no_store = True
    return response


def includeme(config):
    registry = config.registry
    registry["hub.metrics.allowed"] = networks(
        config.get_settings().get("hub.metrics.allowed") or (), "hub.metrics.allowed")
    watch_queue(registry["hub.huey"])
    config.add_tween("hub.metrics.metrics_tween_factory",
                     under=("hub.logging_json.request_id_tween_factory", INGRESS))
    config.add_route("metrics", "/metrics")
    config.add_view(metrics_view, route_name="metrics", request_method="GET",
                    permission=PUBLIC)
