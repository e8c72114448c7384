"""counselling faq: anonymised questions and answers published with the asker's consent

Revision ID: e5a1c7d3f920
Revises: c4e2a9d17b35
Create Date: 2026-12-08 11:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import hub.db

revision = 'e5a1c7d3f920'
down_revision = 'c4e2a9d17b35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('counselling_faq',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('question_cs', sa.Text(), nullable=False),
    sa.Column('answer_cs', sa.Text(), nullable=False),
    sa.Column('question_en', sa.Text(), nullable=False),
    sa.Column('answer_en', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IN ('patients_rights', 'access_to_care', 'organisation', 'grants', 'other')", name=op.f('ck_counselling_faq_category')),
    sa.CheckConstraint("(question_cs <> '' AND answer_cs <> '') OR (question_en <> '' AND answer_en <> '')", name=op.f('ck_counselling_faq_has_language')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_counselling_faq_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counselling_faq'))
    )
    with op.batch_alter_table('counselling_faq', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counselling_faq_source'), ['source'], unique=False)
        batch_op.create_index(batch_op.f('ix_counselling_faq_category'), ['category'], unique=False)


def downgrade():
    with op.batch_alter_table('counselling_faq', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counselling_faq_category'))
        batch_op.drop_index(batch_op.f('ix_counselling_faq_source'))
    op.drop_table('counselling_faq')
