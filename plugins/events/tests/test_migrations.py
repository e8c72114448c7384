"""The migration to the core's topics keeps what organisers entered."""

import pytest
import sqlalchemy as sa

from hub import migrate

BEFORE = "9062c0f66bd9"  # the last revision with a free-text topic


@pytest.fixture
def empty_registry(migration_registry):
    return migration_registry("events")


def test_free_text_topics_become_shared_topics_and_back(empty_registry):
    from hub.topics.demo import DEMO_TOPICS

    registry = empty_registry
    migrate.upgrade(registry, branch="core")
    migrate.upgrade(registry, BEFORE, branch="events")
    engine = registry["hub.dbengine"]
    columns = ("title, kind, venue, starts_at, ends_at, taken, topic, audience, state, "
               "summary, description, speakers, address, accessibility, accessibility_note, "
               "online_url, approval_required, questions, privacy_notice, video_url, "
               "embed_url, captions_url, transcript, materials, recording_published, "
               "created_at")
    with engine.begin() as conn:
        for slug, name_cs, name_en, kind in DEMO_TOPICS[:3]:
            conn.execute(sa.text("INSERT INTO topic (slug, name_cs, name_en, kind, position, "
                                 "is_active) VALUES (:s, :c, :e, :k, 1, :a)"),
                         {"s": slug, "c": name_cs, "e": name_en, "k": kind, "a": True})
        for title, topic in (("A", "diabetes"), ("B", "Vzácná onemocnění"),
                             ("C", " Roztroušená skleróza "), ("D", "roztroušená skleróza"),
                             ("E", "")):
            conn.execute(sa.text(
                f"INSERT INTO events_event ({columns}) VALUES (:t, 'lecture', 'online', "
                "'2030-01-01 10:00:00', '2030-01-01 12:00:00', 0, :topic, 'public', "
                "'published', '', '', '', '', '[]', '', '', :f, '', '', '', '', '', '', '', "
                ":f, '2026-01-01 10:00:00')"), {"t": title, "topic": topic, "f": False})
        conn.execute(sa.text(
            "INSERT INTO events_talk (event_id, title, speaker, starts_at, ends_at, "
            "do_not_record, speaker_consent, video_url, slides_url) SELECT id, 'Talk', '', "
            "starts_at, ends_at, :f, :f, '', '' FROM events_event"), {"f": False})
    migrate.upgrade(registry, branch="events")
    with engine.connect() as conn:
        # the events' programme survives the change of the events table
        assert conn.execute(sa.text("SELECT count(*) FROM events_talk")).scalar() == 5
        rows = conn.execute(sa.text(
            "SELECT e.title, t.slug, t.name_cs FROM events_event e "
            "JOIN events_event_topic et ON et.event_id = e.id "
            "JOIN topic t ON t.id = et.topic_id ORDER BY e.title")).all()
        assert [(r[0], r[1]) for r in rows[:2]] == [("A", "diabetes"), ("B", "rare-diseases")]
        # an unknown text became one new topic, shared by both spellings
        assert rows[2][0] == "C" and rows[3][0] == "D" and rows[2][1] == rows[3][1] \
            == "roztrousena-skleroza" and rows[2][2] == "Roztroušená skleróza"
        assert len(rows) == 4
        assert conn.execute(sa.text("SELECT stakeholders FROM events_event")).scalars().all() \
            in (["[]"] * 5, [[]] * 5)
    migrate.downgrade(registry, "events", BEFORE)
    with engine.connect() as conn:
        topics = dict(conn.execute(sa.text("SELECT title, topic FROM events_event")).all())
    assert topics == {"A": "Diabetes", "B": "Vzácná onemocnění", "C": "Roztroušená skleróza",
                      "D": "Roztroušená skleróza", "E": ""}


def test_the_consent_checkbox_proves_nothing_and_published_recordings_wait(empty_registry):
    registry = empty_registry
    migrate.upgrade(registry, branch="core")
    migrate.upgrade(registry, "c41e7a9d2b10", branch="events")
    engine = registry["hub.dbengine"]
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO events_event (title, kind, venue, starts_at, ends_at, taken, audience, "
            "state, summary, description, speakers, address, accessibility, "
            "accessibility_note, online_url, approval_required, questions, privacy_notice, "
            "video_url, embed_url, captions_url, transcript, materials, recording_published, "
            "created_at, stakeholders) VALUES ('A', 'lecture', 'online', '2026-01-01 10:00:00', "
            "'2026-01-01 12:00:00', 0, 'public', 'published', '', '', '', '', '[]', '', '', "
            ":f, '', '', 'https://video.example.org/a', '', '', '', '', :t, "
            "'2026-01-01 10:00:00', '[]')"), {"f": False, "t": True})
        conn.execute(sa.text(
            "INSERT INTO events_talk (event_id, title, speaker, starts_at, ends_at, "
            "do_not_record, speaker_consent, video_url, slides_url) SELECT id, 'Talk', 'Jana', "
            "starts_at, ends_at, :f, :t, 'https://video.example.org/t', '' FROM events_event"),
            {"f": False, "t": True})
        conn.execute(sa.text(
            "INSERT INTO events_registration (event_id, email, name, language, status, answer, "
            "needs_sign_language, needs_assistant, needs_step_free, needs_note, access_key, "
            "attended, reminded, followed_up, created_at, updated_at) SELECT id, "
            "'a@example.org', 'A', 'cs', 'confirmed', '', :t, :f, :f, 'Rampa', 'k', :f, :f, :f, "
            "created_at, created_at FROM events_event"), {"f": False, "t": True})
    migrate.upgrade(registry, branch="events")
    with engine.connect() as conn:
        # needs collected without a provable explicit consent are erased, none recorded
        assert conn.execute(sa.text(
            "SELECT needs_sign_language, needs_note FROM events_registration")).one() == (
            False, "")
        published, video = conn.execute(sa.text(
            "SELECT recording_published, video_url FROM events_event")).one()
        assert not published and video == "https://video.example.org/a"
        assert conn.execute(sa.text(
            "SELECT speaker_email, video_url FROM events_talk")).one() == (
            "", "https://video.example.org/t")
        assert conn.execute(sa.text("SELECT count(*) FROM consent_record")).scalar() == 0
    migrate.downgrade(registry, "events", "c41e7a9d2b10")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT speaker_consent FROM events_talk")).scalar()
