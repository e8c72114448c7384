"""courses use the core's shared topics

Revision ID: 5d2b8e1f7a34
Revises: 2f76c76492e1
Create Date: 2026-11-23 14:30:00

The free-text ``topic`` of each course becomes a link to a topic of the core's taxonomy:
matched by slug, Czech or English name (case-insensitive); a text that matches none
becomes a new topic (so nothing entered is lost; staff can rename or merge it later).
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '5d2b8e1f7a34'
down_revision = '2f76c76492e1'
branch_labels = None
depends_on = None

topic = sa.table("topic", sa.column("id", sa.Integer), sa.column("slug", sa.String),
                 sa.column("name_cs", sa.String), sa.column("name_en", sa.String),
                 sa.column("kind", sa.String), sa.column("position", sa.Integer),
                 sa.column("is_active", sa.Boolean))
course = sa.table("elearning_course", sa.column("id", sa.Integer),
                  sa.column("topic", sa.String))
course_topic = sa.table("elearning_course_topic", sa.column("course_id", sa.Integer),
                        sa.column("topic_id", sa.Integer))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:50] or "topic"


def _topic_ids(bind, texts) -> dict:
    """Topic id for each text, creating the topics that do not exist yet."""
    known: dict = {}
    slugs = set()
    position = 0
    for tid, slug, name_cs, name_en, pos in bind.execute(sa.select(
            topic.c.id, topic.c.slug, topic.c.name_cs, topic.c.name_en, topic.c.position)):
        slugs.add(slug)
        position = max(position, pos or 0)
        for key in (slug, name_cs, name_en):
            known.setdefault(key.strip().lower(), tid)
    result = {}
    for text in texts:
        key = text.strip().lower()
        if key not in known:
            base = slug = _slug(text)
            n = 2
            while slug in slugs:
                slug, n = f"{base}-{n}", n + 1
            slugs.add(slug)
            position += 10
            bind.execute(topic.insert().values(slug=slug, name_cs=text.strip()[:120],
                                               name_en=text.strip()[:120], kind="theme",
                                               position=position, is_active=True))
            known[key] = bind.scalar(sa.select(topic.c.id).where(topic.c.slug == slug))
        result[text] = known[key]
    return result


def upgrade():
    op.create_table(
        'elearning_course_topic',
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['elearning_course.id'],
                                name=op.f('fk_elearning_course_topic_course_id_elearning_course'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['topic_id'], ['topic.id'],
                                name=op.f('fk_elearning_course_topic_topic_id_topic'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('course_id', 'topic_id', name=op.f('pk_elearning_course_topic')))
    op.create_index(op.f('ix_elearning_course_topic_topic_id'), 'elearning_course_topic',
                    ['topic_id'], unique=False)
    bind = op.get_bind()
    rows = bind.execute(sa.select(course.c.id, course.c.topic)
                        .where(sa.func.trim(course.c.topic) != "")).all()
    ids = _topic_ids(bind, sorted({text for _id, text in rows}))
    if rows:
        bind.execute(course_topic.insert(),
                     [{"course_id": course_id, "topic_id": ids[text]}
                      for course_id, text in rows])
    # Plain ALTER TABLE, also on SQLite (3.35+): a batch "copy and move" would drop the
    # table, and its sections, lessons and learners' progress with it (ON DELETE CASCADE).
    op.drop_column('elearning_course', 'topic')


def downgrade():
    op.add_column('elearning_course', sa.Column('topic', sa.String(length=100),
                                                server_default='', nullable=False))
    bind = op.get_bind()
    first = {}
    for course_id, name in bind.execute(
            sa.select(course_topic.c.course_id, topic.c.name_cs)
            .join(topic, topic.c.id == course_topic.c.topic_id)
            .order_by(topic.c.position.desc())):
        first[course_id] = name
    for course_id, name in first.items():
        bind.execute(course.update().where(course.c.id == course_id).values(topic=name[:100]))
    op.drop_table('elearning_course_topic')
