"""Keeping ``search_document`` in step with the sources' models, inside the transaction.

Every session notes which objects of a source changed: at flush (new, changed, deleted
instances, and the objects of ``Related`` models) and for bulk statements (the ids their
WHERE clause selects, read before the statement runs; a bulk insert marks the whole
kind). Before the session commits, and before a search on it, the documents of the noted
objects are written again from what the database now holds. A mark is only a hint to
look again, so marking too much is harmless; rows are rewritten, never patched.

The listeners are on SQLAlchemy's ``Session`` class, so every session of the process
keeps the index (requests, jobs, the command line, tests) without each factory having to
be wired. The sources are kept per process by kind; an application's sessions index, and
its queries show, only the kinds of the plugins it enabled.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.search import Document, SearchSource
from hub.search.models import SearchDocument, SearchSourceState

PENDING = "hub.search.pending"
KINDS = "hub.search.kinds"
ALL = "*"
BATCH = 500

_sources: dict[str, SearchSource] = {}
# table name → [(source, related or None)]
_watch: dict[str, list] = {}


def register(source: SearchSource) -> None:
    """Keep ``source``'s documents in step from now on (idempotent per kind)."""
    known = _sources.get(source.kind)
    if known is source:
        return
    if known is not None:
        _forget(source.kind)
    _sources[source.kind] = source
    _watch.setdefault(source.model.__table__.name, []).append((source, None))
    for related in source.related:
        table = getattr(related.model, "__table__", related.model)
        _watch.setdefault(table.name, []).append((source, related))


def _forget(kind: str) -> None:
    for entries in _watch.values():
        entries[:] = [e for e in entries if e[0].kind != kind]
    _sources.pop(kind, None)


def limit_sessions(factory, kinds) -> None:
    """Sessions of ``factory`` index only the kinds in ``kinds`` (a container kept, not
    copied: the application's sources): the sources are per process, and a process may
    hold two applications (tests, a command beside a server) whose databases have
    different plugins' tables."""
    factory.kw.setdefault("info", {})[KINDS] = kinds


def mark(session: Session, kind: str, key) -> None:
    """Note that the object ``key`` of ``kind`` (or ``ALL``) must be indexed again."""
    kinds = session.info.get(KINDS)
    if kinds is not None and kind not in kinds:
        return
    pending = session.info.setdefault(PENDING, {})
    keys = pending.setdefault(kind, set())
    if keys is ALL or key is None:
        return
    if key is ALL:
        pending[kind] = ALL
    else:
        keys.add(key)


def _changed(obj, fields: tuple[str, ...]) -> bool:
    if not fields:
        return True
    attrs = sa.inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in fields if name in attrs)


@event.listens_for(Session, "after_flush")
def _after_flush(session, _context):
    if not _watch:
        return
    for group, is_dirty in ((session.new, False), (session.dirty, True),
                            (session.deleted, False)):
        for obj in group:
            table = getattr(obj, "__table__", None)
            entries = _watch.get(table.name) if table is not None else None
            if not entries:
                continue
            for source, related in entries:
                if related is None:
                    if not is_dirty or _changed(obj, source.fields):
                        mark(session, source.kind, obj.id)
                else:
                    mark(session, source.kind, related.key(obj))


def _bulk_columns(statement) -> set[str] | None:
    values = getattr(statement, "_values", None)
    if not values:
        return None
    return {getattr(key, "key", key) for key in values}


@event.listens_for(Session, "after_flush_postexec")
def _after_flush_postexec(session, _context):
    # Written at once, so that every session on the connection (a test's, a request's
    # on the same transaction) finds what was flushed, as it finds the rows themselves.
    _write_pending(session)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state):
    if not (state.is_insert or state.is_update or state.is_delete) or not _watch:
        return None
    table = getattr(state.statement, "table", None)
    entries = _watch.get(getattr(table, "name", None))
    if not entries:
        return None
    where = getattr(state.statement, "whereclause", None)
    if state.is_insert or where is None:
        for source, _related in entries:
            mark(state.session, source.kind, ALL)
    else:
        columns = _bulk_columns(state.statement) if state.is_update else None
        rows = None
        for source, related in entries:
            if related is None and columns is not None and source.fields \
                    and not columns & set(source.fields):
                continue
            if rows is None:
                with state.session.no_autoflush:
                    # The plain table: selecting the ORM-annotated one gives entities.
                    plain = table.metadata.tables[table.name]
                    rows = state.session.execute(sa.select(*plain.c).where(where)).all()
            for row in rows:
                mark(state.session, source.kind,
                     row.id if related is None else related.key(row))
    if not state.session.info.get(PENDING):
        return None
    result = state.invoke_statement()
    with state.session.no_autoflush:
        _write_pending(state.session)
    return result


@event.listens_for(Session, "before_commit")
def _before_commit(session):
    process(session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session, transaction):
    # Marks left when the outermost transaction ends belong to a rollback: the next
    # transaction starts from what the database holds.
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def process(session: Session) -> None:
    """Flush ``session`` and write the documents of every object noted as changed."""
    session.flush()
    _write_pending(session)


def _write_pending(session: Session) -> None:
    rounds = 0
    while session.info.get(PENDING) and rounds < 10:
        pending = session.info.pop(PENDING)
        for kind, keys in pending.items():
            source = _sources.get(kind)
            if source is None:
                continue
            if keys is ALL:
                rebuild(session, source)
            else:
                index(session, source, sorted(keys))
        rounds += 1


def index(session: Session, source: SearchSource, ids: list) -> None:
    """Rewrite the documents of the objects ``ids`` of ``source``."""
    model = source.model
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        with session.no_autoflush:
            objects = session.scalars(sa.select(model).where(model.id.in_(batch))).all()
        session.execute(sa.delete(SearchDocument).where(
            SearchDocument.kind == source.kind,
            SearchDocument.key.in_([str(i) for i in batch])),
            execution_options={"synchronize_session": False})
        _insert(session, source, source.documents(session, objects))


def rebuild(session: Session, source: SearchSource) -> int:
    """Index every object of ``source`` afresh; the number of documents written."""
    session.execute(sa.delete(SearchDocument).where(SearchDocument.kind == source.kind),
                    execution_options={"synchronize_session": False})
    model = source.model
    ids = list(session.scalars(sa.select(model.id).order_by(model.id)))
    written = 0
    for start in range(0, len(ids), BATCH):
        with session.no_autoflush:
            objects = session.scalars(
                sa.select(model).where(model.id.in_(ids[start:start + BATCH]))).all()
        written += _insert(session, source, source.documents(session, objects))
        # Rows already read need not stay in memory while large kinds are rebuilt.
        for obj in objects:
            if obj not in session.dirty and obj not in session.new:
                session.expunge(obj)
    return written


def _insert(session: Session, source: SearchSource, documents: Iterable[Document]) -> int:
    now = utcnow()
    rows = [{"kind": source.kind, "key": str(d.key), "language": d.language,
             "title": d.title[:300], "body": d.body or "", "extra": d.extra or "",
             "summary": _shorten(d.summary, 300), "route": d.route,
             "route_args": dict(d.route_args), "anchor": d.anchor,
             "permission": d.permission, "visible_from": d.visible_from,
             "visible_until": d.visible_until, "indexed_at": now}
            for d in documents if d.title.strip()]
    if rows:
        session.execute(sa.insert(SearchDocument), rows)
    return len(rows)


def _shorten(text: str, length: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


def refresh(session: Session, sources: Iterable[SearchSource], force: bool = False) -> list:
    """Rebuild the kinds whose documents the index holds in another version (or
    ``force``: all of them); the kinds rebuilt. ``hub db upgrade`` calls it."""
    done = []
    states = {s.kind: s for s in session.scalars(sa.select(SearchSourceState))}
    for source in sources:
        register(source)
        state = states.get(source.kind)
        if not force and state is not None and state.version == source.version:
            continue
        rebuild(session, source)
        if state is None:
            session.add(SearchSourceState(kind=source.kind, version=source.version))
        else:
            state.version, state.indexed_at = source.version, utcnow()
        done.append(source.kind)
    process(session)
    return done
