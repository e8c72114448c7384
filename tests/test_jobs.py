"""Background jobs: after commit only, on a real queue."""
import pytest
import transaction

from hub.jobs import background_request, enqueue, make_huey, run_job


@pytest.fixture
def job_log(registry):
    calls = []

    def remember(request, value):
        calls.append((value, request.dbsession is not None))

    registry["hub.job_functions"]["test.remember"] = remember
    yield calls
    del registry["hub.job_functions"]["test.remember"]


def test_a_job_is_enqueued_only_after_commit(registry, job_log, dbsession):
    request = background_request(registry, tm=transaction.TransactionManager(explicit=True))
    with request.tm:
        enqueue(request, "test.remember", value=1)
        assert job_log == []
    assert job_log == [(1, True)]


def test_a_rolled_back_transaction_enqueues_nothing(registry, job_log, dbsession):
    request = background_request(registry, tm=transaction.TransactionManager(explicit=True))
    request.tm.begin()
    enqueue(request, "test.remember", value=2)
    request.tm.abort()
    assert job_log == []


def test_unknown_jobs_are_refused(registry, dbsession):
    from hub.jobs import JobError

    request = background_request(registry, tm=transaction.TransactionManager(explicit=True))
    with pytest.raises(JobError):
        run_job(registry, "no.such.job", {})
    with request.tm:
        with pytest.raises(JobError):
            enqueue(request, "no.such.job")


def test_sqlite_queue_round_trip(tmp_path):
    huey = make_huey({"hub.jobs.backend": "sqlite", "hub.jobs.path": str(tmp_path / "q.db")})
    task = huey.task()(lambda x: x * 2)
    result = task(21)
    huey.execute(huey.dequeue())
    assert result.get() == 42


@pytest.mark.redis
def test_redis_queue_round_trip(redis_url):
    huey = make_huey({"hub.jobs.backend": "redis", "hub.redis_url": redis_url})
    huey.flush()
    task = huey.task()(lambda x: x + 1)
    result = task(41)
    huey.execute(huey.dequeue())
    assert result.get() == 42
    huey.flush()
