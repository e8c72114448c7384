"""news article revisions

Revision ID: 5c2f8e61a9d4
Revises: 609cb92bb632
Create Date: 2026-12-07 11:30:00
"""
import sqlalchemy as sa
from alembic import op

import hub.db

revision = '5c2f8e61a9d4'
down_revision = '609cb92bb632'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'news_article_revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('title_cs', sa.String(length=200), nullable=False),
        sa.Column('title_en', sa.String(length=200), nullable=False),
        sa.Column('perex_cs', sa.Text(), nullable=False),
        sa.Column('perex_en', sa.Text(), nullable=False),
        sa.Column('body_cs', sa.Text(), nullable=False),
        sa.Column('body_en', sa.Text(), nullable=False),
        sa.Column('restored_from', sa.Integer(), nullable=True),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('number > 0', name=op.f('ck_news_article_revision_number_positive')),
        sa.CheckConstraint('restored_from IS NULL OR restored_from < number',
                           name=op.f('ck_news_article_revision_restores_an_earlier_one')),
        sa.ForeignKeyConstraint(['article_id'], ['news_article.id'], ondelete='CASCADE',
                                name=op.f('fk_news_article_revision_article_id_news_article')),
        sa.ForeignKeyConstraint(['author_id'], ['user.id'], ondelete='SET NULL',
                                name=op.f('fk_news_article_revision_author_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_news_article_revision')),
        sa.UniqueConstraint('article_id', 'number',
                            name=op.f('uq_news_article_revision_article_id_number')),
    )
    with op.batch_alter_table('news_article_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_news_article_revision_author_id'), ['author_id'],
                              unique=False)
    # Every existing article starts its history with the texts it has now.
    op.execute(
        "INSERT INTO news_article_revision (article_id, number, title_cs, title_en, perex_cs,"
        " perex_en, body_cs, body_en, author_id, created_at)"
        " SELECT id, 1, title_cs, title_en, perex_cs, perex_en, body_cs, body_en, author_id,"
        " updated_at FROM news_article")


def downgrade():
    with op.batch_alter_table('news_article_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_news_article_revision_author_id'))
    op.drop_table('news_article_revision')
