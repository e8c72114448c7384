"""Exactly once: parallel workers, a worker killed mid-batch, consent withdrawn mid-send.

Checked at a real SMTP server (aiosmtpd) on the committed database of the backend under
test (SQLite, or PostgreSQL with HUB_TEST_DATABASE_URL).
"""
import collections
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.jobs import background_request, run_job
from hub_newsletter.models import Campaign, Delivery, Subscriber

from .conftest import (
    add_campaign,
    add_list,
    add_subscriber,
    both_sinks,
    prepare_deliveries,
    smtp_settings,
)

N = 40


@pytest.fixture
def committed(committed_app, sink):
    def _make(**overrides):
        return committed_app("newsletter", **smtp_settings(sink), **overrides)

    return _make


def seed(app, n=N) -> int:
    with app.registry["hub.dbsession_factory"]() as db, db.begin():
        nl = add_list(db)
        for i in range(n):
            add_subscriber(db, nl, f"r{i:03d}@example.cz", "Jana Nováková" if i % 2
                           else "Petr Novák")
        campaign = add_campaign(db, [nl])
        prepare_deliveries(db, campaign)
        return campaign.id


def received(sink) -> collections.Counter:
    return collections.Counter(r for _f, rcpts, _m in sink.messages for r in rcpts)


def statuses(app, campaign_id) -> collections.Counter:
    with app.registry["hub.dbsession_factory"]() as db:
        return collections.Counter(db.scalars(sa.select(Delivery.status).where(
            Delivery.campaign_id == campaign_id)))


def expected(n=N) -> collections.Counter:
    return collections.Counter({f"r{i:03d}@example.cz": 1 for i in range(n)})


@both_sinks
def test_two_workers_in_parallel_deliver_exactly_one_message_per_recipient(
        committed, sink, concurrent):
    app = committed(**{"newsletter.batch_size": "3"})
    campaign_id = seed(app)
    results = concurrent(2, lambda i: run_job(app.registry, "newsletter.send",
                                              {"campaign_id": campaign_id}))
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert received(sink) == expected()
    assert statuses(app, campaign_id) == {"sent": N}
    with app.registry["hub.dbsession_factory"]() as db:
        assert db.get(Campaign, campaign_id).status == "sent"
    # Running the finished campaign again sends nothing.
    run_job(app.registry, "newsletter.send", {"campaign_id": campaign_id})
    assert sum(received(sink).values()) == N


@both_sinks
@pytest.mark.parametrize("point", ["accepted", "started"])
def test_a_worker_killed_mid_batch_and_restarted_never_sends_twice(
        committed, sink, base_settings, point):
    # A lease of 0 lets the restarted worker take over the dead worker's claims at once.
    overrides = {"newsletter.batch_size": "10", "newsletter.claim_lease_seconds": "0",
                 "newsletter.connections": "1"}
    app = committed(**overrides)
    campaign_id = seed(app)
    url = app.registry["hub.dbengine"].url.render_as_string(hide_password=False)
    settings = {**{k: v for k, v in base_settings.items() if isinstance(v, str)},
                **smtp_settings(sink), **overrides, "sqlalchemy.url": url,
                "hub.plugins": "newsletter"}
    args = {"settings": settings, "campaign_id": campaign_id, "crash_after": 7, "point": point}
    worker = Path(__file__).with_name("crash_worker.py")
    process = subprocess.run([sys.executable, str(worker), json.dumps(args)],  # noqa: S603
                             capture_output=True, timeout=120, check=False)
    assert process.returncode == 137, process.stderr.decode()[-2000:]
    # "accepted": the 7th message arrived; "started": it was recorded as going, not sent.
    assert sum(received(sink).values()) == (7 if point == "accepted" else 6)

    run_job(app.registry, "newsletter.send", {"campaign_id": campaign_id})

    # The 7th message is "in doubt" and never repeated; everybody else got exactly one.
    assert statuses(app, campaign_id) == {"sent": N - 1, "sending": 1}
    with app.registry["hub.dbsession_factory"]() as db:
        (in_doubt,) = db.scalars(sa.select(Delivery.address).where(
            Delivery.campaign_id == campaign_id, Delivery.status == "sending"))
    assert in_doubt == "r006@example.cz"
    everybody = expected()
    if point == "started":
        del everybody[in_doubt]
    assert received(sink) == everybody


def test_a_worker_with_two_connections_killed_and_restarted_never_sends_twice(
        committed, sink, base_settings):
    overrides = {"newsletter.batch_size": "5", "newsletter.claim_lease_seconds": "0",
                 "newsletter.connections": "2"}
    app = committed(**overrides)
    campaign_id = seed(app)
    url = app.registry["hub.dbengine"].url.render_as_string(hide_password=False)
    settings = {**{k: v for k, v in base_settings.items() if isinstance(v, str)},
                **smtp_settings(sink), **overrides, "sqlalchemy.url": url,
                "hub.plugins": "newsletter"}
    args = {"settings": settings, "campaign_id": campaign_id, "crash_after": 12,
            "point": "accepted"}
    worker = Path(__file__).with_name("crash_worker.py")
    process = subprocess.run([sys.executable, str(worker), json.dumps(args)],  # noqa: S603
                             capture_output=True, timeout=120, check=False)
    assert process.returncode == 137, process.stderr.decode()[-2000:]

    run_job(app.registry, "newsletter.send", {"campaign_id": campaign_id})

    got = received(sink)
    assert max(got.values()) == 1
    with app.registry["hub.dbsession_factory"]() as db:
        in_doubt = set(db.scalars(sa.select(Delivery.address).where(
            Delivery.campaign_id == campaign_id, Delivery.status == "sending")))
    # At most one message in doubt per connection; everyone else got exactly one.
    assert 1 <= len(in_doubt) <= 2
    assert set(expected()) - set(got) <= in_doubt
    assert statuses(app, campaign_id)["sent"] == N - len(in_doubt)


@both_sinks
def test_withdrawal_during_a_running_send_stops_the_remaining_messages(committed, sink,
                                                                       after_first_message):
    app = committed(**{"newsletter.batch_size": "50"})
    campaign_id = seed(app, 10)

    def withdraw():
        # Someone later in the batch unsubscribes while the batch is being sent.
        with app.registry["hub.dbsession_factory"]() as db, db.begin():
            db.execute(sa.update(Subscriber).where(Subscriber.email == "r007@example.cz")
                       .values(opted_out_at=sa.func.current_timestamp()))

    after_first_message(withdraw)
    run_job(app.registry, "newsletter.send", {"campaign_id": campaign_id})
    got = received(sink)
    assert got["r007@example.cz"] == 0
    assert sum(got.values()) == 9 and max(got.values()) == 1
    assert statuses(app, campaign_id) == {"sent": 9, "skipped": 1}


def test_concurrent_send_clicks_start_the_campaign_once_and_never_fail(committed, sink,
                                                                       concurrent):
    from hub.testing import make_user

    app = committed()
    campaign_id = None
    with app.registry["hub.dbsession_factory"]() as db, db.begin():
        admin = make_user(db, "admin@race.example", "admin", name="Adéla Správcová")
        nl = add_list(db)
        for i in range(10):
            add_subscriber(db, nl, f"r{i:03d}@example.cz", "Petr Novák")
        campaign_id = add_campaign(db, [nl]).id
    from hub.testing import _make_testapp

    from .conftest import post

    def click(_i):
        client = _make_testapp(app).login(admin)
        return post(client, f"/newsletter/admin/campaigns/{campaign_id}/send", {}).status_code

    results = concurrent(5, click)
    assert results == [303] * 5
    assert received(sink) == expected(10)
    assert statuses(app, campaign_id) == {"sent": 10}


def test_two_queue_workers_on_redis_deliver_exactly_one_message_per_recipient(
        committed, sink, redis_url, concurrent):
    """The job goes through the huey queue on Redis: enqueued twice (a double click, a
    periodic wake-up), taken by two consumers at once."""
    from hub.jobs import enqueue

    app = committed(**{"hub.jobs.backend": "redis", "hub.redis_url": redis_url,
                       "newsletter.batch_size": "4"})
    huey = app.registry["hub.huey"]
    huey.flush()
    campaign_id = seed(app)
    request = background_request(app.registry)
    enqueue(request, "newsletter.send", campaign_id=campaign_id)
    enqueue(request, "newsletter.send", campaign_id=campaign_id)
    assert len(huey) == 2

    def consume(_i):
        task = huey.dequeue()
        return None if task is None else huey.execute(task)

    results = concurrent(2, consume)
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert len(huey) == 0
    assert received(sink) == expected()
    assert statuses(app, campaign_id) == {"sent": N}
    huey.flush()
