"""media_item, media_caption: the media library

Files on the storage service with their texts (alternative text, transcript) in Czech and
English, and WebVTT captions per language.

Revision ID: d4e1a7c0b9f3
Revises: e7b2c5a9d1f0
Create Date: 2026-12-13 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

from hub.db import UTCDateTime

revision = 'd4e1a7c0b9f3'
down_revision = 'e7b2c5a9d1f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'media_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('title_en', sa.String(length=200), nullable=False, server_default=''),
        sa.Column('alt', sa.String(length=500), nullable=False, server_default=''),
        sa.Column('alt_en', sa.String(length=500), nullable=False, server_default=''),
        sa.Column('transcript', sa.Text(), nullable=False, server_default=''),
        sa.Column('transcript_en', sa.Text(), nullable=False, server_default=''),
        sa.Column('file_key', sa.String(length=200), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('poster_id', sa.Integer(), nullable=True),
        sa.Column('is_public', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('image', 'document', 'audio', 'video')",
                           name=op.f('ck_media_item_kind')),
        sa.CheckConstraint("kind <> 'image' OR TRIM(alt) <> ''",
                           name=op.f('ck_media_item_image_has_alt')),
        sa.CheckConstraint('size >= 0', name=op.f('ck_media_item_size_positive')),
        sa.ForeignKeyConstraint(['poster_id'], ['media_item.id'],
                                name=op.f('fk_media_item_poster_id_media_item'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_media_item_created_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_media_item')),
    )
    op.create_index('ix_media_item_kind_created_at', 'media_item', ['kind', 'created_at'])
    op.create_table(
        'media_caption',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('vtt', sa.Text(), nullable=False),
        sa.CheckConstraint("language IN ('cs', 'en')", name=op.f('ck_media_caption_language')),
        sa.CheckConstraint("vtt <> ''", name=op.f('ck_media_caption_vtt_not_empty')),
        sa.ForeignKeyConstraint(['item_id'], ['media_item.id'],
                                name=op.f('fk_media_caption_item_id_media_item'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_media_caption')),
        sa.UniqueConstraint('item_id', 'language',
                            name=op.f('uq_media_caption_item_id_language')),
    )


def downgrade():
    op.drop_table('media_caption')
    op.drop_index('ix_media_item_kind_created_at', table_name='media_item')
    op.drop_table('media_item')
