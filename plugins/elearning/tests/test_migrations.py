"""The migration to the core's topics keeps what organisers entered."""

import pytest
import sqlalchemy as sa

from hub import migrate
from hub.app import make_config
from hub.db import make_engine

BEFORE = "2f76c76492e1"  # the last revision with a free-text topic


@pytest.fixture
def empty_registry(base_settings, empty_database):
    engine = make_engine(empty_database)
    config = make_config({**base_settings, "sqlalchemy.url": empty_database,
                          "hub.dbengine": engine, "hub.plugins": "elearning"})
    yield config.registry
    engine.dispose()


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
