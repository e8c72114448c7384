"""Background jobs on huey: an embedded SQLite queue by default, Redis to scale out.

Plugins register job functions by name at configuration time::

    config.add_job("booking.send_reminder", send_reminder)

and enqueue them from a request with ``enqueue(request, "booking.send_reminder", id=1)``.
The job is handed to the queue only after the request's transaction commits, so a job
never sees data that was rolled back. A job function receives a ``request`` prepared
for background work (``request.dbsession`` in its own transaction) and its keyword
arguments; it runs inside a transaction that commits when it returns.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import transaction
import transaction.interfaces
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from pyramid.request import Request, apply_request_extensions
from pyramid.threadlocal import RequestContext

from hub.db import get_tm_session
from hub.logging_json import REQUEST_ID, current_request_id

log = logging.getLogger(__name__)


class JobError(Exception):
    pass


def make_huey(settings: dict):
    backend = settings["hub.jobs.backend"]
    name = "hub"
    if backend == "immediate":
        return MemoryHuey(name, immediate=True)
    if backend == "redis":
        url = settings["hub.redis_url"]
        if not url:
            raise JobError("hub.jobs.backend = redis needs hub.redis_url")
        return RedisHuey(name, url=url)
    if backend == "sqlite":
        path = settings["hub.jobs.path"]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        return SqliteHuey(name, filename=path)
    raise JobError(f"Unknown hub.jobs.backend {backend!r}: use sqlite, redis or immediate")


def background_request(registry, tm=None) -> Request:
    """A request for work outside HTTP: routes, translations and a transactional session."""
    request = Request.blank("/", base_url=registry.settings["hub.base_url"])
    request.registry = registry
    apply_request_extensions(request)  # request.hooks, request.shell... as in a web request
    request.tm = tm or transaction.TransactionManager(explicit=True)
    request.dbsession = get_tm_session(registry["hub.dbsession_writer"], request.tm,
                                       request=request)
    return request


def run_job(registry, name: str, kwargs: dict, request_id: str | None = None) -> Any:
    """Run job ``name``; ``request_id`` is the id of the request that enqueued it, which
    the job's log records carry (``hub.logging_json``)."""
    func = registry["hub.job_functions"].get(name)
    if func is None:
        raise JobError(f"No job named {name!r} is registered (is its plugin enabled?)")
    token = REQUEST_ID.set(request_id)
    try:
        request = background_request(registry)
        with RequestContext(request):
            with request.tm:
                return func(request, **kwargs)
    finally:
        REQUEST_ID.reset(token)


def _bind_queue(registry, huey):
    # request_id is optional so that jobs queued by an older release still run.
    @huey.task(name="hub.run_job", retries=3, retry_delay=30)
    def run(name, kwargs, request_id=None):
        return run_job(registry, name, kwargs, request_id)

    registry["hub.run_task"] = run
    return run


def enqueue(request, name: str, delay: int | None = None, **kwargs) -> None:
    """Run job ``name`` in the worker after the current transaction commits."""
    registry = request.registry
    if name not in registry["hub.job_functions"]:
        raise JobError(f"No job named {name!r} is registered")

    request_id = current_request_id()

    def send(success: bool):
        if success:
            task = registry["hub.run_task"]
            if delay:
                task.schedule(args=(name, kwargs, request_id), delay=delay)
            else:
                task(name, kwargs, request_id)

    try:
        current = request.tm.get()
    except transaction.interfaces.NoTransaction:
        # Outside any transaction (a script, a worker between transactions) there is
        # nothing to wait for.
        send(True)
        return
    current.addAfterCommitHook(send)


def add_job(config, name: str, func: Callable) -> None:
    """Configuration directive: register a job function under ``name``."""
    func = config.maybe_dotted(func)

    def register():
        config.registry["hub.job_functions"][name] = func

    config.action(("hub.job", name), register)


def register_periodic_jobs(registry) -> list[str]:
    """Schedule the core's and every plugin's periodic jobs on the queue (done by the worker).

    Each job function receives a background request and runs in its own transaction.
    """
    from hub.shell import flatten

    huey = registry["hub.huey"]
    names = []
    jobs = list(registry.get("hub.core_periodic_jobs", ()))
    jobs += flatten(registry["hub.pm"].hook.hub_periodic_jobs())
    for job in jobs:
        schedule = crontab(minute=job.minute, hour=job.hour, day=job.day, month=job.month,
                           day_of_week=job.day_of_week)

        def periodic(job=job):
            request = background_request(registry)
            with RequestContext(request), request.tm:
                job.func(request)

        huey.periodic_task(schedule, name=f"periodic.{job.name}")(periodic)
        names.append(job.name)
    return names


def includeme(config):
    registry = config.registry
    registry["hub.job_functions"] = {}
    huey = make_huey(config.get_settings())
    registry["hub.huey"] = huey
    _bind_queue(registry, huey)
    config.add_directive("add_job", add_job)
