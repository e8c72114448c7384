"""campaign opens and clicks in aggregate

Revision ID: 5d1a7c3e9b20
Revises: e863b3ff992a
Create Date: 2026-11-23 15:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5d1a7c3e9b20'
down_revision = 'e863b3ff992a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('newsletter_campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('track', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('track_key', sa.String(length=64), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('opens', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('clicks', sa.Integer(), server_default='0',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('newsletter_campaign', schema=None) as batch_op:
        batch_op.drop_column('clicks')
        batch_op.drop_column('opens')
        batch_op.drop_column('track_key')
        batch_op.drop_column('track')
