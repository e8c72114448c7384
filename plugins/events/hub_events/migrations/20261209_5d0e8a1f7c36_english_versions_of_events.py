"""English versions of events and their talks

The Czech texts stay in their columns; the English ones (empty: not translated) sit
beside them (``hub.translations``).

Revision ID: 5d0e8a1f7c36
Revises: e2c5a7f3b914
Create Date: 2026-12-09 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '5d0e8a1f7c36'
down_revision = 'e2c5a7f3b914'
branch_labels = None
depends_on = None

EVENT_COLUMNS = (('title_en', sa.String(200)), ('summary_en', sa.String(500)),
                 ('description_en', sa.Text()), ('accessibility_note_en', sa.Text()))


def upgrade():
    with op.batch_alter_table('events_event', schema=None) as batch_op:
        for name, type_ in EVENT_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=''))
    with op.batch_alter_table('events_talk', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_en', sa.String(200), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('events_talk', schema=None) as batch_op:
        batch_op.drop_column('title_en')
    with op.batch_alter_table('events_event', schema=None) as batch_op:
        for name, _type in reversed(EVENT_COLUMNS):
            batch_op.drop_column(name)
