"""the public directory shows exactly the fields each person agreed to, from the ledger

Until now one box, "List my name, type and region in the public directory" ("Uvést mé jméno,
typ a kraj ve veřejném adresáři"), put a person in the directory. Its wording covered three
fields, so an opt-in becomes three consents of the scoped ledger purpose ``crm.directory``:
``field:name``, ``field:stakeholder_type`` and ``field:region``, nothing about their
organisation or how to contact them (those they can add on their preferences page).

Proof is needed: an opt-in becomes consents only when the person made it themself on the
preferences page (an audit entry ``directory.opt_in`` not followed by ``directory.opt_out``),
at that moment, with the old wording as the ledger text and a note naming the audit entry.
A box ticked by staff on the contact form recorded nobody's words: nothing is recorded for
it, and such people are no longer listed until they choose their fields themselves.

Afterwards ``crm_contact.directory_opt_in`` is dropped.

Revision ID: d3f8b6a2c915
Revises: a7c2e9d41f36
Create Date: 2026-12-07 09:00:00
"""
import datetime as dt
import hashlib
import json

import sqlalchemy as sa
from alembic import op

import hub.db

revision = 'd3f8b6a2c915'
down_revision = 'a7c2e9d41f36'
branch_labels = None
depends_on = None

PURPOSE = 'crm.directory'
COVERED = ('name', 'stakeholder_type', 'region')
OLD = {'cs': 'Uvést mé jméno, typ a kraj ve veřejném adresáři',
       'en': 'List my name, type and region in the public directory'}

contacts = sa.table('crm_contact', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                    sa.column('email', sa.String), sa.column('user_id', sa.Integer),
                    sa.column('directory_opt_in', sa.Boolean))
audit = sa.table('crm_audit', sa.column('id', sa.Integer), sa.column('at', hub.db.UTCDateTime),
                 sa.column('user_id', sa.Integer), sa.column('contact_id', sa.Integer),
                 sa.column('action', sa.String))
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


def upgrade():
    bind = op.get_bind()
    version = _version(OLD)
    listed = {c.id: c for c in bind.execute(sa.select(contacts).where(
        contacts.c.directory_opt_in.is_(True), contacts.c.kind == 'person'))}
    # The person's own last choice on the preferences page, per contact.
    last = {}
    for entry in bind.execute(sa.select(audit).where(
            audit.c.action.in_(('directory.opt_in', 'directory.opt_out')))
            .order_by(audit.c.at, audit.c.id)):
        last[entry.contact_id] = entry
    planned = []
    for contact_id, contact in sorted(listed.items()):
        entry = last.get(contact_id)
        if entry is None or entry.action != 'directory.opt_in':
            continue  # no proof of the person's own choice: asked again
        email = (contact.email or '').strip().lower()
        for field in COVERED:
            planned.append({
                'subject_key': (f'user:{contact.user_id}' if contact.user_id is not None
                                else f'contact:crm:{contact_id}'),
                'user_id': contact.user_id, 'contact_ref': f'crm:{contact_id}', 'email': None,
                'email_digest': hashlib.sha256(email.encode()).hexdigest() if email else None,
                'purpose': PURPOSE, 'object': f'field:{field}', 'text_version': version,
                'action': 'given', 'at': entry.at, 'source': 'form',
                'note': f'From crm_audit #{entry.id}: the person opted in on the preferences '
                        f'page to "{OLD["en"]}", which covered name, type and region only.',
                'recorded_by_id': None})
    if planned:
        known = bind.scalar(sa.select(sa.func.count()).select_from(texts).where(
            texts.c.purpose == PURPOSE, texts.c.version == version))
        if not known:
            bind.execute(texts.insert().values(
                purpose=PURPOSE, version=version, title_cs='Veřejný adresář',
                title_en='Public directory', text_cs=OLD['cs'], text_en=OLD['en'],
                legal_basis='consent', special_category=False, retention_days=None,
                first_used_at=dt.datetime.now(dt.UTC)))
        planned.sort(key=lambda r: r['at'])
        for start in range(0, len(planned), 1000):
            bind.execute(records.insert(), planned[start:start + 1000])
    # In place (no table rebuild on SQLite: rows hanging on contacts would cascade away).
    with op.batch_alter_table('crm_contact', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_crm_contact_directory')
        batch_op.drop_column('directory_opt_in')
        batch_op.create_index('ix_crm_contact_directory',
                              ['kind', 'last_name', 'first_name', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('crm_contact', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_crm_contact_directory')
        batch_op.add_column(sa.Column('directory_opt_in', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index('ix_crm_contact_directory',
                              ['directory_opt_in', 'kind', 'last_name', 'first_name', 'id'],
                              unique=False)
    bind = op.get_bind()
    # Listed again: whoever shows their name now (the latest record of the field decides).
    state = {}
    for r in bind.execute(sa.select(records).where(records.c.purpose == PURPOSE,
                                                   records.c.object == 'field:name')
                          .order_by(records.c.at, records.c.id)):
        state[r.subject_key] = (r.action, r.contact_ref)
    ids = [int(ref.partition(':')[2]) for action, ref in state.values()
           if action == 'given' and ref and ref.startswith('crm:')]
    for start in range(0, len(ids), 1000):
        bind.execute(contacts.update().where(contacts.c.id.in_(ids[start:start + 1000]))
                     .values(directory_opt_in=True))
