"""Health endpoints for load balancers and orchestrators.

* ``GET /health/live``: the process answers requests (nothing else is asked, so a slow
  database never gets a running process restarted).
* ``GET /health/ready``: the process can serve pages: the database answers, its schema is
  at the revisions this code expects (or newer: during an upgrade, migrations run before
  the old processes stop, and they are written so that the old code survives them), and
  Redis answers when ``hub.redis_url`` is set. ``/healthz`` answers the same.

Both answer JSON, 200 when all is well and 503 otherwise, and are never kept by a cache.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from pyramid.view import view_config

from hub.security import PUBLIC

log = logging.getLogger(__name__)

OK, UNAVAILABLE, UNKNOWN = "ok", "unavailable", "unknown"
BEHIND, AHEAD = "behind", "ahead"
SCRIPTS = "hub.health.scripts"
REDIS = "hub.health.redis"
REDIS_TIMEOUT = 1


def _no_store(request) -> None:
    request.response.cache_control.no_store = True


@view_config(route_name="health.live", renderer="json", permission=PUBLIC)
def live(request):
    _no_store(request)
    return {"status": OK}


@view_config(route_name="health.ready", renderer="json", permission=PUBLIC)
@view_config(route_name="healthz", renderer="json", permission=PUBLIC)
def ready(request):
    _no_store(request)
    result = {"database": UNAVAILABLE, "migrations": UNKNOWN}
    try:
        request.dbsession.execute(sa.text("SELECT 1"))
        result["database"] = OK
    except sa.exc.SQLAlchemyError:
        log.exception("health check: database unavailable")
    if result["database"] == OK:
        try:
            result["migrations"] = migration_state(request)
        except sa.exc.SQLAlchemyError:
            log.exception("health check: could not read the schema's revisions")
    if request.registry.settings.get("hub.redis_url"):
        result["redis"] = redis_state(request.registry)
    fine = (result["database"] == OK and result["migrations"] in (OK, AHEAD)
            and result.get("redis", OK) == OK)
    if not fine:
        request.response.status = 503
    return {"status": OK if fine else "degraded", **result}


def migration_state(request) -> str:
    """``ok``, ``behind`` (a branch not migrated to this code's head: not ready) or
    ``ahead`` (the database carries revisions this code does not know: a newer release
    migrated it)."""
    # Alembic is imported by the first readiness check, not at start-up (0.2 s, ~10 MB).
    from alembic.runtime.migration import MigrationContext

    from hub import migrate

    scripts = _scripts(request.registry)
    connection = request.dbsession.connection()
    states = set()
    for branch, (heads, known) in scripts.items():
        context = MigrationContext.configure(
            connection, opts={"version_table": migrate.version_table(branch)})
        current = set(context.get_current_heads())
        if current == heads:
            states.add(OK)
        elif current and not current <= known:
            states.add(AHEAD)
        else:
            states.add(BEHIND)
    for state in (BEHIND, AHEAD):
        if state in states:
            return state
    return OK


def _scripts(registry) -> dict[str, tuple[set[str], set[str]]]:
    """``{branch: (head revisions, every revision)}`` of this code, read once per process."""
    from alembic.script import ScriptDirectory

    from hub import migrate

    scripts = registry.get(SCRIPTS)
    if scripts is None:
        scripts = {}
        engine = registry["hub.dbengine"]
        for branch, location in migrate.branches(registry):
            directory = ScriptDirectory.from_config(
                migrate.alembic_config(engine, branch, location))
            scripts[branch] = (set(directory.get_heads()),
                               {script.revision for script in directory.walk_revisions()})
        registry[SCRIPTS] = scripts
    return scripts


def redis_state(registry) -> str:
    import redis

    client = registry.get(REDIS)
    if client is None:
        client = registry[REDIS] = redis.Redis.from_url(
            registry.settings["hub.redis_url"], socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT)
    try:
        client.ping()
    except (redis.exceptions.RedisError, OSError):
        log.warning("health check: Redis unavailable", exc_info=True)
        return UNAVAILABLE
    return OK


def includeme(config):
    config.add_route("health.live", "/health/live")
    config.add_route("health.ready", "/health/ready")
    config.add_route("healthz", "/healthz")
    config.scan("hub.health")
