"""membership invitations; disease areas only with explicit consent

Memberships gain a state: a representative now invites a person, who accepts or declines
("invited", "active", "declined"; an invitation past ``expires_at`` has expired). Until the
person accepts, ``user_id`` stays empty and the invitation names them by ``invitee_id`` and
``email``. Every existing membership stays active: it was agreed under the earlier flow (a
representative added a person with an account, or approved the person's own request to
join), and nothing in the data proves a consent, so none is recorded in the ledger.

Disease areas of interest (``user_topic`` rows of topics of kind "disease") are health data
(GDPR Art. 9) and were stored without an explicit consent. Keeping them hidden until the
person consents would still be storing health data without a legal basis, so they are
deleted. Each person who had any is told in their inbox, which My hub shows until they
choose again (``hub.topics.disease_areas`` in the consent ledger). Other interests stay.

Revision ID: f2b7d9e4c6a1
Revises: e9f4b2d6a813
Create Date: 2026-12-07 12:00:00.000000
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

import hub.db

revision = 'f2b7d9e4c6a1'
down_revision = 'e9f4b2d6a813'
branch_labels = None
depends_on = None

# Kept in step with hub.topics.disease.RESET_KIND and its texts.
RESET_KIND = 'hub.topics.disease_areas_reset'
RESET_SUBJECT = {
    'cs': 'Vyberte prosím znovu oblasti onemocnění, které vás zajímají',
    'en': 'Please choose the disease areas you are interested in again',
}
RESET_BODY = {
    'cs': 'Oblasti onemocnění, které vás zajímají, jsou údaje o zdraví. Hub je nyní ukládá jen '
          's vaším výslovným souhlasem, a protože jste ho dříve nedali, vybrané oblasti jsme '
          'smazali. Ostatní zájmy zůstaly. Pokud chcete, vyberte oblasti znovu na stránce Moje '
          'zájmy a zaškrtněte souhlas.',
    'en': 'The disease areas you are interested in are health data. The hub now keeps them '
          'only with your explicit consent; as you had not given it, the areas you chose have '
          'been deleted. Your other interests are kept. If you wish, choose the areas again on '
          'My interests and tick the consent.',
}


def upgrade():
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=10), nullable=False,
                                      server_default='active'))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('invitee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('invited_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('token_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('expires_at', hub.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('answered_at', hub.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_membership_invitee_id_user'), 'user',
                                    ['invitee_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_membership_invited_by_id_user'), 'user',
                                    ['invited_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_membership_invitee_id'), ['invitee_id'],
                              unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_membership_token_digest'),
                                          ['token_digest'])
        batch_op.create_unique_constraint(batch_op.f('uq_membership_organisation_id_email'),
                                          ['organisation_id', 'email'])
        batch_op.create_check_constraint(
            'state', "state IN ('invited', 'active', 'declined')")
        batch_op.create_check_constraint(
            'user_when_active',
            "(state = 'active' AND user_id IS NOT NULL) OR "
            "(state <> 'active' AND user_id IS NULL AND email IS NOT NULL)")

    bind = op.get_bind()
    people = bind.execute(sa.text(
        'SELECT u.id, u.language FROM "user" u WHERE u.erased_at IS NULL AND u.id IN '
        "(SELECT user_id FROM user_topic WHERE topic_id IN "
        "(SELECT id FROM topic WHERE kind = 'disease'))")).all()
    notification = sa.table(
        'notification', sa.column('user_id', sa.Integer), sa.column('kind', sa.String),
        sa.column('subject', sa.String), sa.column('body', sa.Text),
        sa.column('url', sa.String), sa.column('created_at', hub.db.UTCDateTime(timezone=True)))
    now = dt.datetime.now(dt.UTC)
    if people:
        op.bulk_insert(notification, [
            {'user_id': user_id, 'kind': RESET_KIND,
             'subject': RESET_SUBJECT['en' if language == 'en' else 'cs'],
             'body': RESET_BODY['en' if language == 'en' else 'cs'],
             'url': '/my/interests', 'created_at': now}
            for user_id, language in people])
    bind.execute(sa.text("DELETE FROM user_topic WHERE topic_id IN "
                         "(SELECT id FROM topic WHERE kind = 'disease')"))


def downgrade():
    # Invitations cannot be expressed without a state: they are dropped. Deleted disease
    # areas are not restored (they were never consented to).
    op.execute("DELETE FROM membership WHERE state <> 'active'")
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_constraint('user_when_active', type_='check')
        batch_op.drop_constraint('state', type_='check')
        batch_op.drop_constraint(batch_op.f('uq_membership_organisation_id_email'),
                                 type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_membership_token_digest'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_membership_invitee_id'))
        batch_op.drop_constraint(batch_op.f('fk_membership_invited_by_id_user'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_membership_invitee_id_user'),
                                 type_='foreignkey')
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('answered_at')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('token_digest')
        batch_op.drop_column('invited_by_id')
        batch_op.drop_column('invitee_id')
        batch_op.drop_column('email')
        batch_op.drop_column('state')
