"""events_event.recording_media_id: recordings from the core's media library

Revision ID: a8c3e5f1d7b2
Revises: 5d0e8a1f7c36
Create Date: 2026-12-13 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = 'a8c3e5f1d7b2'
down_revision = '5d0e8a1f7c36'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events_event') as batch:
        batch.add_column(sa.Column('recording_media_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_events_event_recording_media_id_media_item',
                                 'media_item', ['recording_media_id'], ['id'],
                                 ondelete='SET NULL')
        batch.create_index('ix_events_event_recording_media_id', ['recording_media_id'])


def downgrade():
    with op.batch_alter_table('events_event') as batch:
        batch.drop_index('ix_events_event_recording_media_id')
        batch.drop_constraint('fk_events_event_recording_media_id_media_item',
                              type_='foreignkey')
        batch.drop_column('recording_media_id')
