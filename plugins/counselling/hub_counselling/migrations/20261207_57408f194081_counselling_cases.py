"""counselling cases, threads, counsellors, access trail and reply templates

Revision ID: 57408f194081
Revises:
Create Date: 2026-12-07 06:45:00.000000
"""
import sqlalchemy as sa
from alembic import op

import hub.db

revision = '57408f194081'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('counselling_sequence',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_counselling_sequence'))
    )
    op.create_table('counselling_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('access_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_reply_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('new', 'open', 'waiting', 'answered', 'closed')", name=op.f('ck_counselling_case_status')),
    sa.CheckConstraint("category IN ('patients_rights', 'access_to_care', 'organisation', 'grants', 'other')", name=op.f('ck_counselling_case_category')),
    sa.CheckConstraint("language IN ('cs', 'en')", name=op.f('ck_counselling_case_language')),
    sa.CheckConstraint("subject <> ''", name=op.f('ck_counselling_case_subject_not_empty')),
    sa.ForeignKeyConstraint(['assignee_id'], ['user.id'], name=op.f('fk_counselling_case_assignee_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_counselling_case_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counselling_case')),
    sa.UniqueConstraint('reference', name=op.f('uq_counselling_case_reference'))
    )
    with op.batch_alter_table('counselling_case', schema=None) as batch_op:
        batch_op.create_index('ix_counselling_case_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_counselling_case_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_counselling_case_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counselling_case_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_counselling_case_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counselling_case_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_counselling_case_closed_at'), ['closed_at'], unique=False)

    op.create_table('counselling_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=4), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("direction IN ('in', 'out', 'note')", name=op.f('ck_counselling_message_direction')),
    sa.CheckConstraint("channel IN ('form', 'api', 'link', 'my', 'staff', 'mail', 'migration')", name=op.f('ck_counselling_message_channel')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_counselling_message_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['counselling_case.id'], name=op.f('fk_counselling_message_case_id_counselling_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counselling_message'))
    )
    with op.batch_alter_table('counselling_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counselling_message_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counselling_message_author_id'), ['author_id'], unique=False)

    op.create_table('counselling_counsellor',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['granted_by_id'], ['user.id'], name=op.f('fk_counselling_counsellor_granted_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_counselling_counsellor_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_counselling_counsellor'))
    )
    op.create_table('counselling_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_counselling_access_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counselling_access'))
    )
    with op.batch_alter_table('counselling_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counselling_access_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_counselling_access_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counselling_access_case_id'), ['case_id'], unique=False)

    op.create_table('counselling_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("language IN ('cs', 'en')", name=op.f('ck_counselling_template_language')),
    sa.CheckConstraint("title <> ''", name=op.f('ck_counselling_template_title_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counselling_template'))
    )


def downgrade():
    op.drop_table('counselling_template')
    op.drop_table('counselling_access')
    op.drop_table('counselling_counsellor')
    op.drop_table('counselling_message')
    op.drop_table('counselling_case')
    op.drop_table('counselling_sequence')
