"""shared topics and user interests

Revision ID: 7a3c1e5b9d20
Revises: eff9cd6e92f5
Create Date: 2026-11-23 12:10:00.000000
"""
import sqlalchemy as sa
from alembic import op

import hub.db

revision = '7a3c1e5b9d20'
down_revision = 'eff9cd6e92f5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('topic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('name_cs', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('disease', 'theme')", name=op.f('ck_topic_kind')),
    sa.CheckConstraint("name_cs <> '' AND name_en <> ''", name=op.f('ck_topic_names_not_empty')),
    sa.CheckConstraint("slug <> ''", name=op.f('ck_topic_slug_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic')),
    sa.UniqueConstraint('slug', name=op.f('uq_topic_slug'))
    )
    op.create_table('topic_digest_subscription',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_sent_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_topic_digest_subscription_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_topic_digest_subscription'))
    )
    op.create_table('user_stakeholder',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.CheckConstraint("type IN ('patient', 'patient_organisation', 'ngo', 'medical_student', 'doctor', 'academic', 'app_developer', 'other')", name=op.f('ck_user_stakeholder_type')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_stakeholder_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_stakeholder'))
    )
    op.create_table('user_topic',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_user_topic_topic_id_topic'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_topic_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'topic_id', name=op.f('pk_user_topic'))
    )
    with op.batch_alter_table('user_topic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_topic_topic_id'), ['topic_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_topic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_topic_topic_id'))
    op.drop_table('user_topic')
    op.drop_table('user_stakeholder')
    op.drop_table('topic_digest_subscription')
    op.drop_table('topic')
