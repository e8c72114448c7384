"""user.sessions_ended_at: signing out everywhere is part of the change that causes it

Revision ID: a3f6c8e1d2b4
Revises: c4d2a7f19e30
Create Date: 2026-12-07 06:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import hub.db

revision = 'a3f6c8e1d2b4'
down_revision = 'c4d2a7f19e30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sessions_ended_at', hub.db.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('sessions_ended_at')
