"""accessibility feedback

Revision ID: c4d2a7f19e30
Revises: 14820a2da9b9
Create Date: 2026-11-23 14:30:00.000000
"""
import sqlalchemy as sa
from alembic import op

import hub.db

revision = 'c4d2a7f19e30'
down_revision = '14820a2da9b9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('accessibility_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('page_url', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('client_key', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reply_note', sa.Text(), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("description <> ''", name=op.f('ck_accessibility_feedback_description_not_empty')),
    sa.CheckConstraint("page_url <> ''", name=op.f('ck_accessibility_feedback_page_url_not_empty')),
    sa.CheckConstraint("status IN ('new', 'in_progress', 'answered')", name=op.f('ck_accessibility_feedback_status')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_accessibility_feedback_updated_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_accessibility_feedback_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accessibility_feedback'))
    )
    with op.batch_alter_table('accessibility_feedback', schema=None) as batch_op:
        batch_op.create_index('ix_accessibility_feedback_client_key_created_at', ['client_key', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_accessibility_feedback_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_accessibility_feedback_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_accessibility_feedback_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('accessibility_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accessibility_feedback_user_id'))
        batch_op.drop_index(batch_op.f('ix_accessibility_feedback_status'))
        batch_op.drop_index(batch_op.f('ix_accessibility_feedback_created_at'))
        batch_op.drop_index('ix_accessibility_feedback_client_key_created_at')
    op.drop_table('accessibility_feedback')
