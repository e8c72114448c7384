"""Database wiring: migrations per plugin, transactions, SQLite behaviour."""
import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hub import migrate
from hub.app import make_config
from hub.db import Base, make_engine
from hub.plugins import installed_plugins


def is_search_index_object(diff) -> bool:
    """The full-text index beside ``search_document`` is made by its migration for each
    database and has no model: SQLite's FTS5 tables, PostgreSQL's tsvector column."""
    if diff[0] == "remove_table":
        return diff[1].name.startswith("search_document_fts")
    if diff[0] == "remove_column":
        return diff[2] == "search_document" and diff[3].name == "tsv"
    if diff[0] == "remove_index":
        return diff[1].name == "ix_search_document_tsv"
    return False


def _registry(base_settings, url, plugins):
    engine = make_engine(url)
    config = make_config({**base_settings, "sqlalchemy.url": url, "hub.dbengine": engine,
                          "hub.plugins": " ".join(plugins)})
    return config.registry


def test_upgraded_empty_database_matches_the_models(base_settings, empty_database):
    registry = _registry(base_settings, empty_database, sorted(installed_plugins()))
    migrate.upgrade(registry)
    with registry["hub.dbengine"].connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, Base.metadata)
                if not (d[0] == "remove_table" and d[1].name.startswith("alembic_version"))
                and not is_search_index_object(d)]
    registry["hub.dbengine"].dispose()
    assert diff == []


def test_each_branch_has_its_own_version_table_and_disabled_plugins_are_untouched(
        base_settings, empty_database):
    registry = _registry(base_settings, empty_database, ["greetings"])
    assert migrate.upgrade(registry) == ["core", "greetings"]
    tables = set(sa.inspect(registry["hub.dbengine"]).get_table_names())
    assert {"alembic_version_core", "alembic_version_greetings", "greetings_entry"} <= tables
    assert "user" in tables
    registry["hub.dbengine"].dispose()
    # The same database later without the plugin: upgrading the rest still works.
    registry = _registry(base_settings, empty_database, ["events"])
    assert "greetings" not in migrate.upgrade(registry)
    heads = migrate.current_heads(registry)
    assert heads["core"][0] == heads["core"][1]
    registry["hub.dbengine"].dispose()


def test_a_plugin_can_be_removed_by_downgrading_its_branch(base_settings, empty_database):
    registry = _registry(base_settings, empty_database, ["greetings"])
    migrate.upgrade(registry)
    migrate.downgrade(registry, "greetings")
    assert "greetings_entry" not in sa.inspect(registry["hub.dbengine"]).get_table_names()
    registry["hub.dbengine"].dispose()


def test_rebuilding_a_table_in_a_migration_keeps_the_rows_that_refer_to_it(
        base_settings, empty_database):
    """On SQLite a batch migration rebuilds a table; rows of other tables that refer to it
    (with ON DELETE CASCADE) must survive, in both directions."""
    registry = _registry(base_settings, empty_database, [])
    migrate.upgrade(registry, "a3f6c8e1d2b4", branch="core")
    engine = registry["hub.dbengine"]
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO \"user\" (id, email, name, role, language, is_active, created_at) "
            "VALUES (1, 'a@example.org', 'A', 'member', 'cs', true, CURRENT_TIMESTAMP)")
        conn.exec_driver_sql(
            "INSERT INTO api_token (user_id, name, token_hash, prefix, created_at) "
            "VALUES (1, 'script', 'h', 'hub_x', CURRENT_TIMESTAMP)")
    migrate.downgrade(registry, "core", "c4d2a7f19e30")  # drops a column of "user"
    migrate.upgrade(registry, "a3f6c8e1d2b4", branch="core")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM api_token").scalar() == 1
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_plugin_tables_carry_the_plugin_prefix(make_app):
    from hub.testing import checks

    assert checks.unprefixed_tables(make_app(*sorted(installed_plugins())).registry) == []


def test_error_responses_roll_back_the_transaction(testapp, users, dbsession, registry):
    """A view that writes and then returns an error response leaves nothing behind."""
    from hub.accounts.models import User

    testapp.login(users.member)
    testapp.post_form("/language", {"language": "en", "next": "/"}, status=303)
    dbsession.expire_all()
    assert dbsession.get(User, users.member.id).language == "en"
    # The commit veto is configured for every application.
    assert registry.settings["tm.commit_veto"] == "pyramid_tm.default_commit_veto"


@pytest.mark.skipif(os.environ.get("HUB_TEST_DATABASE_URL") is not None,
                    reason="SQLite behaviour (the PostgreSQL run checks PostgreSQL)")
def test_sqlite_has_foreign_keys_and_wal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_database_url_from_the_environment_wins(monkeypatch):
    from hub.settings import apply_core_settings

    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql://someone@db/hub")
    assert apply_core_settings({"sqlalchemy.url": "sqlite://"})["sqlalchemy.url"] == \
        "postgresql://someone@db/hub"


def test_health_check_reports_an_unreachable_database(make_app, base_settings):
    import webtest

    broken = make_engine("postgresql://nobody@127.0.0.1:1/none")
    config = make_config({**base_settings, "hub.plugins": "events", "hub.dbengine": broken})
    client = webtest.TestApp(config.make_wsgi_app())
    response = client.get("/healthz", status=503)
    assert response.json == {"status": "degraded", "database": "unavailable",
                             "migrations": "unknown"}


def test_the_connection_pool_is_sized_from_the_settings(base_settings, tmp_path):
    from hub.app import make_config

    settings = {k: v for k, v in base_settings.items() if k != "hub.dbengine"}
    settings.update({"sqlalchemy.url": f"sqlite:///{tmp_path / 'pool.sqlite'}",
                     "sqlalchemy.pool_size": "12", "sqlalchemy.max_overflow": "3"})
    engine = make_config(settings).registry["hub.dbengine"]
    assert (engine.pool.size(), engine.pool._max_overflow) == (12, 3)
    engine.dispose()
    from hub.settings import SettingsError

    with pytest.raises(SettingsError, match="sqlalchemy.pool_size"):
        make_config({**settings, "sqlalchemy.pool_size": "many"})
