"""events_material: an event's materials from the core's media library

Revision ID: f3b8d2a6c9e4
Revises: a8c3e5f1d7b2
Create Date: 2026-12-14 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = 'f3b8d2a6c9e4'
down_revision = 'a8c3e5f1d7b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'events_material',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('media_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.CheckConstraint('position >= 0', name=op.f('ck_events_material_position_positive')),
        sa.ForeignKeyConstraint(['event_id'], ['events_event.id'],
                                name=op.f('fk_events_material_event_id_events_event'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['media_id'], ['media_item.id'],
                                name=op.f('fk_events_material_media_id_media_item'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_events_material')),
        sa.UniqueConstraint('event_id', 'media_id',
                            name=op.f('uq_events_material_event_id_media_id')),
    )
    op.create_index(op.f('ix_events_material_media_id'), 'events_material', ['media_id'])


def downgrade():
    op.drop_index(op.f('ix_events_material_media_id'), table_name='events_material')
    op.drop_table('events_material')
