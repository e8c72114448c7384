"""crm: indexes for the public directory and for segments by type and region

Revision ID: e7f2a4c8d301
Revises: c41d7e2a9b10
Create Date: 2026-11-23 14:40:00
"""
from alembic import op

revision = 'e7f2a4c8d301'
down_revision = 'c41d7e2a9b10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('crm_contact', schema=None) as batch_op:
        batch_op.create_index('ix_crm_contact_directory', ['directory_opt_in', 'kind', 'last_name', 'first_name', 'id'], unique=False)
        batch_op.create_index('ix_crm_contact_type_region', ['stakeholder_type', 'region', 'restricted', 'email'], unique=False)


def downgrade():
    with op.batch_alter_table('crm_contact', schema=None) as batch_op:
        batch_op.drop_index('ix_crm_contact_type_region')
        batch_op.drop_index('ix_crm_contact_directory')
