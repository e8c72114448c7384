"""The scale-out row: two portal processes on one PostgreSQL database and one Redis.

    HUB_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \
    HUB_REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python -m bench.scaleout

As on two machines, each process (gunicorn, one worker each, so the two together have the
workers of the main run) has its own data directory and shares only the database and
Redis, which keeps their caches coherent (``hub.cache_redis``). wrk loads both at once
with half the connections each; the row adds their throughputs and takes the slower
process's latencies, and compares the sum with the bare Pyramid page (two workers) measured
in the same run. The database's tables are replaced, as in ``bench.run``.

Results go to ``bench/results/scaleout.json`` (``--output`` to write elsewhere, e.g. for a
short trial run that should not be recorded).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

from bench.common import Row
from bench.run import (
    MEMBER_PAGES,
    PUBLIC_PAGES,
    RESULTS,
    Gunicorn,
    prepare_database,
    print_table,
    session_cookie,
    wrk,
)

PROCESSES = 2
# The home page (public, kept pages) and My hub (signed in, per person): the two the
# issue names, the one most served and the one hardest to keep.
PAGES = [(name, path, ratio, p99, False) for name, path, ratio, p99 in PUBLIC_PAGES[:1]] + \
        [(name, path, ratio, p99, True) for name, path, ratio, p99 in MEMBER_PAGES]
SUFFIX = ", 2 processes, PostgreSQL + Redis"


def both(portals: list[Gunicorn], path: str, duration: int, connections: int,
         cookie: str | None) -> dict:
    """wrk on every process at once; throughputs added, the slower latencies kept."""
    share = max(1, connections // len(portals))
    with ThreadPoolExecutor(len(portals)) as pool:
        results = list(pool.map(lambda p: wrk(p.url + path, duration, share, cookie), portals))
    return {"rps": sum(r["rps"] for r in results), "p50": max(r["p50"] for r in results),
            "p99": max(r["p99"] for r in results), "errors": sum(r["errors"] for r in results)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--output", type=Path, default=RESULTS / "scaleout.json")
    args = parser.parse_args(argv)
    url = os.environ.get("HUB_DATABASE_URL", "")
    redis_url = os.environ.get("HUB_REDIS_URL", "")
    if not url.startswith("postgresql") or not redis_url:
        raise SystemExit("set HUB_DATABASE_URL to a PostgreSQL database and HUB_REDIS_URL")

    registry = prepare_database(url, args.scale)
    reference = Gunicorn("bench.reference_app:app")
    try:
        ref = wrk(reference.url + "/", args.duration, args.connections)
    finally:
        reference.stop()
    rows = [Row("reference (bare Pyramid)", ref["p50"], ref["p99"], ref["rps"], 1.0, "", None)]

    with tempfile.TemporaryDirectory(prefix="hub-bench-") as work:
        portals = []
        try:
            for number in range(PROCESSES):
                data = Path(work) / f"machine-{number}"
                data.mkdir()
                portals.append(Gunicorn("bench.wsgi_portal:app", workers=1, env={
                    "BENCH_DATABASE_URL": url, "BENCH_DATA_DIR": str(data),
                    "BENCH_REDIS_URL": redis_url}))
            cookie = session_cookie(registry, "member@example.org")
            for name, path, min_ratio, p99_limit, signed_in in PAGES:
                result = both(portals, path, args.duration, args.connections,
                              cookie if signed_in else None)
                ratio = result["rps"] / ref["rps"]
                passed = ratio >= min_ratio and result["p99"] < p99_limit \
                    and not result["errors"]
                note = f"{result['errors']} error responses" if result["errors"] else ""
                rows.append(Row(name + SUFFIX, result["p50"], result["p99"], result["rps"],
                                round(ratio, 3), f">= {min_ratio} x ref, p99 < {p99_limit:.0f} ms",
                                passed, note))
        finally:
            for portal in portals:
                portal.stop()

    print_table(rows)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    report = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "scale": args.scale, "database": "postgresql", "redis": True,
              "processes": PROCESSES, "workers_per_process": 1,
              "duration_s": args.duration, "connections": args.connections,
              "rows": [asdict(r) for r in rows]}
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    return 0 if all(r.passed is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
