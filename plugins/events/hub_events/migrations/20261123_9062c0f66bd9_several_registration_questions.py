"""several registration questions

Revision ID: 9062c0f66bd9
Revises: 6e34126f9ec2
Create Date: 2026-11-23 12:30:32.685243
"""
import sqlalchemy as sa
from alembic import op

revision = '9062c0f66bd9'
down_revision = '6e34126f9ec2'
branch_labels = None
depends_on = None


def upgrade():
    # Keep the question already entered: rename and widen the column (one per line).
    with op.batch_alter_table('events_event', schema=None) as batch_op:
        batch_op.alter_column('question', new_column_name='questions', type_=sa.Text(),
                              existing_type=sa.String(length=300), existing_nullable=False)


def downgrade():
    with op.batch_alter_table('events_event', schema=None) as batch_op:
        batch_op.alter_column('questions', new_column_name='question',
                              type_=sa.String(length=300), existing_type=sa.Text(),
                              existing_nullable=False)
