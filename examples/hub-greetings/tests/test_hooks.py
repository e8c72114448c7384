"""What the plugin gives the rest of the hub, and the rules every plugin keeps."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hub.shell import flatten
from hub.testing import checks


def test_the_hubs_guard_rails_hold(app):
    # Views declare permissions, personal tables are covered, tables carry the plugin's
    # prefix and the Czech catalogue is complete.
    assert checks.problems(app.registry) == []


def test_the_main_menu_links_the_page(hook_request):
    request = hook_request()
    items = flatten(request.hooks.hub_navigation(request=request, menu="main"))
    assert "greetings.index" in [item.route for item in items]


def test_personal_data_is_exported_and_erased(hook_request, users, add_entry, dbsession):
    from hub_greetings.models import Entry

    entry = add_entry("Mine", author=users.member)
    add_entry("Someone else's", author=users.staff)
    request = hook_request(users.member)
    sections = {}
    for result in request.hooks.hub_personal_data_export(request=request, user=users.member):
        sections.update(result or {})
    assert [e["text"] for e in sections["Entries written"]] == ["Mine"]
    request.hooks.hub_personal_data_erase(request=request, user=users.member)
    dbsession.expire_all()
    assert dbsession.get(Entry, entry.id).author_id is None
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Entry)
                            .where(Entry.author_id.is_not(None))) == 1


def test_the_migration_creates_what_the_models_describe(migration_registry):
    from hub import migrate
    from hub.db import Base

    registry = migration_registry("greetings")
    engine = registry["hub.dbengine"]
    assert migrate.upgrade(registry) == ["core", "greetings"]
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(context, Base.metadata)
                if "greetings_entry" in repr(d)]
    assert diff == []
