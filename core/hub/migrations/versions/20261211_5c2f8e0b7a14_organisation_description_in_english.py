"""organisation.description_en: the English version of an organisation's description

Empty when nobody translated it (readers of English pages get the Czech text).

Revision ID: 5c2f8e0b7a14
Revises: 8a0e55ee9017
Create Date: 2026-12-11 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '5c2f8e0b7a14'
down_revision = '8a0e55ee9017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description_en', sa.Text(), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('description_en')
