"""speakers release their recordings through the core's consent ledger

Revision ID: 55bc1c84d645
Revises: 7b3f9c2d4e81
Create Date: 2026-12-07 06:00:00

The organiser's "the speaker consents" checkbox (``events_talk.speaker_consent``) is
dropped. It proves nothing: it was ticked by staff, with no date, no wording and no trace
of the speaker, so nothing is carried into the ledger (a consent the hub cannot
demonstrate counts as not given, GDPR Art. 7(1)). A talk gets the speaker's e-mail
address instead, to which staff send the personal release link.

Because no recording has a release the hub can prove, every published recording is taken
off the public pages now (``recording_published`` becomes false; the links, captions and
transcript stay). The organiser's page lists these events under "Recordings waiting for
the speakers' release"; a recording is published again once each of its speakers agrees
through the link, or staff record a release the speaker gave on paper or by phone, with a
note saying so. Publishing any recording that lacks a release is refused.

The downgrade brings the checkbox back, ticked only for talks that carry a recording link
(the old CHECK demands it); releases kept in the ledger are not read back.
"""
import sqlalchemy as sa
from alembic import op

import hub.db

revision = '55bc1c84d645'
down_revision = '7b3f9c2d4e81'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events_talk', schema=None) as batch_op:
        batch_op.add_column(sa.Column('speaker_email', sa.String(length=254), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('release_key', sa.String(length=64), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('release_requested_at', hub.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.drop_constraint(op.f('ck_events_talk_recording_needs_consent'), type_='check')
        batch_op.create_check_constraint('recorded_talk', "video_url = '' OR NOT do_not_record")
        batch_op.drop_column('speaker_consent')
    op.execute(sa.text("UPDATE events_event SET recording_published = :no "
                       "WHERE recording_published = :yes").bindparams(no=False, yes=True))


def downgrade():
    with op.batch_alter_table('events_talk', schema=None) as batch_op:
        batch_op.add_column(sa.Column('speaker_consent', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute("UPDATE events_talk SET speaker_consent = (video_url <> '')")
    with op.batch_alter_table('events_talk', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_events_talk_recorded_talk'), type_='check')
        batch_op.create_check_constraint(
            'recording_needs_consent', "video_url = '' OR (speaker_consent AND NOT do_not_record)")
        batch_op.drop_column('release_requested_at')
        batch_op.drop_column('release_key')
        batch_op.drop_column('speaker_email')
