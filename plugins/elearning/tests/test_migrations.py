"""The migration to the core's topics keeps what organisers entered."""
import os

import pytest
import sqlalchemy as sa
from alembic import command

from hub import migrate
from hub.app import make_config
from hub.db import make_engine
from hub.testing import _postgres_database

BEFORE = "2f76c76492e1"  # the last revision with a free-text topic


@pytest.fixture
def empty_registry(base_settings, tmp_path):
    base = os.environ.get("HUB_TEST_DATABASE_URL")
    if base:
        url, drop = _postgres_database(base)
    else:
        url, drop = f"sqlite:///{tmp_path / 'migrate.sqlite'}", None
    engine = make_engine(url)
    config = make_config({**base_settings, "sqlalchemy.url": url, "hub.dbengine": engine,
                          "hub.plugins": "elearning"})
    yield config.registry
    engine.dispose()
    if drop:
        drop()


def _run(registry, branch, action, revision):
    location = dict(migrate.branches(registry))[branch]
    cfg = migrate.alembic_config(registry["hub.dbengine"], branch, location,
                                 frozenset(registry["hub.plugins"]))
    getattr(command, action)(cfg, revision)


def test_free_text_topics_become_shared_topics_and_back(empty_registry):
    registry = empty_registry
    _run(registry, "core", "upgrade", "heads")
    _run(registry, "elearning", "upgrade", BEFORE)
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
    _run(registry, "elearning", "upgrade", "heads")
    with engine.connect() as conn:
        # the courses' sections survive the change of the courses table
        assert conn.execute(sa.text("SELECT count(*) FROM elearning_section")).scalar() == 3
        rows = conn.execute(sa.text(
            "SELECT c.slug, t.slug, t.name_en FROM elearning_course c "
            "JOIN elearning_course_topic ct ON ct.course_id = c.id "
            "JOIN topic t ON t.id = ct.topic_id ORDER BY c.slug")).all()
    assert [tuple(r) for r in rows] == [("a", "legislation", "Legislation"),
                                        ("b", "rizeni-organizace", "Řízení organizace")]
    _run(registry, "elearning", "downgrade", BEFORE)
    with engine.connect() as conn:
        topics = dict(conn.execute(sa.text("SELECT slug, topic FROM elearning_course")).all())
    assert topics == {"a": "Legislativa", "b": "Řízení organizace", "c": ""}
