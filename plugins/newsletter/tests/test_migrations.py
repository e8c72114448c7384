"""The migration of list subscriptions into the core's consent ledger."""
import sqlalchemy as sa

from hub import migrate

BEFORE = "5d1a7c3e9b20"


def test_subscriptions_become_ledger_records_and_requests_stay(migration_registry):
    registry = migration_registry("newsletter")
    engine = registry["hub.dbengine"]
    try:
        migrate.upgrade(registry, branch="core")
        migrate.upgrade(registry, BEFORE, branch="newsletter")
        with engine.begin() as conn:
            run = lambda sql, **kw: conn.execute(sa.text(sql), kw)  # noqa: E731
            run("INSERT INTO newsletter_list (id, slug, name, description, is_public, "
                "consent_text, consent_version, created_at) VALUES (1, 'novinky', 'Novinky', "
                "'', true, 'Souhlasím s novinkami.', 2, :t)", t="2026-01-01 00:00:00")
            for i, email in enumerate(("a@example.cz", "b@example.cz", "c@example.cz",
                                       "d@example.cz"), start=1):
                run("INSERT INTO newsletter_subscriber (id, email, name, first_name, "
                    "last_name, language, token, soft_bounces, created_at) VALUES (:i, :e, '', "
                    "'', '', 'cs', :k, 0, :t)", i=i, e=email, k=f"token{i}",
                    t="2026-01-01 00:00:00")
            row = ("INSERT INTO newsletter_subscription (list_id, subscriber_id, status, "
                   "confirm_token, requested_at, consent_at, consent_ip, consent_text_version, "
                   "consent_source, unsubscribed_at) VALUES (1, :s, :st, :tok, :t, :c, "
                   "'192.0.2.1', :v, :src, :u)")
            run(row, s=1, st="confirmed", tok=None, t="2026-02-01 00:00:00",
                c="2026-02-02 00:00:00", v=2, src="newsletter-form", u=None)
            run(row, s=2, st="unsubscribed", tok=None, t="2026-02-01 00:00:00",
                c="2026-02-02 00:00:00", v=1, src="account", u="2026-03-01 00:00:00")
            run(row, s=3, st="pending", tok="confirm-me", t="2026-02-01 00:00:00", c=None,
                v=None, src="", u=None)
            run(row, s=4, st="unsubscribed", tok=None, t="2026-02-01 00:00:00", c=None,
                v=None, src="", u="2026-03-01 00:00:00")
        migrate.upgrade(registry, branch="newsletter")
        with engine.connect() as conn:
            records = conn.execute(sa.text(
                "SELECT email, object, action, source, text_version FROM consent_record "
                "ORDER BY id")).all()
            texts = dict(conn.execute(sa.text(
                "SELECT version, text_cs FROM consent_text "
                "WHERE purpose = 'newsletter.list'")).all())
            requests = conn.execute(sa.text(
                "SELECT subscriber_id, confirm_token FROM newsletter_subscription")).all()
        assert [r[:4] for r in records] == [
            ("a@example.cz", "list:1", "given", "double_opt_in"),
            ("b@example.cz", "list:1", "given", "form"),
            ("b@example.cz", "list:1", "withdrawn", "migration")]
        assert texts[records[0].text_version] == "Souhlasím s novinkami."
        assert "nedochovalo" in texts[records[1].text_version]
        assert requests == [(3, "confirm-me")]
        migrate.downgrade(registry, "newsletter", BEFORE)
        with engine.connect() as conn:
            restored = conn.execute(sa.text(
                "SELECT subscriber_id, status FROM newsletter_subscription "
                "ORDER BY subscriber_id")).all()
        assert restored == [(1, "confirmed"), (3, "pending")]
    finally:
        engine.dispose()


def test_templates_and_english_versions_round_trip(migration_registry):
    before = "c9e4a2b7d1f8"
    registry = migration_registry("newsletter")
    engine = registry["hub.dbengine"]
    try:
        migrate.upgrade(registry, branch="core")
        migrate.upgrade(registry, before, branch="newsletter")
        with engine.begin() as conn:
            for i, (language, layout) in enumerate((("cs", "gov"), ("en", "plain")), start=1):
                conn.execute(sa.text(
                    "INSERT INTO newsletter_campaign (id, kind, status, subject, preheader, "
                    "body, language, salutation, layout, audiences, event_title, event_url, "
                    "in_archive, error, created_at, unsubscribes, track, track_key, opens, "
                    "clicks) VALUES (:i, 'newsletter', 'draft', :s, 'P', 'Text', :l, "
                    "'formal', :lay, '[]', '', '', true, '', :t, 0, false, '', 0, 0)"),
                    {"i": i, "s": f"Předmět {i}", "l": language, "lay": layout,
                     "t": "2026-01-01 00:00:00"})
        migrate.upgrade(registry, branch="newsletter")
        with engine.connect() as conn:
            templates = dict(conn.execute(sa.text(
                "SELECT layout, id FROM newsletter_template")).all())
            defaults = conn.execute(sa.text(
                "SELECT layout FROM newsletter_template WHERE is_default")).scalars().all()
            campaigns = conn.execute(sa.text(
                "SELECT id, template_id, subject_en, body_en FROM newsletter_campaign "
                "ORDER BY id")).all()
        assert set(templates) == {"gov", "light", "plain"} and defaults == ["gov"]
        assert campaigns == [(1, templates["gov"], "", ""),
                             (2, templates["plain"], "Předmět 2", "Text")]
        # One default at most: the database refuses a second one.
        with engine.connect() as conn, conn.begin():
            try:
                conn.execute(sa.text("UPDATE newsletter_template SET is_default = true"))
            except sa.exc.IntegrityError:
                pass
            else:
                raise AssertionError("a second default template was accepted")
        migrate.downgrade(registry, "newsletter", before)
        with engine.connect() as conn:
            restored = conn.execute(sa.text(
                "SELECT id, language, layout FROM newsletter_campaign ORDER BY id")).all()
        assert restored == [(1, "cs", "gov"), (2, "en", "plain")]
    finally:
        engine.dispose()
