"""Jobs: periodic jobs of the core and plugins, enqueue from background work, Redis queue."""
import pytest
import transaction

from hub import hookimpl
from hub.contributions import PeriodicJob
from hub.jobs import background_request, enqueue, register_periodic_jobs

RAN = []


def _tick(request):
    RAN.append(request.dbsession is not None)


class PretendPlugin:
    @hookimpl
    def hub_periodic_jobs(self):
        return [PeriodicJob("pretend.tick", _tick, minute="*/5")]


def test_core_and_plugin_periodic_jobs_are_scheduled_and_run(make_app, bind_registry,
                                                             dbsession):
    app = make_app(**{"hub.plugins": "", "hub.site_name": "periodic jobs test"})
    registry = bind_registry(app.registry)
    registry["hub.pm"].register(PretendPlugin(), name="pretend")
    try:
        names = register_periodic_jobs(registry)
    finally:
        registry["hub.pm"].unregister(name="pretend")
    assert {"hub.mail.retry", "pretend.tick"} <= set(names)
    huey = registry["hub.huey"]
    tasks = {task.name: task for task in huey._registry.periodic_tasks}
    assert {"periodic.hub.mail.retry", "periodic.pretend.tick"} <= set(tasks)
    RAN.clear()
    huey.execute(tasks["periodic.pretend.tick"])
    huey.execute(tasks["periodic.hub.mail.retry"])
    assert RAN == [True]


def test_enqueue_outside_a_transaction_runs_at_once(core_app, dbsession):
    calls = []
    core_app.registry["hub.job_functions"]["test.now"] = lambda request, x: calls.append(x)
    try:
        request = background_request(core_app.registry)
        enqueue(request, "test.now", x=1)  # no transaction begun: nothing to wait for
        with request.tm:
            enqueue(request, "test.now", x=2)
            assert calls == [1]
        assert calls == [1, 2]
    finally:
        del core_app.registry["hub.job_functions"]["test.now"]


def test_a_job_can_enqueue_another_after_its_commit(core_app, bind_registry, dbsession):
    from hub.jobs import run_job

    calls = []
    functions = bind_registry(core_app.registry)["hub.job_functions"]
    functions["test.first"] = lambda request: enqueue(request, "test.second")
    functions["test.second"] = lambda request: calls.append("second")
    try:
        run_job(core_app.registry, "test.first", {})
        assert calls == ["second"]
    finally:
        del functions["test.first"], functions["test.second"]


@pytest.mark.redis
def test_jobs_travel_through_redis_after_commit(make_app, bind_registry, dbsession, redis_url):
    app = make_app(**{"hub.plugins": "", "hub.jobs.backend": "redis",
                      "hub.redis_url": redis_url})
    registry = bind_registry(app.registry)
    huey = registry["hub.huey"]
    huey.flush()
    calls = []
    registry["hub.job_functions"]["test.redis"] = lambda request, x: calls.append(x)
    try:
        request = background_request(registry, tm=transaction.TransactionManager(explicit=True))
        with request.tm:
            enqueue(request, "test.redis", x=42)
            assert huey.pending_count() == 0  # not before commit
        assert huey.pending_count() == 1
        huey.execute(huey.dequeue())  # what a worker does
        assert calls == [42]
    finally:
        del registry["hub.job_functions"]["test.redis"]
        huey.flush()
