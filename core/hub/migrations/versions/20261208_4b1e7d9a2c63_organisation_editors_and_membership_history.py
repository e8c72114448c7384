"""organisation editors and membership history

A membership may carry the role "editor" (acts for the organisation in what it publishes,
without managing its members); ``membership_history`` records joining, role changes,
hand-overs, leaving and removal. Existing memberships start without history: when they
began is kept on the membership itself.

Revision ID: 4b1e7d9a2c63
Revises: c7e2a9d41b58
Create Date: 2026-12-08 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import hub.db

revision = '4b1e7d9a2c63'
down_revision = 'c7e2a9d41b58'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_editor', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_check_constraint('one_role', 'NOT (is_representative AND is_editor)')
    op.create_table(
        'membership_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('at', hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("action IN ('joined', 'role_changed', 'handed_over', 'left', "
                           "'removed')", name=op.f('ck_membership_history_action')),
        sa.CheckConstraint("role IN ('member', 'editor', 'representative')",
                           name=op.f('ck_membership_history_role')),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id'],
                                name=op.f('fk_membership_history_actor_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_membership_history_organisation_id_organisation'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_membership_history_user_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_membership_history')),
    )
    with op.batch_alter_table('membership_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_membership_history_actor_id'), ['actor_id'])
        batch_op.create_index(batch_op.f('ix_membership_history_user_id'), ['user_id'])
        batch_op.create_index('ix_membership_history_organisation_id_at',
                              ['organisation_id', 'at'])


def downgrade():
    op.drop_table('membership_history')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_constraint('one_role', type_='check')
        batch_op.drop_column('is_editor')
