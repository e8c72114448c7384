"""crm: interests become topics of the shared taxonomy; typed custom fields; import jobs

Every CRM interest is matched to a topic of the core's taxonomy by its Czech or English
name (case-insensitive), or added to the taxonomy (disease areas stay disease areas,
other interests become themes). Links of contacts and organisations move to the new
tables, segment conditions "interest = <name>" become "topic = <slug>", and the plugin's
own interest list is dropped.

Revision ID: c41d7e2a9b10
Revises: 97ab3b978349
Create Date: 2026-11-23 14:30:00
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

import hub.db

revision = 'c41d7e2a9b10'
down_revision = '97ab3b978349'
branch_labels = None
depends_on = None


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:50] or "topic"


topic = sa.table("topic", sa.column("id", sa.Integer), sa.column("slug", sa.String),
                 sa.column("name_cs", sa.String), sa.column("name_en", sa.String),
                 sa.column("kind", sa.String), sa.column("position", sa.Integer),
                 sa.column("is_active", sa.Boolean))
segment = sa.table("crm_segment", sa.column("id", sa.Integer), sa.column("conditions", sa.JSON))


def upgrade():
    op.create_table('crm_contact_topic',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['crm_contact.id'], name=op.f('fk_crm_contact_topic_contact_id_crm_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_crm_contact_topic_topic_id_topic'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'topic_id', name=op.f('pk_crm_contact_topic'))
    )
    with op.batch_alter_table('crm_contact_topic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_contact_topic_topic_id'), ['topic_id'], unique=False)
    op.create_table('crm_organisation_topic',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_crm_organisation_topic_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_crm_organisation_topic_topic_id_topic'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', 'topic_id', name=op.f('pk_crm_organisation_topic'))
    )
    with op.batch_alter_table('crm_organisation_topic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_organisation_topic_topic_id'), ['topic_id'], unique=False)

    migrate_interests()

    with op.batch_alter_table('crm_contact_interest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_contact_interest_interest_id'))
    op.drop_table('crm_contact_interest')
    with op.batch_alter_table('crm_organisation_interest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_organisation_interest_interest_id'))
    op.drop_table('crm_organisation_interest')
    op.drop_table('crm_interest')

    with op.batch_alter_table('crm_field', schema=None) as batch_op:
        batch_op.add_column(sa.Column('type', sa.String(length=10), server_default='text', nullable=False))
        batch_op.add_column(sa.Column('choices', sa.JSON(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_crm_field_type'), "type IN ('text', 'number', 'date', 'choice', 'yes_no')")
    op.execute("UPDATE crm_field SET choices = '[]'")
    with op.batch_alter_table('crm_field', schema=None) as batch_op:
        batch_op.alter_column('choices', existing_type=sa.JSON(), nullable=False)

    with op.batch_alter_table('crm_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='new', nullable=False))
        batch_op.add_column(sa.Column('mapping', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('phase', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('done_rows', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('total_rows', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('report', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('finished_at', hub.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_crm_import_status'), "status IN ('new', 'queued', 'running', 'failed', 'done')")
    op.execute("UPDATE crm_import SET mapping = '{}'")
    with op.batch_alter_table('crm_import', schema=None) as batch_op:
        batch_op.alter_column('mapping', existing_type=sa.JSON(), nullable=False)


def migrate_interests():
    conn = op.get_bind()
    topics = conn.execute(sa.select(topic.c.id, topic.c.slug, topic.c.name_cs,
                                    topic.c.name_en)).all()
    by_name = {}
    for row in topics:
        by_name.setdefault(row.name_cs.strip().lower(), row)
        by_name.setdefault(row.name_en.strip().lower(), row)
    slugs = {row.slug for row in topics}
    position = conn.scalar(sa.select(sa.func.max(topic.c.position))) or 0
    interest_topic = {}  # crm_interest.id -> (topic id, slug)
    names = {}
    for interest_id, name, kind in conn.execute(sa.text(
            "SELECT id, name, kind FROM crm_interest ORDER BY id")):
        found = by_name.get(name.strip().lower())
        if found is None:
            slug = base = slugify(name)
            number = 2
            while slug in slugs:
                slug, number = f"{base}-{number}", number + 1
            slugs.add(slug)
            position += 10
            new_id = conn.execute(topic.insert().values(
                slug=slug, name_cs=name, name_en=name, position=position, is_active=True,
                kind="disease" if kind == "disease" else "theme")
                .returning(topic.c.id)).scalar_one()
            interest_topic[interest_id] = (new_id, slug)
        else:
            interest_topic[interest_id] = (found.id, found.slug)
        names[name] = interest_topic[interest_id][1]
    for old, new, key in (("crm_contact_interest", "crm_contact_topic", "contact_id"),
                          ("crm_organisation_interest", "crm_organisation_topic",
                           "organisation_id")):
        pairs = {(owner, interest_topic[interest][0]) for owner, interest in conn.execute(
            sa.text(f"SELECT {key}, interest_id FROM {old}"))}  # noqa: S608  # nosec B608
        if pairs:
            # Fixed table names from the tuple above, values bound.
            conn.execute(sa.text(f"INSERT INTO {new} ({key}, topic_id) "  # noqa: S608  # nosec B608
                                 f"VALUES (:owner, :topic)"),
                         [{"owner": owner, "topic": topic_id} for owner, topic_id in pairs])
    for segment_id, conditions in conn.execute(sa.select(segment.c.id, segment.c.conditions)):
        changed = False
        for condition in conditions or []:
            if condition.get("kind") == "interest":
                condition["kind"] = "topic"
                condition["value"] = names.get(condition.get("value"), condition.get("value"))
                changed = True
        if changed:
            conn.execute(segment.update().where(segment.c.id == segment_id)
                         .values(conditions=conditions))


def downgrade():
    with op.batch_alter_table('crm_import', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_crm_import_status'), type_='check')
        for column in ('finished_at', 'report', 'total_rows', 'done_rows', 'phase', 'mapping',
                       'status'):
            batch_op.drop_column(column)
    with op.batch_alter_table('crm_field', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_crm_field_type'), type_='check')
        batch_op.drop_column('choices')
        batch_op.drop_column('type')

    op.create_table('crm_interest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.CheckConstraint("kind IN ('disease', 'topic')", name=op.f('ck_crm_interest_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_interest')),
    sa.UniqueConstraint('name', name=op.f('uq_crm_interest_name'))
    )
    op.create_table('crm_organisation_interest',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('interest_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['interest_id'], ['crm_interest.id'], name=op.f('fk_crm_organisation_interest_interest_id_crm_interest'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_crm_organisation_interest_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', 'interest_id', name=op.f('pk_crm_organisation_interest'))
    )
    with op.batch_alter_table('crm_organisation_interest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_organisation_interest_interest_id'), ['interest_id'], unique=False)
    op.create_table('crm_contact_interest',
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('interest_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['crm_contact.id'], name=op.f('fk_crm_contact_interest_contact_id_crm_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interest_id'], ['crm_interest.id'], name=op.f('fk_crm_contact_interest_interest_id_crm_interest'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'interest_id', name=op.f('pk_crm_contact_interest'))
    )
    with op.batch_alter_table('crm_contact_interest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_contact_interest_interest_id'), ['interest_id'], unique=False)
    # Topics in use become interests again (the Czech name; the topic's id is kept).
    conn = op.get_bind()
    conn.execute(sa.text(
        "INSERT INTO crm_interest (id, name, kind) SELECT id, name_cs, "
        "CASE WHEN kind = 'disease' THEN 'disease' ELSE 'topic' END FROM topic WHERE id IN "
        "(SELECT topic_id FROM crm_contact_topic UNION SELECT topic_id FROM "
        "crm_organisation_topic)"))
    conn.execute(sa.text("INSERT INTO crm_contact_interest (contact_id, interest_id) "
                         "SELECT contact_id, topic_id FROM crm_contact_topic"))
    conn.execute(sa.text("INSERT INTO crm_organisation_interest (organisation_id, interest_id) "
                         "SELECT organisation_id, topic_id FROM crm_organisation_topic"))
    with op.batch_alter_table('crm_organisation_topic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_organisation_topic_topic_id'))
    op.drop_table('crm_organisation_topic')
    with op.batch_alter_table('crm_contact_topic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_contact_topic_topic_id'))
    op.drop_table('crm_contact_topic')
