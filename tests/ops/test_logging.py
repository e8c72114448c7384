"""Request ids (X-Request-ID) in responses, in JSON log records and in the jobs a request
enqueues."""
import json
import logging

import pytest

from hub.jobs import run_job
from hub.logging_json import REQUEST_ID, JSONFormatter, RequestIdFilter


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.setFormatter(JSONFormatter())
        self.lines = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def json_records():
    handler = Records()
    logger = logging.getLogger("hub")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(previous)


def test_a_given_request_id_is_honoured_and_returned(testapp):
    response = testapp.get("/health/live", headers={"X-Request-ID": "lb-7f3a.01"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.01"


@pytest.mark.parametrize("given", [None, "", "x" * 129, "has space", "evil\u00e9"])
def test_otherwise_a_new_one_is_made(testapp, given):
    headers = {"X-Request-ID": given} if given is not None else {}
    response = testapp.get("/health/live", headers=headers)
    made = response.headers["X-Request-ID"]
    assert len(made) == 32 and made != given
    assert testapp.get("/health/live").headers["X-Request-ID"] != made
    assert len(testapp.get("/no/such/page", status=404).headers["X-Request-ID"]) == 32


def test_the_request_id_goes_into_log_records_and_the_jobs_enqueued(
        testapp, registry, users, json_records, monkeypatch):
    queued = []
    monkeypatch.setitem(registry, "hub.run_task", lambda *args: queued.append(args))
    response = testapp.post_form("/account/reset", {"email": users.member.email},
                                 headers={"X-Request-ID": "req-42"})
    assert response.status_int == 303 and response.headers["X-Request-ID"] == "req-42"
    assert queued and all(args[2] == "req-42" for args in queued)

    # The worker runs the job later, in another context: its records carry the id.
    def job(request):
        logging.getLogger("hub.test").info("job ran")

    monkeypatch.setitem(registry["hub.job_functions"], "test.logs", job)
    assert REQUEST_ID.get() is None
    run_job(registry, "test.logs", {}, "req-42")
    assert REQUEST_ID.get() is None
    record = next(line for line in json_records if line["message"] == "job ran")
    assert record["request_id"] == "req-42" and record["logger"] == "hub.test"
    assert record["level"] == "INFO" and record["time"].endswith("Z")


def test_json_formatter_lines():
    formatter = JSONFormatter()
    record = logging.LogRecord("hub.x", logging.ERROR, __file__, 1, "Žluťoučký %s", ("kůň",),
                               None)
    line = formatter.format(record)
    assert "\n" not in line and json.loads(line)["message"] == "Žluťoučký kůň"
    assert "request_id" not in json.loads(line)
    token = REQUEST_ID.set("abc")
    try:
        assert json.loads(formatter.format(record))["request_id"] == "abc"
        RequestIdFilter().filter(record)
        assert record.request_id == "abc"
    finally:
        REQUEST_ID.reset(token)
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert "ValueError: boom" in json.loads(formatter.format(record))["exception"]


def test_log_format_setting(make_app):
    from hub.settings import SettingsError

    with pytest.raises(SettingsError, match="hub.log_format"):
        make_app("news", **{"hub.log_format": "xml"})
    root = logging.getLogger()
    saved = [(h, h.formatter) for h in root.handlers]
    try:
        make_app("news", **{"hub.log_format": "json"})
        assert root.handlers and all(isinstance(h.formatter, JSONFormatter)
                                     for h in root.handlers)
    finally:
        for handler in root.handlers[:]:
            if handler not in dict(saved):
                root.removeHandler(handler)
        for handler, formatter in saved:
            handler.setFormatter(formatter)
