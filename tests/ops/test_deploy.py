"""The example deployment: deploy/gunicorn.conf.py serves the portal."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.testing import need_service

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


@pytest.mark.slow
def test_the_example_gunicorn_configuration_serves_the_portal(tmp_path):
    if not GUNICORN.exists():
        need_service("gunicorn", "pip install hub-core[deploy]; make install brings it")
    data = tmp_path / "data"
    data.mkdir()
    ini = tmp_path / "production.ini"
    ini.write_text("[app:main]\nuse = egg:hub-core\nhub.plugins = news\n"
                   "hub.jobs.backend = sqlite\n"
                   f"hub.jobs.path = {data / 'jobs.sqlite'}\nhub.data_dir = {data}\n"
                   f"sqlalchemy.url = sqlite:///{data / 'hub.sqlite'}\n"
                   "hub.log_format = json\nhub.trusted_proxies = 127.0.0.1\n")
    assert CliRunner().invoke(main, ["-c", str(ini), "db", "upgrade"]).exit_code == 0
    port = _free_port()
    metrics_dir = tmp_path / "metrics"
    env = {**os.environ, "HUB_CONFIG": str(ini), "HUB_BIND": f"127.0.0.1:{port}",
           "HUB_WEB_WORKERS": "2", "HUB_WEB_THREADS": "2",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    env.pop("HUB_DATABASE_URL", None)
    log = open(tmp_path / "gunicorn.log", "w+")
    process = subprocess.Popen([str(GUNICORN), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
                               env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, headers, body = _get(f"{base}/health/live",
                                             {"X-Request-ID": "deploy-test-1"})
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"gunicorn did not start:\n{log.read()}")
                time.sleep(0.3)
        assert status == 200 and json.loads(body) == {"status": "ok"}
        assert headers["X-Request-ID"] == "deploy-test-1"
        status, _headers, body = _get(f"{base}/health/ready")
        assert status == 200, body
        assert _get(f"{base}/")[0] == 200
        # Several workers, one answer: the counts of every process are added up.
        for _ in range(6):
            _get(f"{base}/health/live")
        status, _headers, metrics = _get(f"{base}/metrics")
        assert status == 200
        lines = [line for line in metrics.splitlines()
                 if line.startswith('hub_http_requests_total{') and 'route="health.live"' in line]
        assert sum(float(line.rsplit(" ", 1)[1]) for line in lines) == 7
        assert list(metrics_dir.glob("*.db"))
        # Through the reverse proxy /metrics does not exist.
        assert _get(f"{base}/metrics", {"X-Forwarded-For": "203.0.113.9"})[0] == 404
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
    output = (tmp_path / "gunicorn.log").read_text()
    assert "request_id=deploy-test-1" in output  # the access log carries the id
