"""send snapshots: what each campaign relied on when it started

``newsletter_campaign.snapshot`` keeps, per start, the purposes and objects, the text
versions, the number of consents, a digest of the consent records and the audiences'
definitions; ``newsletter_delivery.consent_record_id`` names the ledger record each row was
written on. Campaigns sent before have no snapshot: nothing is made up for them.

Revision ID: c9e4a2b7d1f8
Revises: 8c3e5a1f7d29
Create Date: 2026-12-07 08:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c9e4a2b7d1f8'
down_revision = '8c3e5a1f7d29'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('newsletter_campaign', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('snapshot', sa.JSON(), nullable=True))
    with op.batch_alter_table('newsletter_delivery', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('consent_record_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('newsletter_delivery', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('consent_record_id')
    with op.batch_alter_table('newsletter_campaign', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('snapshot')
