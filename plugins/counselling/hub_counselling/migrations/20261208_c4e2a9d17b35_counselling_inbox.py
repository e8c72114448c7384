"""counselling inbox: mail of the counselling mailbox that named no case

Revision ID: c4e2a9d17b35
Revises: b1cd449faf70
Create Date: 2026-12-08 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import hub.db

revision = 'c4e2a9d17b35'
down_revision = 'b1cd449faf70'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('counselling_inbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('received_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=10), nullable=False),
    sa.CheckConstraint("reason IN ('unmatched', 'forged', 'closed', 'automatic')", name=op.f('ck_counselling_inbox_reason')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counselling_inbox'))
    )
    with op.batch_alter_table('counselling_inbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counselling_inbox_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_counselling_inbox_email'), ['email'], unique=False)


def downgrade():
    with op.batch_alter_table('counselling_inbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counselling_inbox_email'))
        batch_op.drop_index(batch_op.f('ix_counselling_inbox_received_at'))
    op.drop_table('counselling_inbox')
