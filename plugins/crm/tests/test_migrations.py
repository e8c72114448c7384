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


def test_consent_rows_move_into_the_ledger_and_come_back(base_settings, empty_database):
    registry = registry_for(base_settings, empty_database)
    engine = registry["hub.dbengine"]
    try:
        migrate.upgrade(registry, branch="core")
        migrate.upgrade(registry, "5b8e1f0c2d47", branch="crm")
        with engine.begin() as conn:
            run = lambda sql, **kw: conn.execute(sa.text(sql), kw)  # noqa: E731
            run("INSERT INTO \"user\" (id, email, name, role, language, is_active, "
                "created_at) VALUES (7, 'eva@example.cz', 'Eva', 'member', 'cs', true, :t)",
                t="2026-01-01 00:00:00")
            for cid, email, user_id in ((1, "jana@example.cz", None),
                                        (2, "eva@example.cz", 7), (3, "petr@example.cz", None)):
                run("INSERT INTO crm_contact (id, kind, first_name, last_name, name, email, "
                    "phone, language, stakeholder_type, region, directory_opt_in, restricted, "
                    "user_id, created_at, updated_at, last_activity_at) VALUES (:i, 'person', "
                    "'', '', 'X', :e, '', 'cs', 'patient', '', false, false, :u, :t, :t, :t)",
                    i=cid, e=email, u=user_id, t="2026-01-01 00:00:00")
            event = ("INSERT INTO crm_consent_event (contact_id, purpose, granted, at, source, "
                     "text_version, text_hash) VALUES (:c, :p, :g, :t, :s, '2026-11', 'h')")
            run(event, c=1, p="newsletter", g=True, t="2026-02-01 00:00:00", s="preferences")
            run(event, c=1, p="newsletter", g=False, t="2026-03-01 00:00:00",
                s="staff: telefonát")
            run(event, c=2, p="research", g=True, t="2026-02-01 00:00:00", s="api: formulář")
            current = ("INSERT INTO crm_consent (contact_id, purpose, granted, changed_at, "
                       "source, text_version) VALUES (:c, :p, :g, :t, :s, '2026-11')")
            run(current, c=1, p="newsletter", g=False, t="2026-03-01 00:00:00", s="x")
            run(current, c=2, p="research", g=True, t="2026-02-01 00:00:00", s="x")
            run(current, c=3, p="event_invitations", g=True, t="2026-02-05 00:00:00",
                s="staff: merged")
        migrate.upgrade(registry, branch="crm")
        with engine.connect() as conn:
            records = conn.execute(sa.text(
                "SELECT subject_key, purpose, action, source, note, text_version "
                "FROM consent_record ORDER BY at, id")).all()
            texts = dict(conn.execute(sa.text(
                "SELECT purpose, text_en FROM consent_text WHERE purpose LIKE 'crm.%'")).all())
            tables = set(sa.inspect(conn).get_table_names())
        assert [r[:4] for r in records] == [
            ("contact:crm:1", "crm.newsletter", "given", "form"),
            ("user:7", "crm.research", "given", "staff"),
            ("contact:crm:3", "crm.event_invitations", "given", "staff"),
            ("contact:crm:1", "crm.newsletter", "withdrawn", "staff")]
        assert records[3].note.startswith("telefonát (From crm_consent_event #2")
        assert records[1].note.startswith("API: formulář")
        assert "no event recorded" in records[2].note
        assert texts["crm.newsletter"] == "I want to receive the hub's newsletter by e-mail."
        assert "crm_consent" not in tables and "crm_consent_event" not in tables
        migrate.downgrade(registry, "crm", "5b8e1f0c2d47")
        with engine.connect() as conn:
            restored = conn.execute(sa.text(
                "SELECT contact_id, purpose, granted FROM crm_consent "
                "ORDER BY contact_id")).all()
        assert [tuple(r) for r in restored] == [(1, "newsletter", False), (2, "research", True),
                                               (3, "event_invitations", True)]
    finally:
        engine.dispose()


def test_directory_opt_ins_become_the_fields_their_wording_covered(base_settings,
                                                                   empty_database):
    registry = registry_for(base_settings, empty_database)
    engine = registry["hub.dbengine"]
    try:
        migrate.upgrade(registry, branch="core")
        migrate.upgrade(registry, "a7c2e9d41f36", branch="crm")
        with engine.begin() as conn:
            run = lambda sql, **kw: conn.execute(sa.text(sql), kw)  # noqa: E731
            for cid, opt_in in ((1, True), (2, True), (3, True), (4, False)):
                run("INSERT INTO crm_contact (id, kind, first_name, last_name, name, email, "
                    "phone, language, stakeholder_type, region, directory_opt_in, restricted, "
                    "created_at, updated_at, last_activity_at) VALUES (:i, 'person', '', '', "
                    "'X', :e, '', 'cs', 'patient', '', :o, false, :t, :t, :t)",
                    i=cid, e=f"c{cid}@example.cz", o=opt_in, t="2026-01-01 00:00:00")
            entry = ("INSERT INTO crm_audit (at, contact_id, action, detail) "
                     "VALUES (:t, :c, :a, '')")
            run(entry, t="2026-02-01 00:00:00", c=1, a="directory.opt_in")  # the person
            run(entry, t="2026-02-01 00:00:00", c=3, a="directory.opt_in")
            run(entry, t="2026-03-01 00:00:00", c=3, a="directory.opt_out")
            run(entry, t="2026-03-02 00:00:00", c=3, a="directory.opt_in")
            # Contact 2 was ticked by staff: no record of the person's own choice.
            run(entry, t="2026-02-01 00:00:00", c=2, a="contact.updated")
        migrate.upgrade(registry, branch="crm")
        with engine.connect() as conn:
            records = conn.execute(sa.text(
                "SELECT subject_key, object, action, source, at FROM consent_record "
                "WHERE purpose = 'crm.directory' ORDER BY subject_key, object")).all()
            wording = conn.execute(sa.text(
                "SELECT text_en FROM consent_text WHERE purpose = 'crm.directory'")).scalar()
            columns = {c["name"] for c in sa.inspect(conn).get_columns("crm_contact")}
        assert [r[:4] for r in records] == [
            ("contact:crm:1", f"field:{f}", "given", "form")
            for f in ("name", "region", "stakeholder_type")] + [
            ("contact:crm:3", f"field:{f}", "given", "form")
            for f in ("name", "region", "stakeholder_type")]
        assert wording == "List my name, type and region in the public directory"
        assert "directory_opt_in" not in columns
        migrate.downgrade(registry, "crm", "a7c2e9d41f36")
        with engine.connect() as conn:
            listed = conn.execute(sa.text(
                "SELECT id FROM crm_contact WHERE directory_opt_in ORDER BY id")).scalars().all()
        assert listed == [1, 3]
    finally:
        engine.dispose()
