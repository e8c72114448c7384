"""The migration: weekly digest opt-ins become consents; history is protected from the start."""
import datetime as dt

import pytest
import sqlalchemy as sa

from hub import migrate
from hub.db import UTCDateTime
from hub.topics.digest import DIGEST_PURPOSE

BEFORE = "d5e8a1c3f702"  # the revision before the consent ledger

when = UTCDateTime(timezone=True)
USERS = sa.table("user", sa.column("id"), sa.column("email"), sa.column("name"),
                 sa.column("role"), sa.column("language"), sa.column("is_active"),
                 sa.column("created_at", when))
SUBSCRIPTIONS = sa.table("topic_digest_subscription", sa.column("user_id"),
                         sa.column("created_at", when))


def test_digest_opt_ins_become_consents_and_come_back_on_downgrade(migration_registry):
    registry = migration_registry()
    engine = registry["hub.dbengine"]
    try:
        migrate.upgrade(registry, BEFORE, branch="core")
        ticked = dt.datetime(2026, 10, 5, 8, 30, tzinfo=dt.UTC)
        with engine.begin() as conn:
            for user_id, email in ((1, "Reader@Example.org"), (2, "other@example.org")):
                conn.execute(USERS.insert().values(
                    id=user_id, email=email, name="Reader", role="member", language="cs",
                    is_active=True, created_at=ticked))
            conn.execute(SUBSCRIPTIONS.insert().values(user_id=1, created_at=ticked))

        migrate.upgrade(registry, branch="core")
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT subject_key, user_id, email, email_digest, purpose, action, source, "
                "text_version FROM consent_record")).all()
            text_en = conn.execute(sa.text("SELECT text_en FROM consent_text")).scalar_one()
        assert [(r.subject_key, r.user_id, r.email, r.purpose, r.action, r.source)
                for r in rows] == [("user:1", 1, None, DIGEST_PURPOSE.key, "given",
                                    "migration")]
        assert text_en.startswith("Send me a weekly e-mail with suggestions for me")
        assert rows[0].text_version != DIGEST_PURPOSE.text_version  # the words ticked then
        with pytest.raises(sa.exc.IntegrityError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM consent_record"))

        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM topic_digest_subscription"))
        migrate.downgrade(registry, "core", BEFORE)
        with engine.connect() as conn:
            assert conn.execute(sa.select(SUBSCRIPTIONS.c.user_id)).scalars().all() == [1]
            assert "consent_record" not in sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()
