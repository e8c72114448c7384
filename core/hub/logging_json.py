"""Logs as JSON lines, and a request id that follows a request into the jobs it starts.

Every request gets an id: the ``X-Request-ID`` header the reverse proxy or load balancer
sent (letters, digits and ``._:-``, at most 128 characters), else a new random one. It is
sent back in the response's ``X-Request-ID``, added to every log record made while the
request is served, and handed with each job the request enqueues, so the worker's records
for that job carry it too.

JSON logs: ``hub.log_format = json`` puts ``JSONFormatter`` on the root logger's handlers,
or name the formatter in the ini file's logging sections::

    [formatter_json]
    class = hub.logging_json.JSONFormatter

Records look like ``{"time": "2026-12-08T10:00:00.123Z", "level": "INFO", "logger":
"hub.privacy", "message": "…", "request_id": "…"}``. For text logs, ``RequestIdFilter``
gives records a ``request_id`` attribute for ``%(request_id)s``.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys
import uuid

HEADER = "X-Request-ID"
ENVIRON_KEY = "hub.request_id"
_VALID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "hub_request_id", default=None)


def current_request_id() -> str | None:
    return REQUEST_ID.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


class JSONFormatter(logging.Formatter):
    """One JSON object per line (``ensure_ascii`` off: Czech stays readable)."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id and request_id != "-":
            data["request_id"] = request_id
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (``-`` outside requests and jobs) for text formats."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get() or "-"
        return True


def use_json_logs() -> None:
    """Format the root logger's records as JSON (adding a stderr handler if it has none)."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    for handler in root.handlers:
        if not isinstance(handler.formatter, JSONFormatter):
            handler.setFormatter(JSONFormatter())


def request_id_tween_factory(handler, registry):
    def request_id_tween(request):
        # Kept in the environ so that a retried attempt (pyramid_retry) keeps its id.
        request_id = request.environ.get(ENVIRON_KEY)
        if request_id is None:
            given = request.headers.get(HEADER, "")
            request_id = given if _VALID.fullmatch(given) else new_request_id()
            request.environ[ENVIRON_KEY] = request_id
        token = REQUEST_ID.set(request_id)
        try:
            response = handler(request)
        finally:
            REQUEST_ID.reset(token)
        response.headers[HEADER] = request_id
        return response

    return request_id_tween


def includeme(config):
    from pyramid.tweens import INGRESS

    from hub.settings import SettingsError

    log_format = config.get_settings().get("hub.log_format", "text")
    if log_format not in ("text", "json"):
        raise SettingsError(f"hub.log_format = {log_format!r}: use 'text' or 'json'")
    if log_format == "json":
        use_json_logs()
    config.add_tween("hub.logging_json.request_id_tween_factory", under=INGRESS)
