"""events use the core's shared topics; stakeholder types an event is meant for

Revision ID: c41e7a9d2b10
Revises: 9062c0f66bd9
Create Date: 2026-11-23 14:30:00

The free-text ``topic`` of each event becomes a link to a topic of the core's taxonomy:
matched by slug, Czech or English name (case-insensitive); a text that matches none
becomes a new topic (so nothing entered is lost; staff can rename or merge it later).
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = 'c41e7a9d2b10'
down_revision = '9062c0f66bd9'
branch_labels = None
depends_on = None

topic = sa.table("topic", sa.column("id", sa.Integer), sa.column("slug", sa.String),
                 sa.column("name_cs", sa.String), sa.column("name_en", sa.String),
                 sa.column("kind", sa.String), sa.column("position", sa.Integer),
                 sa.column("is_active", sa.Boolean))
event = sa.table("events_event", sa.column("id", sa.Integer), sa.column("topic", sa.String))
event_topic = sa.table("events_event_topic", sa.column("event_id", sa.Integer),
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
        'events_event_topic',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events_event.id'],
                                name=op.f('fk_events_event_topic_event_id_events_event'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['topic_id'], ['topic.id'],
                                name=op.f('fk_events_event_topic_topic_id_topic'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', 'topic_id', name=op.f('pk_events_event_topic')))
    op.create_index(op.f('ix_events_event_topic_topic_id'), 'events_event_topic', ['topic_id'],
                    unique=False)
    bind = op.get_bind()
    rows = bind.execute(sa.select(event.c.id, event.c.topic)
                        .where(sa.func.trim(event.c.topic) != "")).all()
    ids = _topic_ids(bind, sorted({text for _id, text in rows}))
    if rows:
        bind.execute(event_topic.insert(),
                     [{"event_id": event_id, "topic_id": ids[text]} for event_id, text in rows])
    # Plain ALTER TABLE, also on SQLite (3.35+): a batch "copy and move" would drop the
    # table, and its registrations, talks and feedback with it (ON DELETE CASCADE).
    op.add_column('events_event', sa.Column('stakeholders', sa.JSON(), server_default='[]',
                                            nullable=False))
    op.drop_index(op.f('ix_events_event_topic'), table_name='events_event')
    op.drop_column('events_event', 'topic')


def downgrade():
    op.add_column('events_event', sa.Column('topic', sa.String(length=100), server_default='',
                                            nullable=False))
    op.create_index(op.f('ix_events_event_topic'), 'events_event', ['topic'], unique=False)
    op.drop_column('events_event', 'stakeholders')
    bind = op.get_bind()
    first = {}
    for event_id, name in bind.execute(
            sa.select(event_topic.c.event_id, topic.c.name_cs)
            .join(topic, topic.c.id == event_topic.c.topic_id)
            .order_by(topic.c.position.desc())):
        first[event_id] = name
    for event_id, name in first.items():
        bind.execute(event.update().where(event.c.id == event_id).values(topic=name[:100]))
    op.drop_table('events_event_topic')
