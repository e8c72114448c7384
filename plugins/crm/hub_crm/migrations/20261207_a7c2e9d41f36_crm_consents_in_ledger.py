"""CRM consents move into the core's consent ledger

Every row of ``crm_consent_event`` (the evidence of each giving and withdrawal) becomes a
record of the ledger purpose ``crm.<purpose>`` at its original time, for the contact's
subject: the account when the contact is linked to one (``user:<id>``), else the contact
(``contact:crm:<id>``). The source becomes the ledger's: ``preferences`` → ``form`` (the
person on the preferences page), ``staff: …`` and ``api: …`` → ``staff`` with the evidence
staff typed as the note, anything else (demo data) → ``migration``. Each note also says which
row it came from, with its source, text version and text hash. A current decision in
``crm_consent`` without any event (possible after a merge of contacts) becomes one record at
its time, noted as such. Nothing is recorded for a contact that never decided.

The wording was the plugin's text version ``2026-11``, in English in the code and in Czech in
its translations; it is stored as the ledger text of each purpose. An event of another
version points to a text that says its wording was not kept instead of inventing it.

Afterwards ``crm_consent`` and ``crm_consent_event`` are dropped. Segments get ``used_at``:
once a send relied on a segment, its purpose is fixed (no send before this revision kept a
snapshot, so none is marked).

Revision ID: a7c2e9d41f36
Revises: 5b8e1f0c2d47
Create Date: 2026-12-07 07:00:00
"""
import datetime as dt
import hashlib
import json

import sqlalchemy as sa
from alembic import op

import hub.db

revision = 'a7c2e9d41f36'
down_revision = '5b8e1f0c2d47'
branch_labels = None
depends_on = None

PURPOSES = ('newsletter', 'event_invitations', 'disease_information', 'research')
HEALTH = ('disease_information', 'research')
OLD_VERSION = '2026-11'
OLD_TITLES = {
    'newsletter': ('Newsletter', 'Newsletter'),
    'event_invitations': ('Pozvánky na akce', 'Event invitations'),
    'disease_information': ('Cílené informace o oblasti onemocnění',
                            'Targeted information about a disease area'),
    'research': ('Výzkum', 'Research'),
}
OLD_TEXTS = {
    'newsletter': ('Chci dostávat newsletter hubu e-mailem.',
                   "I want to receive the hub's newsletter by e-mail."),
    'event_invitations': ('Chci dostávat pozvánky na akce hubu.',
                          'I want to be invited to events of the hub.'),
    'disease_information': (
        'Chci cílené informace o svých oblastech onemocnění; hub k tomu smí použít zdravotní '
        'údaje, které jsem mu poskytl/a.',
        'I want targeted information about my disease areas; the hub may use the health '
        'information I gave it for this purpose.'),
    'research': (
        'Hub mě smí kontaktovat ohledně výzkumu a použít mé zdravotní údaje k výběru '
        'vhodných studií.',
        'The hub may contact me about research and use my health information to select '
        'relevant studies.'),
}

contacts = sa.table('crm_contact', sa.column('id', sa.Integer), sa.column('email', sa.String),
                    sa.column('user_id', sa.Integer))
events = sa.table(
    'crm_consent_event', sa.column('id', sa.Integer), sa.column('contact_id', sa.Integer),
    sa.column('purpose', sa.String), sa.column('granted', sa.Boolean),
    sa.column('at', hub.db.UTCDateTime), sa.column('source', sa.String),
    sa.column('text_version', sa.String), sa.column('text_hash', sa.String),
    sa.column('actor_user_id', sa.Integer))
current = sa.table(
    'crm_consent', sa.column('contact_id', sa.Integer), sa.column('purpose', sa.String),
    sa.column('granted', sa.Boolean), sa.column('changed_at', hub.db.UTCDateTime),
    sa.column('source', sa.String), sa.column('text_version', sa.String))
texts = sa.table(
    'consent_text', sa.column('purpose', sa.String), sa.column('version', sa.String),
    sa.column('title_cs', sa.String), sa.column('title_en', sa.String),
    sa.column('text_cs', sa.Text), sa.column('text_en', sa.Text),
    sa.column('legal_basis', sa.String), sa.column('special_category', sa.Boolean),
    sa.column('retention_days', sa.Integer), sa.column('first_used_at', hub.db.UTCDateTime))
records = sa.table(
    'consent_record', sa.column('id', sa.Integer), sa.column('subject_key', sa.String),
    sa.column('user_id', sa.Integer), sa.column('contact_ref', sa.String),
    sa.column('email', sa.String), sa.column('email_digest', sa.String),
    sa.column('purpose', sa.String), sa.column('object', sa.String),
    sa.column('text_version', sa.String), sa.column('action', sa.String),
    sa.column('at', hub.db.UTCDateTime), sa.column('source', sa.String),
    sa.column('note', sa.Text), sa.column('recorded_by_id', sa.Integer))


def _version(text: dict) -> str:
    """The ledger's text version (hub.consent.purposes.text_version, as of this migration)."""
    canonical = json.dumps({k: v.replace('\r\n', '\n').strip() for k, v in text.items()},
                           sort_keys=True, ensure_ascii=False, separators=(',', ':'))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _wording(purpose: str, version: str) -> dict:
    if version == OLD_VERSION:
        cs, en = OLD_TEXTS[purpose]
    else:
        cs = f'[Verze „{version}“ tohoto souhlasu; její znění se nedochovalo.]'
        en = f'[Version "{version}" of this consent; its wording was not kept.]'
    health = purpose in HEALTH
    return {'purpose': f'crm.{purpose}', 'version': _version({'cs': cs, 'en': en}),
            'title_cs': OLD_TITLES[purpose][0], 'title_en': OLD_TITLES[purpose][1],
            'text_cs': cs, 'text_en': en,
            'legal_basis': 'explicit_consent' if health else 'consent',
            'special_category': health, 'retention_days': None}


def _source(source: str) -> tuple[str, str]:
    """The ledger's source of an old one, and the evidence staff typed (if any)."""
    if source == 'preferences':
        return 'form', ''
    for prefix in ('staff: ', 'api: '):
        if source.startswith(prefix):
            evidence = source[len(prefix):].strip()
            return 'staff', ('API: ' if prefix == 'api: ' else '') + evidence
    return 'migration', ''


def upgrade():
    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    people = {c.id: c for c in bind.execute(sa.select(contacts))}
    rows = bind.execute(sa.select(events).order_by(events.c.at, events.c.id)).all()
    decided = {(r.contact_id, r.purpose) for r in rows}
    planned = []  # (at, order, record)
    wordings = {}

    def add(contact_id, purpose, granted, at, source, version, note, actor, order):
        contact = people.get(contact_id)
        if contact is None or purpose not in PURPOSES:
            return
        wording = _wording(purpose, version or OLD_VERSION)
        wordings.setdefault((wording['purpose'], wording['version']),
                            {**wording, 'first_used_at': now})
        ledger_source, evidence = _source(source or '')
        email = (contact.email or '').strip().lower()
        subject = (f'user:{contact.user_id}' if contact.user_id is not None
                   else f'contact:crm:{contact_id}')
        planned.append((at, order, {
            'subject_key': subject, 'user_id': contact.user_id,
            'contact_ref': f'crm:{contact_id}', 'email': None,
            'email_digest': hashlib.sha256(email.encode()).hexdigest() if email else None,
            'purpose': wording['purpose'], 'object': '', 'text_version': wording['version'],
            'action': 'given' if granted else 'withdrawn', 'at': at,
            'source': ledger_source,
            # A staff record needs its evidence; the old source is quoted in every note.
            'note': (f'{evidence} ' if evidence else '') + note, 'recorded_by_id': actor}))

    for r in rows:
        add(r.contact_id, r.purpose, r.granted, r.at, r.source, r.text_version,
            f'(From crm_consent_event #{r.id}: source "{r.source}", text version '
            f'"{r.text_version}", text hash "{r.text_hash}".)', r.actor_user_id, r.id)
    for c in bind.execute(sa.select(current).order_by(current.c.contact_id,
                                                       current.c.purpose)):
        if (c.contact_id, c.purpose) not in decided and c.granted:
            add(c.contact_id, c.purpose, True, c.changed_at, c.source, c.text_version,
                f'(From crm_consent, the current decision with no event recorded: source '
                f'"{c.source}", text version "{c.text_version}".)', None, 0)
    if wordings:
        known = set(bind.execute(sa.select(texts.c.purpose, texts.c.version)).all())
        fresh = [w for key, w in wordings.items() if key not in known]
        if fresh:
            bind.execute(texts.insert(), fresh)
    ordered = [record for _at, _order, record in sorted(planned, key=lambda p: p[:2])]
    for start in range(0, len(ordered), 1000):
        bind.execute(records.insert(), ordered[start:start + 1000])
    op.drop_table('crm_consent_event')
    op.drop_table('crm_consent')
    with op.batch_alter_table('crm_segment', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('used_at', hub.db.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('crm_segment', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('used_at')
    # The ledger is append-only: its records stay. The old tables come back, filled from the
    # CRM purposes' records of each contact, so the earlier code reads them.
    op.create_table(
        'crm_consent',
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=30), nullable=False),
        sa.Column('granted', sa.Boolean(), nullable=False),
        sa.Column('changed_at', hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('source', sa.String(length=60), nullable=False),
        sa.Column('text_version', sa.String(length=40), nullable=False),
        sa.CheckConstraint("purpose IN ('newsletter', 'event_invitations', "
                           "'disease_information', 'research')",
                           name=op.f('ck_crm_consent_purpose')),
        sa.ForeignKeyConstraint(['contact_id'], ['crm_contact.id'],
                                name=op.f('fk_crm_consent_contact_id_crm_contact'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('contact_id', 'purpose', name=op.f('pk_crm_consent')))
    with op.batch_alter_table('crm_consent', schema=None) as batch_op:
        batch_op.create_index('ix_crm_consent_purpose_granted',
                              ['purpose', 'granted', 'contact_id'], unique=False)
    op.create_table(
        'crm_consent_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=30), nullable=False),
        sa.Column('granted', sa.Boolean(), nullable=False),
        sa.Column('at', hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('source', sa.String(length=60), nullable=False),
        sa.Column('text_version', sa.String(length=40), nullable=False),
        sa.Column('text_hash', sa.String(length=64), nullable=False),
        sa.Column('actor_user_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("purpose IN ('newsletter', 'event_invitations', "
                           "'disease_information', 'research')",
                           name=op.f('ck_crm_consent_event_purpose')),
        sa.ForeignKeyConstraint(['actor_user_id'], ['user.id'],
                                name=op.f('fk_crm_consent_event_actor_user_id_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['contact_id'], ['crm_contact.id'],
                                name=op.f('fk_crm_consent_event_contact_id_crm_contact'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_consent_event')))
    with op.batch_alter_table('crm_consent_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_consent_event_contact_id'), ['contact_id'],
                              unique=False)
    bind = op.get_bind()
    people = {c.id: c for c in bind.execute(sa.select(contacts))}
    by_user = {c.user_id: c.id for c in people.values() if c.user_id is not None}
    history, state = [], {}
    for r in bind.execute(sa.select(records).where(records.c.purpose.like('crm.%'))
                          .order_by(records.c.at, records.c.id)):
        number = (r.contact_ref or '').partition(':')[2]
        contact_id = int(number) if (r.contact_ref or '').startswith('crm:') \
            and number.isdigit() else by_user.get(r.user_id)
        purpose = r.purpose[len('crm.'):]
        if contact_id not in people or purpose not in PURPOSES:
            continue
        granted = r.action == 'given'
        history.append({'contact_id': contact_id, 'purpose': purpose, 'granted': granted,
                        'at': r.at, 'source': f'ledger: {r.source}'[:60],
                        'text_version': r.text_version, 'text_hash': '',
                        'actor_user_id': r.recorded_by_id})
        state[(contact_id, purpose)] = {'contact_id': contact_id, 'purpose': purpose,
                                        'granted': granted, 'changed_at': r.at,
                                        'source': f'ledger: {r.source}'[:60],
                                        'text_version': r.text_version}
    if history:
        bind.execute(events.insert(), history)
        bind.execute(current.insert(), list(state.values()))
