"""Prometheus metrics at /metrics, only for the configured addresses."""
import re

import pytest
import transaction

from hub.jobs import background_request, enqueue

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


def _value(text: str, name: str, **labels) -> float:
    """The sum of the samples ``name{labels…}`` of an exposition (0 when absent)."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        match = re.fullmatch(r"([a-z_:]+)(?:\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match.group(3))
    return total


def _scrape(testapp) -> str:
    response = testapp.get("/metrics", extra_environ=LOCAL)
    assert response.content_type == "text/plain"
    assert "no-store" in response.headers["Cache-Control"]
    return response.text


def test_metrics_count_requests_by_route_and_status(testapp):
    before = _scrape(testapp)
    testapp.get("/", extra_environ=LOCAL)
    testapp.get("/no/such/page", status=404)
    after = _scrape(testapp)
    for labels, more in (({"route": "home", "method": "GET", "status": "200"}, 1),
                         ({"route": "unmatched", "method": "GET", "status": "404"}, 1)):
        assert (_value(after, "hub_http_requests_total", **labels)
                - _value(before, "hub_http_requests_total", **labels)) == more
    assert (_value(after, "hub_http_request_duration_seconds_count", route="home")
            - _value(before, "hub_http_request_duration_seconds_count", route="home")) == 1
    assert 'hub_http_request_duration_seconds_bucket{le="0.005",route="home"}' in after
    assert "hub_jobs_queued 0.0" in after


@pytest.mark.parametrize("environ, headers", [
    ({"REMOTE_ADDR": "192.0.2.10"}, {}),
    ({"REMOTE_ADDR": "not an address"}, {}),
    # Through the reverse proxy the peer is the proxy's (local) address: still refused.
    (LOCAL, {"X-Forwarded-For": "192.0.2.10"}),
    (LOCAL, {"Forwarded": "for=192.0.2.10"}),
])
def test_metrics_are_404_for_anyone_else(testapp, environ, headers):
    response = testapp.get("/metrics", extra_environ=environ, headers=headers, status=404)
    assert "hub_http_requests_total" not in response.text


def test_allowed_networks_are_configurable(make_app, make_testapp):
    app = make_app("news", **{"hub.metrics.allowed": "10.0.0.0/8 ::1"})
    client = make_testapp(app)
    client.get("/metrics", extra_environ={"REMOTE_ADDR": "10.1.2.3"}, status=200)
    client.get("/metrics", extra_environ={"REMOTE_ADDR": "::1"}, status=200)
    client.get("/metrics", extra_environ=LOCAL, status=404)


def test_a_bad_allowed_address_stops_start_up(make_app):
    from hub.settings import SettingsError

    with pytest.raises(SettingsError, match="hub.metrics.allowed"):
        make_app("news", **{"hub.metrics.allowed": "localhost"})


def test_job_outcomes_and_cache_lookups_are_counted(testapp, registry, dbsession):
    def fails(request):
        raise RuntimeError("broken")

    registry["hub.job_functions"]["test.fails"] = fails
    registry["hub.job_functions"]["test.works"] = lambda request: None
    try:
        before = _scrape(testapp)
        request = background_request(registry, tm=transaction.TransactionManager(explicit=True))
        with request.tm:
            enqueue(request, "test.works")
            enqueue(request, "test.fails")
        testapp.get("/", extra_environ=LOCAL)
        testapp.get("/", extra_environ=LOCAL)
        after = _scrape(testapp)
    finally:
        del registry["hub.job_functions"]["test.fails"]
        del registry["hub.job_functions"]["test.works"]

    def more(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert more("hub_jobs_total", job="test.works", outcome="complete") == 1
    assert more("hub_jobs_total", job="test.fails", outcome="error") >= 1
    assert more("hub_cache_lookups_total", region="page:home", result="hit") >= 1
    assert _value(after, "hub_cache_lookups_total", region="hub.menus", result="miss") >= 1


def test_mail_sent_is_counted(testapp, make_app, bind_registry, smtp_sink):
    from hub.mail import queue_mail

    app = make_app("events", **{"mail.backend": "smtp", "mail.host": smtp_sink.host,
                                "mail.port": str(smtp_sink.port)})
    before = _scrape(testapp)
    request = background_request(bind_registry(app.registry),
                                 tm=transaction.TransactionManager(explicit=True))
    with request.tm:
        queue_mail(request, "anna@example.org", "Hello", "Body text")
    assert len(smtp_sink.to("anna@example.org")) == 1
    assert _value(_scrape(testapp), "hub_mail_sent_total") - _value(
        before, "hub_mail_sent_total") == 1
