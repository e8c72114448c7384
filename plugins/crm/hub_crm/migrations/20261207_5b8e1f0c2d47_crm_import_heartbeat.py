"""crm: the import job's last sign of life, to tell an interrupted import

Revision ID: 5b8e1f0c2d47
Revises: e7f2a4c8d301
Create Date: 2026-12-07 01:50:00
"""
import sqlalchemy as sa
from alembic import op

import hub.db

revision = '5b8e1f0c2d47'
down_revision = 'e7f2a4c8d301'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('crm_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', hub.db.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('crm_import', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
