"""organisation news, contact relay and working groups

``organisation_news``: an organisation's short posts, public once hub staff publish them.
``relay_message`` and ``relay_block``: messages relayed by the hub without disclosing
addresses (the record of who contacted whom; bodies are emptied after the reporting
period), reports of abuse and blocked senders. ``working_group`` with its member
organisations, the coordinator's announcements and linked objects of plugins (events).

Revision ID: 8a0e55ee9017
Revises: b3d9e7a1c5f2
Create Date: 2026-12-10 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import hub.db

revision = '8a0e55ee9017'
down_revision = 'b3d9e7a1c5f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisation_news',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('review_comment', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state <> 'published' OR published_at IS NOT NULL", name=op.f('ck_organisation_news_published_at')),
    sa.CheckConstraint("state IN ('draft', 'submitted', 'published')", name=op.f('ck_organisation_news_state')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_organisation_news_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_news_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_news'))
    )
    with op.batch_alter_table('organisation_news', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_news_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_organisation_news_organisation_id_state', ['organisation_id', 'state'], unique=False)

    op.create_table('relay_block',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('blocked_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['blocked_by_id'], ['user.id'], name=op.f('fk_relay_block_blocked_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_relay_block_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_relay_block'))
    )
    op.create_table('relay_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('recipient_user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('mail_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('body_removed_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('report_digest', sa.String(length=64), nullable=False),
    sa.Column('report_state', sa.String(length=10), nullable=True),
    sa.Column('reported_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('report_note', sa.Text(), nullable=False),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', hub.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind = 'person' OR recipient_user_id IS NULL", name=op.f('ck_relay_message_one_recipient')),
    sa.CheckConstraint("kind IN ('organisation', 'person')", name=op.f('ck_relay_message_kind')),
    sa.CheckConstraint("report_state IS NULL OR report_state IN ('open', 'dismissed', 'blocked')", name=op.f('ck_relay_message_report_state')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user.id'], name=op.f('fk_relay_message_handled_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_relay_message_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['user.id'], name=op.f('fk_relay_message_recipient_user_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sender_id'], ['user.id'], name=op.f('fk_relay_message_sender_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relay_message')),
    sa.UniqueConstraint('report_digest', name=op.f('uq_relay_message_report_digest'))
    )
    with op.batch_alter_table('relay_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relay_message_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_relay_message_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relay_message_recipient_user_id'), ['recipient_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relay_message_sender_id'), ['sender_id'], unique=False)

    op.create_table('working_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('coordinator_id', sa.Integer(), nullable=True),
    sa.Column('founded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coordinator_id'], ['user.id'], name=op.f('fk_working_group_coordinator_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['founded_by_id'], ['organisation.id'], name=op.f('fk_working_group_founded_by_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_working_group_topic_id_topic'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_group'))
    )
    with op.batch_alter_table('working_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_working_group_coordinator_id'), ['coordinator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_working_group_topic_id'), ['topic_id'], unique=False)

    op.create_table('working_group_announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_working_group_announcement_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['working_group.id'], name=op.f('fk_working_group_announcement_group_id_working_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_group_announcement'))
    )
    with op.batch_alter_table('working_group_announcement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_working_group_announcement_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_working_group_announcement_group_id_created_at', ['group_id', 'created_at'], unique=False)

    op.create_table('working_group_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['working_group.id'], name=op.f('fk_working_group_link_group_id_working_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_group_link')),
    sa.UniqueConstraint('group_id', 'source', 'object_id', name=op.f('uq_working_group_link_group_id_source_object_id'))
    )
    op.create_table('working_group_member',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('joined_by_id', sa.Integer(), nullable=True),
    sa.Column('joined_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['working_group.id'], name=op.f('fk_working_group_member_group_id_working_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['joined_by_id'], ['user.id'], name=op.f('fk_working_group_member_joined_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_working_group_member_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'organisation_id', name=op.f('pk_working_group_member'))
    )
    with op.batch_alter_table('working_group_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_working_group_member_organisation_id'), ['organisation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('working_group_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_working_group_member_organisation_id'))

    op.drop_table('working_group_member')
    op.drop_table('working_group_link')
    with op.batch_alter_table('working_group_announcement', schema=None) as batch_op:
        batch_op.drop_index('ix_working_group_announcement_group_id_created_at')
        batch_op.drop_index(batch_op.f('ix_working_group_announcement_author_id'))

    op.drop_table('working_group_announcement')
    with op.batch_alter_table('working_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_working_group_topic_id'))
        batch_op.drop_index(batch_op.f('ix_working_group_coordinator_id'))

    op.drop_table('working_group')
    with op.batch_alter_table('relay_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relay_message_sender_id'))
        batch_op.drop_index(batch_op.f('ix_relay_message_recipient_user_id'))
        batch_op.drop_index(batch_op.f('ix_relay_message_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_relay_message_created_at'))

    op.drop_table('relay_message')
    op.drop_table('relay_block')
    with op.batch_alter_table('organisation_news', schema=None) as batch_op:
        batch_op.drop_index('ix_organisation_news_organisation_id_state')
        batch_op.drop_index(batch_op.f('ix_organisation_news_author_id'))

    op.drop_table('organisation_news')
