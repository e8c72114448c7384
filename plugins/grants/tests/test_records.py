"""Migration matches the models; demo data; personal data export and erasure."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hub import migrate
from hub.db import Base


def test_migration_gives_the_models(migration_registry):
    registry = migration_registry("grants")
    engine = registry["hub.dbengine"]
    # Core then grants in one go: the search index is refreshed once every table exists.
    migrate.upgrade(registry)
    grants = sa.MetaData(naming_convention=Base.metadata.naming_convention)
    for name, table in Base.metadata.tables.items():
        if name.startswith("grants_") or name in ("user", "organisation"):
            table.to_metadata(grants)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={
            "include_object": lambda o, n, t, r, c: t != "table" or n.startswith("grants_")}),
            grants)
    assert [d for d in diff if "grants_" in repr(d)] == []
    migrate.downgrade(registry, "grants", "base")
    engine.dispose()


def test_demo_data_is_idempotent(dbsession, hub_request):
    from hub.demo import core_demo_data
    from hub_grants.demo import demo_data
    from hub_grants.models import Application, Call

    core_demo_data(dbsession, 1)
    demo_data(dbsession, hub_request.registry)
    demo_data(dbsession, hub_request.registry)
    calls = dbsession.scalars(sa.select(Call).where(Call.title_cs.like("Malé granty%"))).all()
    assert {c.title_cs[-4:] for c in calls} == {"2026", "2027"}
    states = set(dbsession.scalars(sa.select(Application.status)))
    assert {"approved", "draft"} <= states


def test_export_and_erase(dbsession, hub_request, users, make_call):
    from hub_grants.hooks import hub_personal_data_erase, hub_personal_data_export
    from hub_grants.models import Application

    call = make_call()
    application = Application(call_id=call.id, organisation_id=users.organisation.id,
                              applicant_id=users.representative.id, title="Kurz")
    dbsession.add(application)
    dbsession.flush()
    exported = hub_personal_data_export(hub_request, users.representative)
    assert [a["title"] for a in next(iter(exported.values()))] == ["Kurz"]
    hub_personal_data_erase(hub_request, users.representative)
    dbsession.refresh(application)
    assert application.applicant_id is None and application.title == "Kurz"
