"""Newsletter: a campaign personalised and delivered to a local SMTP sink.

Targets: >= 1,000 messages/s, worker memory < 150 MB; reported beside a raw smtplib loop
at the same sink in the same run. The sink is Postfix's ``smtp-sink`` (Debian package
postfix; ``make bench`` installs it), a C server made for benchmarking mail senders: it
offers PIPELINING like production servers do, and it does not take the worker's CPU
time the way a Python sink on the same two cores would. The sink and the sending worker
each run in a process of their own, so the worker's peak RSS is its own:

    measure()  ->  smtp-sink  <-  raw smtplib loop (reference, in this process)
                              <-  worker process: the job ``newsletter.send`` as the
                                  queue worker runs it, on the benchmark database

Run alone (after ``bench.run`` built a data set)::

    .venv/bin/python -m bench.ops_newsletter measure sqlite:///bench/var/bench-100.sqlite [plugins]
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import Row

ROOT = Path(__file__).resolve().parents[1]
RAW_MESSAGES = 20_000


# -- the sink (a process of its own) ----------------------------------------------------------

class Sink:
    """Postfix's smtp-sink on a free port, counting the messages it accepted."""

    COUNTERS = re.compile(rb"mesg=(\d+)")

    def __init__(self):
        from bench.run import free_port

        program = shutil.which("smtp-sink", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
        if program is None:
            raise RuntimeError("Postfix's smtp-sink is missing: install Debian's postfix "
                               "package (make bench does)")
        self.port = free_port()
        # -c: print running counters; as root it must drop privileges (-u).
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        self.process = subprocess.Popen(  # noqa: S603
            [program, "-c", *user, f"127.0.0.1:{self.port}", "256"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._count = 0
        self._changed = time.monotonic()
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("smtp-sink did not start") from None
                time.sleep(0.05)

    def _read(self) -> None:
        tail = b""
        while chunk := self.process.stdout.read1(65536):
            tail = (tail + chunk)[-200:]
            counts = self.COUNTERS.findall(tail)
            if counts:
                self._count, self._changed = int(counts[-1]), time.monotonic()

    def received(self) -> int:
        """Messages accepted so far, once the counter has been still for half a second."""
        deadline = time.monotonic() + 10
        while time.monotonic() - self._changed < 0.5 and time.monotonic() < deadline:
            time.sleep(0.1)
        return self._count

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


# -- the worker (a process of its own) --------------------------------------------------------

def run_worker(arguments: str) -> None:
    """Run job ``newsletter.send`` like the queue worker; print seconds, count and peak RSS."""
    import sqlalchemy as sa

    from hub.app import make_config
    from hub.jobs import run_job
    from hub_newsletter.models import Delivery
    from hub_newsletter.sending import connection_count

    args = json.loads(arguments)
    registry = make_config(args["settings"]).registry
    connections = connection_count(registry.settings, registry["hub.dbengine"].dialect.name)
    started = time.perf_counter()
    run_job(registry, "newsletter.send", {"campaign_id": args["campaign_id"]})
    seconds = time.perf_counter() - started
    with registry["hub.dbsession_factory"]() as db:
        sent = db.scalar(sa.select(sa.func.count()).select_from(Delivery).where(
            Delivery.campaign_id == args["campaign_id"], Delivery.status == "sent"))
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so it would report the
    # benchmark process this worker was forked from (and its whole data set).
    status = Path("/proc/self/status").read_text()
    peak_mb = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
    print(json.dumps({"seconds": seconds, "sent": sent, "rss_mb": peak_mb,
                      "connections": int(connections)}))


# -- the measurement ---------------------------------------------------------------------------

def prepare_campaign(registry) -> tuple[int, int, bytes]:
    """A campaign to the demo news list in status "sending" with one delivery row per
    recipient (INSERT … SELECT); returns its id, the number of rows and one message."""
    import sqlalchemy as sa

    from hub.consent import holders
    from hub.db import utcnow
    from hub.jobs import background_request
    from hub_newsletter.demo import BODY
    from hub_newsletter.models import Campaign, Delivery, NewsletterList, Subscriber
    from hub_newsletter.purposes import LIST_PURPOSE_KEY, list_object
    from hub_newsletter.rendering import CompiledCampaign

    with registry["hub.dbsession_writer"]() as db, db.begin():
        news = db.scalar(sa.select(NewsletterList).where(NewsletterList.slug == "novinky"))
        if news is None:
            return 0, 0, b""
        campaign = Campaign(subject="Benchmark: novinky pro ${first_name}", body=BODY,
                            status="sending", kind="newsletter", in_archive=False,
                            started_at=utcnow())
        campaign.lists = [news]
        db.add(campaign)
        db.flush()
        # The recipients as the campaign would resolve them: consents in force in the ledger.
        held = holders(LIST_PURPOSE_KEY, list_object(news.id)).subquery()
        db.execute(sa.insert(Delivery).from_select(
            ["campaign_id", "subscriber_id", "address", "source", "status", "attempts",
             "error"],
            sa.select(sa.literal(campaign.id), Subscriber.id, Subscriber.email,
                      sa.literal(list_object(news.id)), sa.literal("pending"), sa.literal(0),
                      sa.literal(""))
            .select_from(Subscriber).join(held, held.c.email == Subscriber.email)
            .where(Subscriber.opted_out_at.is_(None), Subscriber.hard_bounced_at.is_(None))))
        count = db.scalar(sa.select(sa.func.count()).select_from(Delivery)
                          .where(Delivery.campaign_id == campaign.id))
        request = background_request(registry)
        compiled = CompiledCampaign(request, campaign)
        sample = compiled.message(0, "ctenar0@demo.example.cz", compiled.values(
            "ctenar0@demo.example.cz", "Jana", "Nováková", "", "f", "x" * 32), "x" * 32)
        return campaign.id, count, sample


def raw_smtplib(port: int, message: bytes, n: int) -> float:
    """Messages per second of a bare smtplib loop (one connection, the same message)."""
    import smtplib

    smtp = smtplib.SMTP("127.0.0.1", port)
    started = time.perf_counter()
    for i in range(n):
        smtp.sendmail("bounces@hub.example.org", [f"raw{i}@demo.example.cz"], message)
    seconds = time.perf_counter() - started
    smtp.quit()
    return n / seconds


def measure(registry, args) -> list[Row]:
    try:
        import hub_newsletter  # noqa: F401
    except ImportError:
        return []
    plugins = registry.settings.get("hub.plugins") or ()
    if "newsletter" not in (plugins.split() if isinstance(plugins, str) else plugins):
        return []
    campaign_id, count, sample = prepare_campaign(registry)
    if not count:
        return []
    sink = Sink()
    raw_count = min(RAW_MESSAGES, max(count, 1000)) // 2
    try:
        # The reference runs before and after the send (half each): a machine whose load
        # changes during the run affects both alike.
        raw_before = raw_smtplib(sink.port, sample, raw_count)
        before = sink.received()
        url = registry["hub.dbengine"].url.render_as_string(hide_password=False)
        settings = {k: v for k, v in registry.settings.items() if isinstance(v, str)}
        settings.update({"sqlalchemy.url": url, "hub.jobs.backend": "immediate",
                         "hub.plugins": " ".join(plugins.split() if isinstance(plugins, str)
                                                 else plugins),
                         "newsletter.backend": "smtp", "newsletter.smtp_host": "127.0.0.1",
                         "newsletter.smtp_port": str(sink.port), "newsletter.smtp_tls": "false",
                         "newsletter.smtp_username": "", "newsletter.rate_limit": "0"})
        worker = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "bench.ops_newsletter", "worker",
             json.dumps({"settings": settings, "campaign_id": campaign_id})],
            cwd=ROOT, capture_output=True, text=True, check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        if worker.returncode:
            raise RuntimeError(f"the newsletter worker failed:\n{worker.stderr[-3000:]}")
        result = json.loads(worker.stdout.strip().splitlines()[-1])
        delivered = sink.received() - before
        raw = (raw_before + raw_smtplib(sink.port, sample, raw_count)) / 2
    finally:
        sink.stop()
    rate = result["sent"] / result["seconds"]
    ratio = rate / raw
    exact = delivered == result["sent"] == count
    note = (f"{count} recipients, {delivered} at smtp-sink, raw smtplib {raw:.0f} msg/s, "
            f"{result['connections']} SMTP connection(s)"
            + ("" if exact else " (COUNTS DIFFER)"))
    return [
        Row("newsletter send", None, None, round(rate, 1), round(ratio, 3),
            ">= 1000 msg/s, >= 0.5 x raw", rate >= 1000 and ratio >= 0.5 and exact, note),
        Row("newsletter worker RSS", None, None, None, None, "< 150 MB",
            result["rss_mb"] < 150, f"{result['rss_mb']:.0f} MB peak"),
    ]


def main(argv: list[str]) -> None:
    command = argv[0] if argv else ""
    if command == "worker":
        run_worker(argv[1])
    elif command == "measure":
        from pyramid.paster import get_appsettings

        from bench.run import print_table
        from hub.app import make_config

        settings = dict(get_appsettings(str(ROOT / "config" / "development.ini")))
        settings.update({"sqlalchemy.url": argv[1], "hub.jobs.backend": "immediate"})
        if len(argv) > 2:  # the plugins the data set was built with
            settings["hub.plugins"] = " ".join(argv[2:])
        print_table(measure(make_config(settings).registry, None))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
