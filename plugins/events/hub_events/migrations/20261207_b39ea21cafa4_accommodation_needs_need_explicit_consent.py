"""accommodation needs need explicit consent; each event names its organisers

Revision ID: b39ea21cafa4
Revises: 55bc1c84d645
Create Date: 2026-12-07 06:20:00

Accommodation needs (sign language, an assistant, step-free access, a free note) can be
health data (GDPR Art. 9): they are now kept only with the registrant's explicit consent,
recorded in the core's ledger (``events.accommodation_needs``), read only by the event's own
organisers, and erased after the event plus the purpose's retention period.

The needs stored so far were collected with no consent the hub can prove, so nothing is
recorded in the ledger and the needs themselves are erased here. Registrants of upcoming
events are asked again: the event page offers them the form to state their needs with
the consent. The event's creator becomes its first organiser; organisers add others on
the event's form. The downgrade drops the organisers; erased needs stay erased.
"""
import sqlalchemy as sa
from alembic import op

revision = 'b39ea21cafa4'
down_revision = '55bc1c84d645'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'events_event_organiser',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events_event.id'],
                                name=op.f('fk_events_event_organiser_event_id_events_event'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_events_event_organiser_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', 'user_id', name=op.f('pk_events_event_organiser')),
    )
    with op.batch_alter_table('events_event_organiser', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_event_organiser_user_id'), ['user_id'],
                              unique=False)
    op.execute("INSERT INTO events_event_organiser (event_id, user_id) "
               "SELECT id, created_by_id FROM events_event WHERE created_by_id IS NOT NULL")
    op.execute(sa.text(
        "UPDATE events_registration SET needs_sign_language = :no, needs_assistant = :no, "
        "needs_step_free = :no, needs_note = '' WHERE needs_sign_language OR needs_assistant "
        "OR needs_step_free OR needs_note <> ''").bindparams(no=False))


def downgrade():
    with op.batch_alter_table('events_event_organiser', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_event_organiser_user_id'))
    op.drop_table('events_event_organiser')
