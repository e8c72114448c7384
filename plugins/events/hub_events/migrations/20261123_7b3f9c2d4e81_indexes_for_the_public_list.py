"""indexes for the public list: time order and events not yet ended

Revision ID: 7b3f9c2d4e81
Revises: c41e7a9d2b10
Create Date: 2026-11-23 14:45:00
"""
from alembic import op

revision = '7b3f9c2d4e81'
down_revision = 'c41e7a9d2b10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_events_event_starts_at_id', 'events_event', ['starts_at', 'id'],
                    unique=False)
    op.create_index('ix_events_event_ends_at_state', 'events_event', ['ends_at', 'state'],
                    unique=False)


def downgrade():
    op.drop_index('ix_events_event_ends_at_state', table_name='events_event')
    op.drop_index('ix_events_event_starts_at_id', table_name='events_event')
