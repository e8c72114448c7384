"""elearning_certificate.course_title_en: the course's English title when it was issued

Certificates issued before keep the course's English title of today where their Czech
title is still the course's (the English one translates the same title), else none.

Revision ID: 6e3a9c1b7d25
Revises: 3b9d7e5a1c42
Create Date: 2026-12-14 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '6e3a9c1b7d25'
down_revision = '3b9d7e5a1c42'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN, no batch copy (see 3b9d7e5a1c42).
    op.add_column('elearning_certificate',
                  sa.Column('course_title_en', sa.String(length=200), nullable=False,
                            server_default=''))
    op.execute(
        "UPDATE elearning_certificate SET course_title_en = (SELECT c.title_en "
        "FROM elearning_course c WHERE c.id = elearning_certificate.course_id) "
        "WHERE course_title = (SELECT c.title FROM elearning_course c "
        "WHERE c.id = elearning_certificate.course_id)")


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE elearning_certificate DROP COLUMN course_title_en")
    else:
        op.drop_column('elearning_certificate', 'course_title_en')
