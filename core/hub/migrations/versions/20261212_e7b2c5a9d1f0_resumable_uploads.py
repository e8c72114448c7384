"""upload: resumable uploads (tus) in progress

One row per upload a person started; its parts are kept on the storage service, so any
web process can take the next part. ``upload_part`` names each part's object: keys are
unique per request, so a request that loses the race for an offset and rolls back removes
only its own part.

Revision ID: e7b2c5a9d1f0
Revises: 5c2f8e0b7a14
Create Date: 2026-12-12 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime

revision = 'e7b2c5a9d1f0'
down_revision = '5c2f8e0b7a14'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'upload',
        sa.Column('id', sa.String(length=43), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('length', sa.BigInteger(), nullable=False),
        sa.Column('offset', sa.BigInteger(), nullable=False, server_default='0'),
        sa.Column('parts', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('filename', sa.String(length=255), nullable=False, server_default=''),
        sa.Column('content_type', sa.String(length=100), nullable=False, server_default=''),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('completed_at', UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint('"offset" >= 0 AND "offset" <= length',
                           name=op.f('ck_upload_offset_within_length')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name='fk_upload_user_id_user',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_upload'),
    )
    op.create_index('ix_upload_user_id', 'upload', ['user_id'])
    op.create_index('ix_upload_updated_at', 'upload', ['updated_at'])
    op.create_table(
        'upload_part',
        sa.Column('upload_id', sa.String(length=43), nullable=False),
        sa.Column('offset', sa.BigInteger(), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.CheckConstraint('size > 0', name=op.f('ck_upload_part_size_positive')),
        sa.ForeignKeyConstraint(['upload_id'], ['upload.id'],
                                name=op.f('fk_upload_part_upload_id_upload'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('upload_id', 'offset', name=op.f('pk_upload_part')),
    )


def downgrade():
    op.drop_table('upload_part')
    op.drop_index('ix_upload_updated_at', table_name='upload')
    op.drop_index('ix_upload_user_id', table_name='upload')
    op.drop_table('upload')
