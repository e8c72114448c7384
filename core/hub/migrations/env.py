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


def run_migrations():
    engine = config.attributes["engine"]
    with engine.connect() as connection:
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
