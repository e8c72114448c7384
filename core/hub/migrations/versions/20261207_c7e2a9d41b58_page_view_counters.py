"""page view counters

Revision ID: c7e2a9d41b58
Revises: f2b7d9e4c6a1
Create Date: 2026-12-07 07:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = 'c7e2a9d41b58'
down_revision = 'f2b7d9e4c6a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('page_view_daily',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('page_type', sa.String(length=100), nullable=False),
    sa.Column('views', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('views >= 0', name=op.f('ck_page_view_daily_views_not_negative')),
    sa.PrimaryKeyConstraint('day', 'page_type', name=op.f('pk_page_view_daily'))
    )


def downgrade():
    op.drop_table('page_view_daily')
