"""Alembic migrations for the core and each plugin.

Every plugin has its own version table (``alembic_version_<plugin>``) and its own
versions directory, and all share the core's ``env.py``. The runner upgrades the core
first, then each enabled plugin in dependency order, so a plugin that is disabled or
uninstalled never blocks upgrading the rest.
"""
from __future__ import annotations

import importlib
import importlib.resources
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

CORE = "core"


def version_table(branch: str) -> str:
    return f"alembic_version_{branch}"


def core_versions_dir() -> str:
    return str(importlib.resources.files("hub") / "migrations" / "versions")


def alembic_config(engine: sa.Engine, branch: str, versions_dir: str,
                   plugin_names: frozenset[str] = frozenset()) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(importlib.resources.files("hub") / "migrations"))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", versions_dir)
    cfg.set_main_option("file_template",
                        "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.attributes["engine"] = engine
    cfg.attributes["branch"] = branch
    cfg.attributes["plugin_names"] = plugin_names
    return cfg


def branches(registry) -> list[tuple[str, str]]:
    """``(branch, versions directory)`` for the core and every enabled plugin, in order."""
    result = [(CORE, core_versions_dir())]
    pm = registry["hub.pm"]
    from hub.plugins import per_plugin

    locations = per_plugin(pm, "hub_migrations")
    plugins = registry["hub.plugins"]
    for name in registry["hub.plugin_order"]:
        # By convention a plugin's revisions live in <package>/migrations.
        location = locations.get(name) or Path(plugins[name].module.__file__).parent / "migrations"
        if Path(location).is_dir():
            result.append((name, str(location)))
    return result


def import_models(registry) -> None:
    """Import the core's and the enabled plugins' models so metadata is complete."""
    importlib.import_module("hub.models")
    for info in registry["hub.plugins"].values():
        try:
            importlib.import_module(f"{info.package}.models")
        except ModuleNotFoundError as exc:
            if exc.name != f"{info.package}.models":
                raise


def upgrade(registry, revision: str = "heads", branch: str | None = None) -> list[str]:
    """Upgrade the core and every enabled plugin (or only ``branch``, to ``revision``);
    return the branches touched."""
    engine = registry["hub.dbengine"]
    import_models(registry)
    names = frozenset(registry["hub.plugins"])
    done = []
    for name, location in branches(registry):
        if branch is None or name == branch:
            command.upgrade(alembic_config(engine, name, location, names), revision)
            done.append(name)
    if revision == "heads" and branch is None:
        # Only once every branch is at its head: the sources read the plugins' tables.
        refresh_search_index(registry)
    return done


def refresh_search_index(registry, force: bool = False) -> list[str]:
    """Index the sources whose documents the search index lacks or holds in an older
    version (a plugin just enabled, a source whose documents changed); all with ``force``."""
    from hub.search.sync import refresh

    engine = registry["hub.dbengine"]
    if not sa.inspect(engine).has_table("search_source_state"):
        return []
    sources = (registry.get("hub.search.sources") or {}).values()
    with registry["hub.dbsession_writer"]() as db, db.begin():
        return refresh(db, sources, force=force)


def downgrade(registry, branch: str, revision: str = "base") -> None:
    engine = registry["hub.dbengine"]
    import_models(registry)
    location = dict(branches(registry))[branch]
    command.downgrade(alembic_config(engine, branch, location,
                                     frozenset(registry["hub.plugins"])), revision)


def current_heads(registry) -> dict[str, tuple[str | None, str | None]]:
    """``{branch: (database revision, newest script revision)}``."""
    engine = registry["hub.dbengine"]
    result = {}
    with engine.connect() as conn:
        for branch, location in branches(registry):
            cfg = alembic_config(engine, branch, location)
            script = ScriptDirectory.from_config(cfg)
            ctx = MigrationContext.configure(conn, opts={"version_table": version_table(branch)})
            current = ",".join(sorted(ctx.get_current_heads())) or None
            result[branch] = (current, ",".join(sorted(script.get_heads())) or None)
    return result


def revision(registry, branch: str, message: str, autogenerate: bool = True) -> None:
    """Write a new migration script for ``branch`` (a developer command)."""
    engine = registry["hub.dbengine"]
    import_models(registry)
    location = dict(branches(registry))[branch]
    Path(location).mkdir(parents=True, exist_ok=True)
    command.revision(alembic_config(engine, branch, location, frozenset(registry["hub.plugins"])),
                     message=message, autogenerate=autogenerate)
