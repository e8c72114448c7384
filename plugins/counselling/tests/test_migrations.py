"""The CRM's enquiries move into counselling cases; without the CRM nothing is read."""
import pytest
import sqlalchemy as sa

from hub import migrate
from hub.app import make_config
from hub.db import make_engine

pytest.importorskip("hub_crm")

T = "2025-03-04 10:00:00"


def registry_for(base_settings, url, plugins):
    engine = make_engine(url)
    config = make_config({**base_settings, "sqlalchemy.url": url, "hub.dbengine": engine,
                          "hub.plugins": plugins})
    return config.registry


def test_enquiries_become_cases_with_references_of_their_year(base_settings, empty_database):
    registry = registry_for(base_settings, empty_database, "crm counselling")
    engine = registry["hub.dbengine"]
    try:
        migrate.upgrade(registry, branch="core")
        migrate.upgrade(registry, branch="crm")
        migrate.upgrade(registry, "57408f194081", branch="counselling")
        with engine.begin() as conn:
            run = lambda sql, **kw: conn.execute(sa.text(sql), kw)  # noqa: E731
            run("INSERT INTO crm_contact (id, kind, first_name, last_name, name, email, phone, "
                "language, stakeholder_type, region, restricted, created_at, updated_at, "
                "last_activity_at) VALUES (1, 'person', 'Jana', 'Nová', 'Jana Nová', "
                "'jana@example.org', '', 'en', 'patient', '', false, :t, :t, :t)", t=T)
            run("INSERT INTO crm_enquiry (id, contact_id, subject, message, status, created_at)"
                " VALUES (1, 1, 'Lázně', 'Mám nárok?', 'in_progress', :t), "
                "(2, 1, 'Granty', 'Jaké granty?', 'closed', :u)", t=T, u="2025-05-01 08:00:00")
            run("INSERT INTO counselling_sequence (year, last) VALUES (2025, 7)")
        migrate.upgrade(registry, branch="counselling")
        with engine.connect() as conn:
            cases = conn.execute(sa.text(
                "SELECT id, reference, status, email, name, language, closed_at "
                "FROM counselling_case ORDER BY reference")).all()
            assert [(c.reference, c.status, c.email, c.language) for c in cases] == [
                ("PH-2025-00008", "open", "jana@example.org", "en"),
                ("PH-2025-00009", "closed", "jana@example.org", "en")]
            assert cases[1].closed_at is not None and cases[0].closed_at is None
            bodies = conn.execute(sa.text(
                "SELECT body, direction, channel FROM counselling_message ORDER BY id")).all()
            assert [tuple(b) for b in bodies] == [("Mám nárok?", "in", "migration"),
                                                  ("Jaké granty?", "in", "migration")]
            assert conn.scalar(sa.text("SELECT count(*) FROM crm_enquiry")) == 0
            assert conn.scalar(sa.text(
                "SELECT last FROM counselling_sequence WHERE year = 2025")) == 9
    finally:
        engine.dispose()


def test_without_the_crm_the_migration_reads_nothing(base_settings, empty_database):
    registry = registry_for(base_settings, empty_database, "counselling")
    engine = registry["hub.dbengine"]
    try:
        migrate.upgrade(registry)
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM counselling_case")) == 0
            assert "crm_enquiry" not in sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()
