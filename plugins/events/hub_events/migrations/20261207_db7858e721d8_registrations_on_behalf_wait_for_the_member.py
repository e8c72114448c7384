"""registrations on someone's behalf wait for the member; a speaker's refusal is noted

Revision ID: db7858e721d8
Revises: b39ea21cafa4
Create Date: 2026-12-07 09:00:00

A representative no longer registers a member directly: ``events_proposal`` keeps the
request until the member confirms or declines by a personal link.

Registrations representatives made before stay as they are: they were made under the
earlier rule, where the member was told at once by the confirmation message carrying the
one-click cancel link, and organisers have already seen them; turning them into requests
now would take places from people who may be counting on them without undoing anything.

``events_talk.release_refused_at`` notes when a speaker answered "I do not agree" on the
release link. Nothing in the old data says a speaker refused, so it starts empty.
"""
import sqlalchemy as sa
from alembic import op

import hub.db

revision = 'db7858e721d8'
down_revision = 'b39ea21cafa4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'events_proposal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('proposed_by_id', sa.Integer(), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('access_key', sa.String(length=64), nullable=False),
        sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events_event.id'],
                                name=op.f('fk_events_proposal_event_id_events_event'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_events_proposal_organisation_id_organisation'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['proposed_by_id'], ['user.id'],
                                name=op.f('fk_events_proposal_proposed_by_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_events_proposal_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_events_proposal')),
        sa.UniqueConstraint('event_id', 'user_id',
                            name=op.f('uq_events_proposal_event_id_user_id')),
    )
    with op.batch_alter_table('events_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_proposal_user_id'), ['user_id'],
                              unique=False)
    with op.batch_alter_table('events_talk', schema=None) as batch_op:
        batch_op.add_column(sa.Column('release_refused_at', hub.db.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('events_talk', schema=None) as batch_op:
        batch_op.drop_column('release_refused_at')
    with op.batch_alter_table('events_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_proposal_user_id'))
    op.drop_table('events_proposal')
