"""lessons copied from event recordings wait for the speakers' release

Revision ID: 005b00627aea
Revises: 5d2b8e1f7a34
Create Date: 2026-12-07 06:10:00

Video lessons imported from an event recording (``source_event_id`` set) were published on
the strength of the organiser's "the speaker consents" checkbox, which proves no consent.
The events plugin now keeps speakers' releases in the core's consent ledger and takes
every recording without one off its pages; the copies follow: they are unpublished here,
and staff can publish one again only while its source recording is public (that is, while
every speaker's release is in force). Nothing else of the lesson changes; the downgrade
leaves them unpublished (which lessons were public is not kept).
"""
import sqlalchemy as sa
from alembic import op

revision = '005b00627aea'
down_revision = '5d2b8e1f7a34'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(sa.text("UPDATE elearning_lesson SET is_published = :no "
                       "WHERE source_event_id <> '' AND is_published = :yes")
               .bindparams(no=False, yes=True))


def downgrade():
    pass
