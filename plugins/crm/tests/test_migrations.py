"""The migration from the plugin's own interest list to the core's shared topics."""

import sqlalchemy as sa

from hub import migrate
from hub.app import make_config
from hub.db import make_engine

BEFORE = "97ab3b978349"


def registry_for(base_settings, url):
    engine = make_engine(url)
    config = make_config({**base_settings, "sqlalchemy.url": url, "hub.dbengine": engine,
                          "hub.plugins": "crm"})
    return config.registry


def test_interests_become_topics_links_and_segments_follow(base_settings, empty_database):
    registry = registry_for(base_settings, empty_database)
    engine = registry["hub.dbengine"]
    try:
        migrate.upgrade(registry, branch="core")
        migrate.upgrade(registry, BEFORE, branch="crm")
        with engine.begin() as conn:
            run = lambda sql, **kw: conn.execute(sa.text(sql), kw)  # noqa: E731
            run("INSERT INTO topic (slug, name_cs, name_en, kind, position, is_active) "
                "VALUES ('diabetes', 'Cukrovka', 'Diabetes', 'disease', 10, true)")
            run("INSERT INTO crm_interest (id, name, kind) VALUES (1, 'diabetes', 'disease'), "
                "(2, 'Práva pacientů', 'topic'), (3, 'Vzácná onemocnění', 'disease')")
            run("INSERT INTO crm_contact (id, kind, first_name, last_name, name, phone, "
                "language, stakeholder_type, region, directory_opt_in, restricted, "
                "created_at, updated_at, last_activity_at) VALUES (1, 'person', 'Jana', "
                "'Nová', 'Jana Nová', '', 'cs', 'patient', '', false, false, :t, :t, :t)",
                t="2026-01-01 00:00:00")
            run("INSERT INTO crm_contact_interest (contact_id, interest_id) VALUES (1, 1), "
                "(1, 2)")
            run("INSERT INTO organisation (id, name, slug, kind, region, description, "
                "website, email, created_at) VALUES (1, 'Spolek', 'spolek', "
                "'patient_organisation', '', '', '', '', :t)", t="2026-01-01 00:00:00")
            run("INSERT INTO crm_organisation_interest (organisation_id, interest_id) "
                "VALUES (1, 3)")
            run("INSERT INTO crm_segment (id, name, purpose, match, conditions, created_at) "
                "VALUES (1, 'Diabetici', 'disease_information', 'all', :c, :t)",
                c='[{"kind": "interest", "value": "diabetes"}, '
                  '{"kind": "type", "value": "patient"}]', t="2026-01-01 00:00:00")
        migrate.upgrade(registry, branch="crm")
        with engine.connect() as conn:
            topics = {r.slug: r for r in conn.execute(sa.text(
                "SELECT id, slug, name_cs, name_en, kind FROM topic"))}
            # Matched by name (case-insensitive), or added to the taxonomy.
            assert set(topics) == {"diabetes", "prava-pacientu", "vzacna-onemocneni"}
            assert topics["prava-pacientu"].kind == "theme"
            assert topics["vzacna-onemocneni"].kind == "disease"
            assert topics["prava-pacientu"].name_cs == "Práva pacientů"
            links = set(conn.execute(sa.text("SELECT contact_id, topic_id FROM "
                                             "crm_contact_topic")).all())
            assert links == {(1, topics["diabetes"].id), (1, topics["prava-pacientu"].id)}
            assert conn.execute(sa.text("SELECT organisation_id, topic_id FROM "
                                        "crm_organisation_topic")).all() == [
                (1, topics["vzacna-onemocneni"].id)]
            conditions = conn.execute(sa.text(
                "SELECT conditions FROM crm_segment")).scalar_one()
            if isinstance(conditions, str):
                import json

                conditions = json.loads(conditions)
            assert conditions == [{"kind": "topic", "value": "diabetes"},
                                  {"kind": "type", "value": "patient"}]
            tables = set(sa.inspect(conn).get_table_names())
            assert "crm_interest" not in tables and "crm_contact_interest" not in tables
        # And back: the topics in use become interests again.
        migrate.downgrade(registry, "crm", BEFORE)
        with engine.connect() as conn:
            names = dict(conn.execute(sa.text("SELECT name, kind FROM crm_interest")).all())
            assert names == {"Cukrovka": "disease", "Práva pacientů": "topic",
                             "Vzácná onemocnění": "disease"}
            assert conn.execute(sa.text(
                "SELECT count(*) FROM crm_contact_interest")).scalar_one() == 2
    finally:
        engine.dispose()
