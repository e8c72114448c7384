"""list subscriptions move into the core's consent ledger

Every confirmed subscription becomes a "given" record of the purpose ``newsletter.list``
(object ``list:<id>``) for the subscriber's address, at its original consent time and from
its original source (``double_opt_in`` for a confirmed e-mail link; ``form`` for a signed-in
member's verified address or the preferences page reached from the mailbox). An
unsubscribed one whose consent time is known becomes that record followed by a
"withdrawn" one at its unsubscription time. An unsubscribed one without a consent time,
and any unconfirmed request, is no consent: nothing is recorded. Each record's note says
which subscription row it came from.

The wording those people agreed to was the list's own consent text; it is stored as the
ledger text of each record (one version per list and text version). Only the latest
wording of a list was kept by the old store; a record given under an earlier version
points to a text that says so instead of inventing the words.

Afterwards ``newsletter_subscription`` only holds requests waiting for confirmation and
the lists lose their consent text columns.

Revision ID: 8c3e5a1f7d29
Revises: 5d1a7c3e9b20
Create Date: 2026-12-07 06:00:00
"""
import datetime as dt
import hashlib

import sqlalchemy as sa
from alembic import op

import hub.db
from hub.consent.purposes import text_version

revision = '8c3e5a1f7d29'
down_revision = '5d1a7c3e9b20'
branch_labels = None
depends_on = None

PURPOSE = 'newsletter.list'
SOURCES = {'newsletter-form': 'double_opt_in', 'account': 'form', 'preferences': 'form'}

lists = sa.table('newsletter_list', sa.column('id', sa.Integer), sa.column('name', sa.String),
                 sa.column('consent_text', sa.Text), sa.column('consent_version', sa.Integer))
subscribers = sa.table('newsletter_subscriber', sa.column('id', sa.Integer),
                       sa.column('email', sa.String))
subscriptions = sa.table(
    'newsletter_subscription', sa.column('id', sa.Integer), sa.column('list_id', sa.Integer),
    sa.column('subscriber_id', sa.Integer), sa.column('status', sa.String),
    sa.column('consent_at', hub.db.UTCDateTime), sa.column('consent_ip', sa.String),
    sa.column('consent_text_version', sa.Integer), sa.column('consent_source', sa.String),
    sa.column('unsubscribed_at', hub.db.UTCDateTime),
    sa.column('requested_at', hub.db.UTCDateTime))
texts = sa.table(
    'consent_text', sa.column('purpose', sa.String), sa.column('version', sa.String),
    sa.column('title_cs', sa.String), sa.column('title_en', sa.String),
    sa.column('text_cs', sa.Text), sa.column('text_en', sa.Text),
    sa.column('legal_basis', sa.String), sa.column('special_category', sa.Boolean),
    sa.column('retention_days', sa.Integer), sa.column('first_used_at', hub.db.UTCDateTime))
records = sa.table(
    'consent_record', sa.column('subject_key', sa.String), sa.column('user_id', sa.Integer),
    sa.column('contact_ref', sa.String), sa.column('email', sa.String),
    sa.column('email_digest', sa.String), sa.column('purpose', sa.String),
    sa.column('object', sa.String), sa.column('text_version', sa.String),
    sa.column('action', sa.String), sa.column('at', hub.db.UTCDateTime),
    sa.column('source', sa.String), sa.column('note', sa.Text),
    sa.column('recorded_by_id', sa.Integer))


def _wording(name: str, text: str, version: int, latest: int) -> dict:
    if version == latest and text.strip():
        words = text.strip()
    else:
        words = (f'[Verze {version} souhlasu se seznamem „{name}“; její znění se '
                 f'nedochovalo. / Version {version} of the consent to the list "{name}"; its '
                 'wording was not kept.]')
    wording = {'cs': words, 'en': words}
    return {'purpose': PURPOSE, 'version': text_version(wording),
            'title_cs': f'Zpravodaj: {name}'[:200], 'title_en': f'Newsletter: {name}'[:200],
            'text_cs': words, 'text_en': words, 'legal_basis': 'consent',
            'special_category': False, 'retention_days': None}


def upgrade():
    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    rows = bind.execute(
        sa.select(subscriptions.c.id, subscriptions.c.list_id, subscriptions.c.status,
                  subscriptions.c.consent_at, subscriptions.c.consent_ip,
                  subscriptions.c.consent_text_version, subscriptions.c.consent_source,
                  subscriptions.c.unsubscribed_at, subscribers.c.email, lists.c.name,
                  lists.c.consent_text, lists.c.consent_version)
        .join(subscribers, subscribers.c.id == subscriptions.c.subscriber_id)
        .join(lists, lists.c.id == subscriptions.c.list_id)
        .where(subscriptions.c.status != 'pending', subscriptions.c.consent_at.is_not(None))
        .order_by(subscriptions.c.id)).all()
    wordings, new_records = {}, []
    for row in rows:
        version = row.consent_text_version or row.consent_version
        wording = _wording(row.name, row.consent_text or '', version, row.consent_version)
        wordings.setdefault(wording['version'], {**wording, 'first_used_at': now})
        email = row.email.strip().lower()
        digest = hashlib.sha256(email.encode()).hexdigest()
        common = {'subject_key': f'email:{digest}', 'user_id': None, 'contact_ref': None,
                  'email': email, 'email_digest': digest, 'purpose': PURPOSE,
                  'object': f'list:{row.list_id}', 'text_version': wording['version'],
                  'recorded_by_id': None}
        note = (f'From newsletter_subscription #{row.id} (list {row.list_id}, consent text '
                f'version {version}, source "{row.consent_source}", IP "{row.consent_ip}").')
        new_records.append({**common, 'action': 'given', 'at': row.consent_at,
                            'source': SOURCES.get(row.consent_source, 'migration'),
                            'note': note})
        if row.status == 'unsubscribed':
            new_records.append({**common, 'action': 'withdrawn',
                                'at': max(row.unsubscribed_at or now, row.consent_at),
                                'source': 'migration', 'note': note})
    if wordings:
        known = set(bind.scalars(sa.select(texts.c.version).where(texts.c.purpose == PURPOSE)))
        fresh = [w for v, w in wordings.items() if v not in known]
        if fresh:
            bind.execute(texts.insert(), fresh)
    for start in range(0, len(new_records), 1000):
        bind.execute(records.insert(), new_records[start:start + 1000])
    # What remains are requests waiting for confirmation.
    bind.execute(subscriptions.delete().where(subscriptions.c.status != 'pending'))
    with op.batch_alter_table('newsletter_subscription', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_newsletter_subscription_confirmed_has_consent'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('ck_newsletter_subscription_status'), type_='check')
        batch_op.drop_column('unsubscribed_at')
        batch_op.drop_column('consent_source')
        batch_op.drop_column('consent_text_version')
        batch_op.drop_column('consent_ip')
        batch_op.drop_column('consent_at')
        batch_op.drop_column('status')
    # ALTER TABLE … DROP COLUMN in place: recreating the list table on SQLite would delete
    # the requests above through their ON DELETE CASCADE foreign key.
    with op.batch_alter_table('newsletter_list', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('consent_version')
        batch_op.drop_column('consent_text')


def downgrade():
    # The ledger is append-only: its records stay. The old columns come back and the
    # consents in force are copied into them again, so the earlier code reads them.
    with op.batch_alter_table('newsletter_list', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('consent_text', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('consent_version', sa.Integer(), nullable=False,
                                      server_default='1'))
    with op.batch_alter_table('newsletter_subscription', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), nullable=False,
                                      server_default='pending'))
        batch_op.add_column(sa.Column('consent_at', hub.db.UTCDateTime(timezone=True)))
        batch_op.add_column(sa.Column('consent_ip', sa.String(length=45), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('consent_text_version', sa.Integer()))
        batch_op.add_column(sa.Column('consent_source', sa.String(length=30), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('unsubscribed_at', hub.db.UTCDateTime(timezone=True)))
        batch_op.create_check_constraint(
            'status', "status IN ('pending', 'confirmed', 'unsubscribed')")
        batch_op.create_check_constraint(
            'confirmed_has_consent', "status <> 'confirmed' OR consent_at IS NOT NULL")
    bind = op.get_bind()
    latest = sa.select(records.c.email, records.c.object, records.c.action, records.c.at) \
        .where(records.c.purpose == PURPOSE, records.c.email.is_not(None)) \
        .order_by(records.c.at)
    state = {}
    for email, obj, action, at in bind.execute(latest):
        state[(email, obj)] = (action, at)
    by_email = dict(bind.execute(sa.select(subscribers.c.email, subscribers.c.id)).all())
    pending = set(bind.execute(sa.select(subscriptions.c.list_id,
                                         subscriptions.c.subscriber_id)).all())
    restored = []
    for (email, obj), (action, at) in state.items():
        subscriber_id = by_email.get(email)
        list_id = int(obj.partition(':')[2]) if obj.startswith('list:') else None
        if action != 'given' or subscriber_id is None or list_id is None:
            continue
        if (list_id, subscriber_id) in pending:
            bind.execute(subscriptions.delete().where(
                subscriptions.c.list_id == list_id,
                subscriptions.c.subscriber_id == subscriber_id))
        restored.append({'list_id': list_id, 'subscriber_id': subscriber_id,
                         'status': 'confirmed', 'consent_at': at, 'requested_at': at,
                         'consent_text_version': 1, 'consent_source': 'ledger'})
    if restored:
        bind.execute(subscriptions.insert(), restored)
