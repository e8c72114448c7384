"""The migration to the core's topics keeps what organisers entered."""

import pytest
import sqlalchemy as sa

from hub import migrate

BEFORE = "2f76c76492e1"  # the last revision with a free-text topic


@pytest.fixture
def empty_registry(migration_registry):
    return migration_registry("elearning")


def test_free_text_topics_become_shared_topics_and_back(empty_registry):
    registry = empty_registry
    migrate.upgrade(registry, branch="core")
    migrate.upgrade(registry, BEFORE, branch="elearning")
    engine = registry["hub.dbengine"]
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO topic (slug, name_cs, name_en, kind, position, "
                             "is_active) VALUES ('legislation', 'Legislativa', 'Legislation', "
                             "'theme', 1, :a)"), {"a": True})
        for slug, topic in (("a", "Legislation"), ("b", "Řízení organizace"), ("c", "")):
            conn.execute(sa.text(
                "INSERT INTO elearning_course (slug, title, summary, description, topic, level, "
                "language, duration_minutes, visibility, link_token, completion_rule, "
                "is_published, created_at, updated_at) VALUES (:s, :s, '', '', :t, "
                "'beginner', 'cs', 0, 'public', :s, 'all_lessons', :p, '2026-01-01 10:00:00', "
                "'2026-01-01 10:00:00')"), {"s": slug, "t": topic, "p": True})
        conn.execute(sa.text("INSERT INTO elearning_section (course_id, title, position) "
                             "SELECT id, 'Úvod', 1 FROM elearning_course"))
    migrate.upgrade(registry, branch="elearning")
    with engine.connect() as conn:
        # the courses' sections survive the change of the courses table
        assert conn.execute(sa.text("SELECT count(*) FROM elearning_section")).scalar() == 3
        rows = conn.execute(sa.text(
            "SELECT c.slug, t.slug, t.name_en FROM elearning_course c "
            "JOIN elearning_course_topic ct ON ct.course_id = c.id "
            "JOIN topic t ON t.id = ct.topic_id ORDER BY c.slug")).all()
    assert [tuple(r) for r in rows] == [("a", "legislation", "Legislation"),
                                        ("b", "rizeni-organizace", "Řízení organizace")]
    migrate.downgrade(registry, "elearning", BEFORE)
    with engine.connect() as conn:
        topics = dict(conn.execute(sa.text("SELECT slug, topic FROM elearning_course")).all())
    assert topics == {"a": "Legislativa", "b": "Řízení organizace", "c": ""}


POLICY_BEFORE = "005b00627aea"  # the last revision without review policies and rounds


def test_rounds_of_attempts_and_durations_from_lessons_and_back(empty_registry):
    registry = empty_registry
    migrate.upgrade(registry, "head", branch="core")
    migrate.upgrade(registry, POLICY_BEFORE, branch="elearning")
    engine = registry["hub.dbengine"]
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO \"user\" (email, name, password_hash, role, language, is_active, "
            "created_at) VALUES ('a@example.org', 'A', '', 'member', 'cs', :t, "
            "'2026-01-01 10:00:00')"), {"t": True})
        conn.execute(sa.text(
            "INSERT INTO elearning_course (slug, title, summary, description, level, language, "
            "duration_minutes, visibility, link_token, completion_rule, is_published, "
            "created_at, updated_at) VALUES ('k', 'K', '', '', 'beginner', 'cs', 90, 'public', "
            "'t', 'all_lessons', :p, '2026-01-01 10:00:00', '2026-01-01 10:00:00')"),
            {"p": True})
        conn.execute(sa.text("INSERT INTO elearning_section (course_id, title, position) "
                             "SELECT id, 'Úvod', 1 FROM elearning_course"))
        for title, minutes, published in (("a", 10, True), ("b", 25, True), ("c", 40, False)):
            conn.execute(sa.text(
                "INSERT INTO elearning_lesson (course_id, section_id, kind, title, position, "
                "is_published, is_preview, duration_minutes, body, video_url, embed_url, "
                "file_key, file_name, file_type, captions_vtt, captions_url, "
                "captions_language, transcript, pass_mark, max_attempts, source_event_id) "
                "SELECT c.id, s.id, 'quiz', :t, 1, :p, :n, :m, '', '', '', '', '', '', '', '', "
                "'cs', '', 60, 1, '' FROM elearning_course c JOIN elearning_section s "
                "ON s.course_id = c.id"), {"t": title, "p": published, "n": False, "m": minutes})
        conn.execute(sa.text(
            "INSERT INTO elearning_quiz_attempt (user_id, lesson_id, number, score, passed, "
            "answers, submitted_at) SELECT u.id, l.id, 1, 0, :f, '{}', '2026-01-01 10:00:00' "
            "FROM \"user\" u, elearning_lesson l WHERE l.title = 'a'"), {"f": False})
    migrate.upgrade(registry, "head", branch="elearning")
    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT duration_minutes FROM elearning_course")).scalar() \
            == 35
        assert conn.execute(sa.text("SELECT DISTINCT review_policy FROM elearning_lesson")) \
            .scalars().all() == ["after_last_attempt"]
        assert conn.execute(sa.text("SELECT round FROM elearning_quiz_attempt")).scalar() == 1
        # A second round may number its attempts from 1 again; the limit still holds.
        insert = sa.text(
            "INSERT INTO elearning_quiz_attempt (user_id, lesson_id, round, number, score, "
            "passed, answers, submitted_at) SELECT user_id, lesson_id, :r, :n, 0, passed, "
            "'{}', submitted_at FROM elearning_quiz_attempt WHERE number = 1 AND round = 1")
        conn.execute(insert, {"r": 2, "n": 1})
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
        conn.execute(insert, {"r": 3, "n": 2})  # above the quiz's one attempt
    migrate.downgrade(registry, "elearning", POLICY_BEFORE)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM elearning_quiz_attempt")).scalar() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM elearning_lesson")).scalar() == 3
