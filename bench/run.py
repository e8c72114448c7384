"""The portal measured against the stack's own limit, on large realistic data.

    make bench                      # full run (large data set, 10 s per page)
    .venv/bin/python -m bench.run --quick

1. Builds a data set through every plugin's demo-data hook at ``--scale``.
2. Serves a bare Pyramid + Chameleon page (bench/reference_app.py) and the portal with
   gunicorn (2 workers) and loads each page from wrk at 32 connections.
3. Reports every page as a ratio of the reference throughput measured in the same run,
   plus start-up time and worker memory; prints one table and writes it as JSON to
   bench/results/latest.json.

PostgreSQL is used when ``HUB_DATABASE_URL`` points at one (its tables are replaced),
otherwise SQLite in bench/var/.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import asdict
from pathlib import Path

from bench.common import Row, discover_operations

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"


# (name, path, minimum ratio to the reference, p99 limit in ms)
PUBLIC_PAGES = [
    ("home", "/", 0.40, 50.0),
    ("events list", "/events", 0.40, 50.0),
    ("course catalogue", "/elearning", 0.40, 50.0),
    ("rooms", "/booking", 0.40, 50.0),
    ("organisation directory", "/crm", 0.40, 50.0),
]
MEMBER_PAGES = [("my hub (signed in)", "/my", 0.25, 50.0)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


class Gunicorn:
    def __init__(self, app: str, env: dict | None = None, workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(  # noqa: S603
            [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", app],
            cwd=ROOT, env={**os.environ, **(env or {})})
        wait_for(self.url + "/")

    def worker_rss_mb(self) -> float:
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)],  # noqa: S603,S607
                                  capture_output=True, text=True).stdout.split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
        return max(sizes) if sizes else 0.0

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


WARM_UP_SECONDS = 1


def wrk(url: str, duration: int, connections: int, cookie: str | None = None) -> dict:
    """Load ``url`` for ``duration`` seconds, after a short warm-up at the same load.

    The warm-up (templates compiled, caches filled in every worker: a worker's first
    requests take hundreds of milliseconds) is not measured, for the reference either; the
    cold start is what the start-up row reports.
    """
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian package 'wrk')")
    header = ["-H", f"Cookie: {cookie}"] if cookie else []
    subprocess.run(["wrk", *header, "-t2", f"-c{connections}",  # noqa: S603,S607
                    f"-d{WARM_UP_SECONDS}s", url], capture_output=True, check=True)
    command = ["wrk", *header, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def prepare_database(url: str, scale: int) -> object:
    """Migrate and fill the benchmark database; returns the app's registry."""
    from pyramid.paster import get_appsettings

    from hub import migrate
    from hub.app import make_config
    from hub.demo import load_demo_data

    settings = dict(get_appsettings(str(ROOT / "config" / "development.ini")))
    settings.update({"sqlalchemy.url": url, "hub.jobs.backend": "immediate"})
    config = make_config(settings)
    migrate.upgrade(config.registry)
    started = time.perf_counter()
    load_demo_data(config.registry, scale)
    print(f"data set at scale {scale} built in {time.perf_counter() - started:.1f} s")
    return config.registry


def session_cookie(registry, email: str) -> str:
    import sqlalchemy as sa

    from hub.accounts.models import User, UserSession
    from hub.db import utcnow
    from hub.sessions import COOKIE_NAME, hash_token

    token = uuid.uuid4().hex * 2
    with registry["hub.dbsession_factory"]() as db:
        user = db.scalars(sa.select(User).where(User.email == email)).one()
        db.add(UserSession(id=hash_token(token), user_id=user.id, data={},
                           created_at=utcnow(), last_seen_at=utcnow()))
        db.commit()
    return f"{COOKIE_NAME}={token}"


def startup_seconds(url: str, runs: int = 3) -> float:
    code = ("import time, os; t = time.perf_counter(); "
            "from pyramid.paster import get_appsettings; from hub.app import make_app; "
            "s = dict(get_appsettings('config/development.ini')); "
            f"s['sqlalchemy.url'] = {url!r}; s['hub.jobs.backend'] = 'immediate'; "
            "make_app(s); print(time.perf_counter() - t)")
    # As installed (pip writes bytecode): a shell with PYTHONDONTWRITEBYTECODE set would
    # otherwise compile every module at every start. One untimed start writes it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def start() -> float:
        return float(subprocess.run([sys.executable, "-c", code], cwd=ROOT,  # noqa: S603
                                    capture_output=True, text=True, check=True,
                                    env=env).stdout)

    start()
    return statistics.median(start() for _ in range(runs))


def queue_worker_rss_mb(url: str, seconds: float = 8) -> float:
    """Resident memory of a queue worker (all plugins, periodic jobs on) after it settled."""
    jobs = ROOT / "bench" / "var" / "bench-jobs.sqlite"
    code = f"""
import os, re, threading, time
from pyramid.paster import get_appsettings
from hub.app import make_config
from hub.jobs import register_periodic_jobs

settings = dict(get_appsettings("config/development.ini"))
settings.update({{"sqlalchemy.url": {url!r}, "hub.jobs.backend": "sqlite",
                 "hub.jobs.path": {str(jobs)!r}}})
registry = make_config(settings).registry
register_periodic_jobs(registry)
consumer = registry["hub.huey"].create_consumer(workers=2, worker_type="thread", periodic=True)

def report():
    time.sleep({seconds})
    status = open("/proc/self/status").read()
    print(int(re.search(r"VmRSS:\\s+(\\d+)", status).group(1)) / 1024, flush=True)
    os._exit(0)

threading.Thread(target=report, daemon=True).start()
consumer.run()
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT,  # noqa: S603
                         capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


def first_start(url: str, pages, member_pages, cookie: str) -> None:
    """Serve every page once, as the first start of a release does: it compiles the
    templates into the data directory, where the measured workers find them
    (``hub.shell.keep_compiled_templates``), as every later worker of a release does."""
    portal = Gunicorn("bench.wsgi_portal:app", env={"BENCH_DATABASE_URL": url}, workers=1)
    try:
        for pages_of, header in ((pages, {}), (member_pages, {"Cookie": cookie})):
            for _name, path, *_limits in pages_of:
                request = urllib.request.Request(portal.url + path, headers=header)
                with urllib.request.urlopen(request, timeout=30):  # noqa: S310 (loopback)
                    pass
    finally:
        portal.stop()


def page_rows(base: str, pages, reference_rps: float, duration: int, connections: int,
              cookie: str | None = None) -> list[Row]:
    rows = []
    for name, path, min_ratio, p99_limit in pages:
        result = wrk(base + path, duration, connections, cookie)
        ratio = result["rps"] / reference_rps
        passed = ratio >= min_ratio and result["p99"] < p99_limit and not result["errors"]
        note = f"{result['errors']} error responses" if result["errors"] else ""
        rows.append(Row(name, result["p50"], result["p99"], result["rps"], round(ratio, 3),
                        f">= {min_ratio} x ref, p99 < {p99_limit:.0f} ms", passed, note))
    return rows


def print_table(rows: list[Row]) -> None:
    header = (f"{'page / operation':<28} {'median':>9} {'p99':>9} {'req/s':>9} {'ratio':>7}  "
              f"{'target':<30} result")
    print(header)
    print("-" * len(header))
    for r in rows:
        def fmt(v, suffix=""):
            return "-" if v is None else f"{v:.1f}{suffix}"

        result = "-" if r.passed is None else ("pass" if r.passed else "FAIL")
        print(f"{r.name:<28} {fmt(r.median_ms, 'ms'):>9} {fmt(r.p99_ms, 'ms'):>9} "
              f"{fmt(r.throughput):>9} {fmt(r.ratio):>7}  {r.target:<30} {result} {r.note}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--quick", action="store_true", help="small data, short runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.scale, args.duration = 1, 3

    url = os.environ.get("HUB_DATABASE_URL")
    if not url:
        var = ROOT / "bench" / "var"
        var.mkdir(exist_ok=True)
        db = var / f"bench-{args.scale}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db}"
    registry = prepare_database(url, args.scale)
    operations = discover_operations()
    pages = list(PUBLIC_PAGES)
    for module in operations:
        pages += getattr(module, "pages", lambda registry: [])(registry)

    rows: list[Row] = []
    reference = Gunicorn("bench.reference_app:app")
    try:
        ref = wrk(reference.url + "/", args.duration, args.connections)
    finally:
        reference.stop()
    rows.append(Row("reference (bare Pyramid)", ref["p50"], ref["p99"], ref["rps"], 1.0,
                    "", None))

    cookie = session_cookie(registry, "member@example.org")
    first_start(url, pages, MEMBER_PAGES, cookie)
    portal = Gunicorn("bench.wsgi_portal:app", env={"BENCH_DATABASE_URL": url})
    try:
        rows += page_rows(portal.url, pages, ref["rps"], args.duration, args.connections)
        rows += page_rows(portal.url, MEMBER_PAGES, ref["rps"], args.duration,
                          args.connections, cookie)
        rss = portal.worker_rss_mb()
    finally:
        portal.stop()
    rows.append(Row("web worker RSS", None, None, None, None, "< 150 MB", rss < 150,
                    f"{rss:.0f} MB"))
    queue_rss = queue_worker_rss_mb(url)
    rows.append(Row("queue worker RSS (idle)", None, None, None, None, "< 150 MB",
                    queue_rss < 150, f"{queue_rss:.0f} MB"))
    for module in operations:
        rows += module.measure(registry, args)
    startup = startup_seconds(url)
    rows.append(Row("start-up, all plugins", startup * 1000, None, None, None, "< 1.5 s",
                    startup < 1.5))

    print_table(rows)
    RESULTS.mkdir(exist_ok=True)
    report = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "scale": args.scale, "database": url.split(":", 1)[0],
              "duration_s": args.duration, "connections": args.connections,
              "rows": [asdict(r) for r in rows]}
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0 if all(r.passed is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
