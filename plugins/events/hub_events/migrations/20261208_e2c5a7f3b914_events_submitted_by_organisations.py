"""events submitted by organisations for review

An organisation's representative or editor drafts an event and submits it; the new state
"submitted" keeps it off the public pages until hub staff publish it or return it with a
comment (``review_comment``).

Revision ID: e2c5a7f3b914
Revises: db7858e721d8
Create Date: 2026-12-08 09:30:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = 'e2c5a7f3b914'
down_revision = 'db7858e721d8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_comment', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.drop_constraint(op.f('ck_events_event_state'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_events_event_state'),
            "state IN ('draft', 'submitted', 'published', 'cancelled')")


def downgrade():
    # A submitted event goes back to its organisation as a draft.
    op.execute("UPDATE events_event SET state = 'draft' WHERE state = 'submitted'")
    with op.batch_alter_table('events_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_events_event_state'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_events_event_state'), "state IN ('draft', 'published', 'cancelled')")
        batch_op.drop_column('review_comment')
