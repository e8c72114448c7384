"""The migration f2b7d9e4c6a1: memberships gain a state (existing ones stay active), and
disease areas chosen without an explicit consent are deleted, their owners told."""
import sqlalchemy as sa

from hub import migrate
from hub.db import utcnow

BEFORE, AFTER = "e9f4b2d6a813", "f2b7d9e4c6a1"


def _insert(conn, sql, **values):
    return conn.execute(sa.text(sql), values).scalar()


def test_memberships_stay_active_and_unconsented_disease_areas_go(migration_registry):
    registry = migration_registry()
    engine = registry["hub.dbengine"]
    migrate.upgrade(registry, BEFORE, branch="core")
    now = utcnow()
    with engine.begin() as conn:
        users = {}
        for email, language in (("cs@example.org", "cs"), ("en@example.org", "en"),
                                ("themes@example.org", "cs")):
            users[email] = _insert(
                conn, 'INSERT INTO "user" (email, name, role, language, is_active, created_at) '
                "VALUES (:email, :email, 'member', :language, :yes, :now) RETURNING id",
                email=email, language=language, yes=True, now=now)
        org = _insert(conn, "INSERT INTO organisation (name, slug, kind, description, website, "
                      "email, region, created_at) VALUES ('Spolek', 'spolek', "
                      "'patient_organisation', '', '', '', '', :now) RETURNING id", now=now)
        for user_id in users.values():
            conn.execute(sa.text(
                "INSERT INTO membership (organisation_id, user_id, is_representative, "
                "created_at) VALUES (:org, :user, :no, :now)"),
                {"org": org, "user": user_id, "no": False, "now": now})
        topics = {}
        for slug, kind in (("diabetes", "disease"), ("legislation", "theme")):
            topics[slug] = _insert(
                conn, "INSERT INTO topic (slug, name_cs, name_en, kind, position, is_active) "
                "VALUES (:slug, :slug, :slug, :kind, 0, :yes) RETURNING id",
                slug=slug, kind=kind, yes=True)
        for email, slugs in (("cs@example.org", ("diabetes", "legislation")),
                             ("en@example.org", ("diabetes",)),
                             ("themes@example.org", ("legislation",))):
            for slug in slugs:
                conn.execute(sa.text("INSERT INTO user_topic (user_id, topic_id) "
                                     "VALUES (:user, :topic)"),
                             {"user": users[email], "topic": topics[slug]})
    migrate.upgrade(registry, AFTER, branch="core")
    with engine.connect() as conn:
        states = conn.execute(sa.text("SELECT state, user_id FROM membership")).all()
        left = conn.execute(sa.text("SELECT user_id, topic_id FROM user_topic")).all()
        told = dict(conn.execute(sa.text(
            "SELECT user_id, subject FROM notification "
            "WHERE kind = 'hub.topics.disease_areas_reset'")).all())
        ledger = conn.execute(sa.text("SELECT count(*) FROM consent_record")).scalar()
    assert sorted(states) == sorted(("active", u) for u in users.values())
    assert sorted(left) == sorted([(users["cs@example.org"], topics["legislation"]),
                                   (users["themes@example.org"], topics["legislation"])])
    assert set(told) == {users["cs@example.org"], users["en@example.org"]}
    assert told[users["cs@example.org"]].startswith("Vyberte prosím znovu")
    assert told[users["en@example.org"]].startswith("Please choose")
    assert ledger == 0  # no consent is invented for the old memberships

    migrate.downgrade(registry, "core", BEFORE)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM membership")).scalar() == 3
