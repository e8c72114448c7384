"""English versions of courses, sections and lessons

Revision ID: 3b9d7e5a1c42
Revises: 8c4f2a6e1d70
Create Date: 2026-12-10 10:00:00

A course's title, summary and description, a section's title and a lesson's title and
text get English versions beside the Czech ones (empty: readers get the Czech text).
"""
import sqlalchemy as sa
from alembic import op

revision = '3b9d7e5a1c42'
down_revision = '8c4f2a6e1d70'
branch_labels = None
depends_on = None

COLUMNS = {
    'elearning_course': (('title_en', sa.String(length=200)),
                         ('summary_en', sa.String(length=500)),
                         ('description_en', sa.Text())),
    'elearning_section': (('title_en', sa.String(length=200)),),
    'elearning_lesson': (('title_en', sa.String(length=200)), ('body_en', sa.Text())),
}


def upgrade():
    # Plain ADD COLUMN, no batch copy: on SQLite copying these tables would delete the rows
    # that refer to them (ON DELETE CASCADE).
    for table, columns in COLUMNS.items():
        for name, type_ in columns:
            op.add_column(table, sa.Column(name, type_, server_default='', nullable=False))


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, columns in COLUMNS.items():
        for name, _type in columns:
            if sqlite:
                op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
            else:
                op.drop_column(table, name)
