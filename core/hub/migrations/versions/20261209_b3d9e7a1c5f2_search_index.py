"""search index

``search_document`` holds one row per searchable object and language; the full-text
index beside it is made here, per database:

- SQLite: an FTS5 table over the rows (external content, kept by triggers) with the
  ``unicode61 remove_diacritics 2`` tokenizer and prefix indexes of 2 and 3 letters.
- PostgreSQL: the ``hub_search`` text-search configuration (``simple`` with the
  ``unaccent`` dictionary in front for words), a generated weighted ``tsvector`` column
  and a GIN index. Where the ``unaccent`` extension cannot be created (no right to), the
  column folds the diacritics of Latin letters with ``translate`` instead.

The index is filled by ``hub db upgrade`` (``hub.search.sync.refresh``) after the
migrations.

Revision ID: b3d9e7a1c5f2
Revises: 4b1e7d9a2c63
Create Date: 2026-12-09 09:00:00.000000
"""
import unicodedata

import sqlalchemy as sa
from alembic import op

import hub.db

revision = 'b3d9e7a1c5f2'
down_revision = '4b1e7d9a2c63'
branch_labels = None
depends_on = None

COLUMNS = ('title', 'body', 'extra')


def _latin_folding() -> tuple[str, str]:
    """Accented Latin letters (U+00C0–U+017F) and their letters without diacritics."""
    source, target = [], []
    for code in range(0xC0, 0x180):
        char = chr(code)
        base = unicodedata.normalize('NFKD', char)[0]
        if base != char and base.isascii() and base.isalpha():
            source.append(char)
            target.append(base)
    return ''.join(source), ''.join(target)


def _create_table():
    op.create_table(
        'search_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=60), nullable=False),
        sa.Column('key', sa.String(length=60), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('extra', sa.Text(), nullable=False),
        sa.Column('summary', sa.String(length=300), nullable=False),
        sa.Column('route', sa.String(length=100), nullable=False),
        sa.Column('route_args', sa.JSON(), nullable=False),
        sa.Column('anchor', sa.String(length=60), nullable=False),
        sa.Column('permission', sa.String(length=100), nullable=False),
        sa.Column('visible_from', hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('visible_until', hub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('indexed_at', hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("title <> ''", name=op.f('ck_search_document_title_not_empty')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_document')),
        sa.UniqueConstraint('kind', 'key', 'language',
                            name=op.f('uq_search_document_kind_key_language')),
    )
    op.create_index(op.f('ix_search_document_kind'), 'search_document', ['kind'])
    op.create_table(
        'search_source_state',
        sa.Column('kind', sa.String(length=60), nullable=False),
        sa.Column('version', sa.String(length=40), nullable=False),
        sa.Column('indexed_at', hub.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('kind', name=op.f('pk_search_source_state')),
    )


# The FTS5 table reads its text from search_document (external content); the triggers
# keep its index in step with every insert, update and delete of a row.
FTS_INSERT = ("INSERT INTO search_document_fts(rowid, title, body, extra) "
              "VALUES (new.id, new.title, new.body, new.extra);")
FTS_DELETE = ("INSERT INTO search_document_fts(search_document_fts, rowid, title, body, extra) "
              "VALUES ('delete', old.id, old.title, old.body, old.extra);")


def _sqlite_index():
    op.execute("CREATE VIRTUAL TABLE search_document_fts USING fts5(title, body, extra, "
               "content='search_document', content_rowid='id', "
               "tokenize='unicode61 remove_diacritics 2', prefix='2 3')")
    op.execute("CREATE TRIGGER search_document_ai AFTER INSERT ON search_document "
               "BEGIN " + FTS_INSERT + " END")
    op.execute("CREATE TRIGGER search_document_ad AFTER DELETE ON search_document "
               "BEGIN " + FTS_DELETE + " END")
    op.execute("CREATE TRIGGER search_document_au AFTER UPDATE ON search_document "
               "BEGIN " + FTS_DELETE + " " + FTS_INSERT + " END")


def _postgres_index():
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.exec_driver_sql('CREATE EXTENSION IF NOT EXISTS unaccent')
        unaccent = True
    except sa.exc.DBAPIError:
        unaccent = False
    op.execute('CREATE TEXT SEARCH CONFIGURATION hub_search (COPY = simple)')
    if unaccent:
        op.execute('ALTER TEXT SEARCH CONFIGURATION hub_search ALTER MAPPING FOR '
                   'hword, hword_part, word WITH unaccent, simple')

        def text(column):
            return column
    else:
        source, target = _latin_folding()

        def text(column):
            return f"translate({column}, '{source}', '{target}')"
    weights = dict(zip(COLUMNS, ('A', 'B', 'D'), strict=True))
    vector = ' || '.join(
        f"setweight(to_tsvector('hub_search'::regconfig, {text(c)}), '{w}')"
        for c, w in weights.items())
    op.execute(f'ALTER TABLE search_document ADD COLUMN tsv tsvector '
               f'GENERATED ALWAYS AS ({vector}) STORED')
    op.execute('CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)')


def upgrade():
    _create_table()
    if op.get_bind().dialect.name == 'postgresql':
        _postgres_index()
    else:
        _sqlite_index()


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_table('search_document')
        op.execute('DROP TEXT SEARCH CONFIGURATION IF EXISTS hub_search')
    else:
        for name in ('ai', 'ad', 'au'):
            op.execute(f'DROP TRIGGER IF EXISTS search_document_{name}')
        op.execute('DROP TABLE IF EXISTS search_document_fts')
        op.drop_table('search_document')
    op.drop_table('search_source_state')
