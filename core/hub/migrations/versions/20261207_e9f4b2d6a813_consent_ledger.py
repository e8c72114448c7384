"""consent ledger

Revision ID: e9f4b2d6a813
Revises: d5e8a1c3f702
Create Date: 2026-12-07 10:00:00.000000
"""
import datetime as dt
import hashlib
import json

import sqlalchemy as sa
from alembic import op

import hub.db

revision = 'e9f4b2d6a813'
down_revision = 'd5e8a1c3f702'
branch_labels = None
depends_on = None

# History is never rewritten: the database refuses UPDATE and DELETE on both tables, except
# the one change erasure makes (consent_record.email blanked, every other column unchanged).
RECORD_COLUMNS = ('id', 'subject_key', 'user_id', 'contact_ref', 'email_digest', 'purpose',
                  'object', 'text_version', 'action', 'at', 'source', 'note', 'recorded_by_id')
MESSAGE = 'consent ledger is append-only'
_REFUSE = (f"RAISE EXCEPTION '{MESSAGE}: % on % refused', TG_OP, TG_TABLE_NAME "
           "USING ERRCODE = 'integrity_constraint_violation'; ")
POSTGRES_FUNCTIONS = {
    'consent_refuse_change': (
        'CREATE FUNCTION consent_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ '
        f'BEGIN {_REFUSE}END $$'),
    # A function of its own: its expressions name consent_record's columns.
    'consent_record_erasure_only': (
        'CREATE FUNCTION consent_record_erasure_only() RETURNS trigger LANGUAGE plpgsql AS $$ '
        "BEGIN IF TG_OP = 'UPDATE' AND OLD.email IS NOT NULL AND NEW.email IS NULL "
        "AND (to_jsonb(NEW) - 'email') = (to_jsonb(OLD) - 'email') THEN RETURN NEW; END IF; "
        f'{_REFUSE}END $$'),
}
POSTGRES_TRIGGERS = {
    'consent_text_append_only': ('consent_text', 'UPDATE OR DELETE', 'ROW',
                                 'consent_refuse_change'),
    'consent_text_no_truncate': ('consent_text', 'TRUNCATE', 'STATEMENT',
                                 'consent_refuse_change'),
    'consent_record_append_only': ('consent_record', 'UPDATE OR DELETE', 'ROW',
                                   'consent_record_erasure_only'),
    'consent_record_no_truncate': ('consent_record', 'TRUNCATE', 'STATEMENT',
                                   'consent_refuse_change'),
}
_UNCHANGED = ' AND '.join(f'NEW.{c} IS OLD.{c}' for c in RECORD_COLUMNS)
SQLITE_TRIGGERS = {
    'consent_text_no_update': (
        'CREATE TRIGGER consent_text_no_update BEFORE UPDATE ON consent_text '
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"),
    'consent_text_no_delete': (
        'CREATE TRIGGER consent_text_no_delete BEFORE DELETE ON consent_text '
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"),
    'consent_record_no_update': (
        'CREATE TRIGGER consent_record_no_update BEFORE UPDATE ON consent_record '
        f'WHEN NOT (OLD.email IS NOT NULL AND NEW.email IS NULL AND {_UNCHANGED}) '
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"),
    'consent_record_no_delete': (
        'CREATE TRIGGER consent_record_no_delete BEFORE DELETE ON consent_record '
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"),
}

# The weekly digest opt-ins of My interests become consents: the wording people ticked then.
DIGEST = 'hub.topics.digest'
DIGEST_TITLE = {'cs': 'Týdenní e-mail s tipy pro vás', 'en': 'Weekly e-mail with suggestions for you'}
DIGEST_TEXT_BEFORE = {
    'cs': 'Posílejte mi jednou týdně e-mail s tipy pro mě\nNejvýše jeden e-mail týdně a jen '
          'tehdy, když je něco nového. Kdykoli ho zde můžete vypnout.',
    'en': 'Send me a weekly e-mail with suggestions for me\nAt most one e-mail a week, only '
          'when there is something new. You can switch it off here at any time.',
}


def _version(text):
    canonical = json.dumps({k: v.replace('\r\n', '\n').strip() for k, v in text.items()},
                           sort_keys=True, ensure_ascii=False, separators=(',', ':'))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def upgrade():
    op.create_table('consent_link_key',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('created_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_link_key'))
    )
    op.create_table('consent_text',
    sa.Column('purpose', sa.String(length=120), nullable=False),
    sa.Column('version', sa.String(length=16), nullable=False),
    sa.Column('title_cs', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('text_cs', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.String(length=20), nullable=False),
    sa.Column('special_category', sa.Boolean(), nullable=False),
    sa.Column('retention_days', sa.Integer(), nullable=True),
    sa.Column('first_used_at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("legal_basis IN ('consent', 'explicit_consent')", name=op.f('ck_consent_text_legal_basis')),
    sa.CheckConstraint('retention_days IS NULL OR retention_days >= 0', name=op.f('ck_consent_text_retention_not_negative')),
    sa.CheckConstraint("text_cs <> '' AND text_en <> ''", name=op.f('ck_consent_text_texts_not_empty')),
    sa.PrimaryKeyConstraint('purpose', 'version', name=op.f('pk_consent_text'))
    )
    op.create_table('consent_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_key', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('contact_ref', sa.String(length=120), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('email_digest', sa.String(length=64), nullable=True),
    sa.Column('purpose', sa.String(length=120), nullable=False),
    sa.Column('object', sa.String(length=120), nullable=False),
    sa.Column('text_version', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('at', hub.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("action IN ('given', 'withdrawn')", name=op.f('ck_consent_record_action')),
    sa.CheckConstraint("source <> 'staff' OR note <> ''", name=op.f('ck_consent_record_staff_note')),
    sa.CheckConstraint("source IN ('form', 'double_opt_in', 'staff', 'import', 'api', 'migration', 'link', 'erasure')", name=op.f('ck_consent_record_source')),
    sa.CheckConstraint("subject_key <> ''", name=op.f('ck_consent_record_subject_not_empty')),
    sa.ForeignKeyConstraint(['purpose', 'text_version'], ['consent_text.purpose', 'consent_text.version'], name=op.f('fk_consent_record_purpose_consent_text')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_consent_record_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_consent_record_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_record'))
    )
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_record_contact_ref'), ['contact_ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_record_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_record_email_digest'), ['email_digest'], unique=False)
        batch_op.create_index('ix_consent_record_purpose_at', ['purpose', 'at'], unique=False)
        batch_op.create_index('ix_consent_record_state', ['subject_key', 'purpose', 'object', 'at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_record_user_id'), ['user_id'], unique=False)

    _migrate_digest_opt_ins()

    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        for statement in POSTGRES_FUNCTIONS.values():
            op.execute(statement)
        for name, (table, events, level, function) in POSTGRES_TRIGGERS.items():
            op.execute(f'CREATE TRIGGER {name} BEFORE {events} ON {table} '
                       f'FOR EACH {level} EXECUTE FUNCTION {function}()')
    elif dialect == 'sqlite':
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)


def _migrate_digest_opt_ins():
    bind = op.get_bind()
    when = hub.db.UTCDateTime(timezone=True)
    subscriptions = sa.table('topic_digest_subscription', sa.column('user_id'),
                             sa.column('created_at', when))
    users = sa.table('user', sa.column('id'), sa.column('email'), sa.column('erased_at', when))
    rows = bind.execute(
        sa.select(subscriptions.c.user_id, subscriptions.c.created_at, users.c.email)
        .join(users, users.c.id == subscriptions.c.user_id)
        .where(users.c.erased_at.is_(None)).order_by(subscriptions.c.user_id)).all()
    if not rows:
        return
    version = _version(DIGEST_TEXT_BEFORE)
    now = dt.datetime.now(dt.UTC)
    texts = sa.table('consent_text', *(sa.column(c) for c in (
        'purpose', 'version', 'title_cs', 'title_en', 'text_cs', 'text_en', 'legal_basis',
        'special_category', 'retention_days')), sa.column('first_used_at', when))
    records = sa.table('consent_record', *(sa.column(c) for c in (
        'subject_key', 'user_id', 'email_digest', 'purpose', 'object', 'text_version', 'action',
        'source', 'note')), sa.column('at', when))
    first = min((r.created_at for r in rows if r.created_at is not None), default=None)
    bind.execute(texts.insert().values(
        purpose=DIGEST, version=version, title_cs=DIGEST_TITLE['cs'], title_en=DIGEST_TITLE['en'],
        text_cs=DIGEST_TEXT_BEFORE['cs'], text_en=DIGEST_TEXT_BEFORE['en'],
        legal_basis='consent', special_category=False, retention_days=None,
        first_used_at=first or now))
    bind.execute(records.insert(), [{
        'subject_key': f'user:{r.user_id}', 'user_id': r.user_id,
        'email_digest': hashlib.sha256(r.email.strip().lower().encode()).hexdigest(),
        'purpose': DIGEST, 'object': '', 'text_version': version, 'action': 'given',
        'at': r.created_at or now, 'source': 'migration',
        'note': 'Weekly digest ticked on My interests before the consent ledger.'}
        for r in rows])


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        for name, (table, *_rest) in POSTGRES_TRIGGERS.items():
            op.execute(f'DROP TRIGGER IF EXISTS {name} ON {table}')
        for name in POSTGRES_FUNCTIONS:
            op.execute(f'DROP FUNCTION IF EXISTS {name}()')
    elif dialect == 'sqlite':
        for name in SQLITE_TRIGGERS:
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
    # Without the ledger a digest subscription row means "yes" again.
    op.execute(
        "INSERT INTO topic_digest_subscription (user_id, created_at) "
        "SELECT r.user_id, r.at FROM consent_record r WHERE r.purpose = 'hub.topics.digest' "
        "AND r.object = '' AND r.user_id IS NOT NULL AND r.action = 'given' "
        "AND NOT EXISTS (SELECT 1 FROM consent_record l WHERE l.subject_key = r.subject_key "
        "AND l.purpose = r.purpose AND l.object = r.object "
        "AND (l.at > r.at OR (l.at = r.at AND l.id > r.id))) "
        "AND NOT EXISTS (SELECT 1 FROM topic_digest_subscription s WHERE s.user_id = r.user_id)")
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_record_user_id'))
        batch_op.drop_index('ix_consent_record_state')
        batch_op.drop_index('ix_consent_record_purpose_at')
        batch_op.drop_index(batch_op.f('ix_consent_record_email_digest'))
        batch_op.drop_index(batch_op.f('ix_consent_record_email'))
        batch_op.drop_index(batch_op.f('ix_consent_record_contact_ref'))

    op.drop_table('consent_record')
    op.drop_table('consent_text')
    op.drop_table('consent_link_key')
