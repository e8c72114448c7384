"""Asking the index: one query per page of results, one for the counts per kind.

Every word of the query must match, as a word or the start of one, in the title, the
body or the extra text of a document, whatever its case and diacritics. Title matches
weigh most (SQLite: BM25 with column weights; PostgreSQL: ``ts_rank`` over weighted
lexemes). Only documents the person may see are counted: of the kinds the application
enabled, in the person's language (or for everyone), public or under a permission the
person holds, and within their visibility window.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from hub.contributions import SearchResult
from hub.db import utcnow
from hub.search import terms
from hub.search.models import SearchDocument
from hub.search.sync import process
from hub.security import Root

# Column weights: title, body, extra (SQLite bm25 multiplies; PostgreSQL weights A, B, D).
SQLITE_WEIGHTS = (10.0, 2.0, 0.5)
POSTGRES_WEIGHTS = "{0.05, 0.1, 0.3, 1.0}"  # D, C, B, A


@dataclass
class SearchPage:
    results: list[SearchResult] = field(default_factory=list)
    total: int = 0
    # (kind, label, count) of every kind with a hit, in the sources' order.
    counts: list[tuple] = field(default_factory=list)


def _match(dialect: str, words: list[str]):
    """The full-text condition and the rank expression (lower ranks first)."""
    if dialect == "postgresql":
        query = sa.func.to_tsquery(sa.literal_column("'hub_search'::regconfig"),
                                   " & ".join(f"{w}:*" for w in words))
        tsv = sa.literal_column("search_document.tsv")
        rank = -sa.func.ts_rank(sa.literal_column(f"'{POSTGRES_WEIGHTS}'::float4[]"), tsv, query)
        return tsv.op("@@")(query), rank, None
    fts = sa.table("search_document_fts", sa.column("rowid"))
    name = sa.literal_column("search_document_fts")
    match = name.op("MATCH")(" AND ".join(f'"{w}"*' for w in words))
    rank = sa.func.bm25(name, *SQLITE_WEIGHTS)
    return match, rank, fts


def _visible(request, sources: dict):
    now = utcnow()
    # A job's or a test's request has no traversal context: the root's ACL applies.
    context = getattr(request, "context", None) or Root(request)
    permissions = sorted({p for s in sources.values() for p in s.permissions
                          if request.has_permission(p, context)})
    language = getattr(request, "locale_name", "") or ""
    return [SearchDocument.kind.in_(list(sources)),
            SearchDocument.language.in_(["", language]),
            SearchDocument.permission.in_(["", *permissions]),
            sa.or_(SearchDocument.visible_from.is_(None), SearchDocument.visible_from <= now),
            sa.or_(SearchDocument.visible_until.is_(None), SearchDocument.visible_until > now)]


def search(request, text: str, kind: str = "", page: int = 1, size: int = 20) -> SearchPage:
    """A page of what ``text`` finds for the person making ``request``."""
    sources = request.registry.get("hub.search.sources") or {}
    words = terms(text)
    if not words or not sources:
        return SearchPage()
    db = request.dbsession
    process(db)
    match, rank, fts = _match(db.get_bind().dialect.name, words)
    conditions = [match, *_visible(request, sources)]

    def from_index(stmt):
        if fts is not None:
            stmt = stmt.join(fts, fts.c.rowid == SearchDocument.id)
        return stmt.where(*conditions)

    counted = dict(db.execute(from_index(
        sa.select(SearchDocument.kind, sa.func.count()).select_from(SearchDocument))
        .group_by(SearchDocument.kind)).all())
    counts = [(k, s.label, counted[k]) for k, s in sources.items() if counted.get(k)]
    selected = kind if kind in sources else ""
    total = counted.get(selected, 0) if selected else sum(counted.values())
    stmt = from_index(sa.select(SearchDocument, rank.label("rank")).select_from(SearchDocument))
    if selected:
        stmt = stmt.where(SearchDocument.kind == selected)
    stmt = stmt.order_by(rank, SearchDocument.title, SearchDocument.id) \
        .limit(size).offset((max(page, 1) - 1) * size)
    results = []
    for doc, score in db.execute(stmt).all():
        try:
            url = request.route_path(doc.route, **doc.route_args)
        except KeyError:
            continue  # a route the running configuration lacks
        if doc.anchor:
            url = f"{url}#{doc.anchor}"
        results.append(SearchResult(title=doc.title, url=url, summary=doc.summary,
                                    kind=sources[doc.kind].label, score=-float(score or 0)))
    return SearchPage(results=results, total=total, counts=counts)
