"""greetings entries

Revision ID: 14ef685f64b4
Revises:
Create Date: 2026-12-07 10:55:24
"""
import sqlalchemy as sa
from alembic import op

import hub.db

revision = '14ef685f64b4'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('greetings_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(text) > 0', name=op.f('ck_greetings_entry_text_not_empty')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_greetings_entry_author_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_greetings_entry'))
    )
    op.create_index(op.f('ix_greetings_entry_author_id'), 'greetings_entry', ['author_id'], unique=False)
    op.create_index(op.f('ix_greetings_entry_created_at'), 'greetings_entry', ['created_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_greetings_entry_created_at'), table_name='greetings_entry')
    op.drop_index(op.f('ix_greetings_entry_author_id'), table_name='greetings_entry')
    op.drop_table('greetings_entry')
