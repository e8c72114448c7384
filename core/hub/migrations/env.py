"""The alembic environment shared by the core and every plugin.

``branch`` (core or a plugin name) selects the version table and limits autogenerate to
the tables that branch owns: plugin tables carry the plugin's name as prefix.
"""
from alembic import context

from hub.db import Base
from hub.migrate import CORE, version_table

config = context.config
branch = config.attributes["branch"]
plugin_names = config.attributes.get("plugin_names", frozenset())


def table_owner(name: str) -> str:
    prefix = name.split("_", 1)[0]
    return prefix if prefix in plugin_names else CORE


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table":
        if name.startswith("alembic_version"):
            return False
        return table_owner(name) == branch
    table = getattr(obj, "table", None)
    if table is not None:
        return table_owner(table.name) == branch
    return True


def _sqlite_foreign_keys(connection, on: bool) -> None:
    # Batch migrations rebuild SQLite tables (copy, drop, rename): with foreign keys on,
    # dropping the old table would cascade into every table that refers to it. The pragma
    # only works outside a transaction, so it goes to the driver's connection directly.
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def run_migrations():
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
        try:
            _run(connection)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                connection.commit()
                if broken:
                    raise RuntimeError(f"migration left rows without their parents: {broken}")
        finally:
            if sqlite:
                connection.rollback()
                _sqlite_foreign_keys(connection, on=True)


def _run(connection):
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=version_table(branch),
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()


run_migrations()
