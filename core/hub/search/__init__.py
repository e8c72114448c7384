"""Site search over one index that understands how Czech is typed.

Plugins describe their searchable objects with ``hub_search_sources`` (a list of
``SearchSource``): a model and a function that turns objects of it into ``Document`` s,
one per language shown (or one for everyone). The core keeps ``search_document`` in step
with the models inside the writing transaction: changed objects are noted at flush and
their documents rewritten before commit (``hub.search.sync``), so the index never shows
what a rolled-back transaction wrote and never misses what a committed one did. Queries
(``hub.search.query``) are full-text on both databases: SQLite FTS5 with
``remove_diacritics 2`` and prefix indexes, PostgreSQL a ``tsvector`` made with the
``unaccent`` dictionary; both case- and diacritics-insensitive, prefix matches, ranked
title first. See docs/architecture.md, *Search*.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# Words of a query: letters and digits only, so nothing typed reaches the full-text
# query syntax of either database.
_WORD = re.compile(r"[^\W_]+")
MAX_TERMS = 8


@dataclass(frozen=True)
class Document:
    """What the index holds about one object in one language.

    ``language`` "" shows the document whatever the person's language; a source with
    several versions gives one document per language of the hub, each with the fallback
    already applied (the Czech text where there is no English one). ``extra`` finds the
    object but weighs least: put the other languages' texts there. ``permission`` ""
    means everyone may find it; ``visible_from``/``visible_until`` bound when.
    """

    key: Any
    title: str
    route: str
    route_args: dict = field(default_factory=dict)
    body: str = ""
    summary: str = ""
    language: str = ""
    extra: str = ""
    anchor: str = ""
    permission: str = ""
    visible_from: dt.datetime | None = None
    visible_until: dt.datetime | None = None


@dataclass(frozen=True)
class Related:
    """Another model whose change changes a source's documents.

    ``key(obj)`` gives the id of the source's object it belongs to (``None``: none);
    it also receives rows of bulk statements, so read only columns.
    """

    model: Any
    key: Callable[[Any], Any]


@dataclass(frozen=True)
class SearchSource:
    """A kind of searchable object of a plugin.

    ``documents(dbsession, objects)`` gives the documents of the objects (loaded
    instances of ``model``); an object that must not be found gives none. ``fields``
    lists the attributes the documents are made from: a change of others (a counter)
    leaves the index alone; empty means any change. Bump ``version`` when what the
    documents hold changes: ``hub db upgrade`` then rebuilds the kind.
    """

    kind: str
    label: Any
    model: Any
    documents: Callable[[Any, Sequence[Any]], Iterable[Document]]
    fields: tuple[str, ...] = ()
    related: tuple[Related, ...] = ()
    permissions: tuple[str, ...] = ()
    version: str = "1"


def fold(text: str) -> str:
    """Lower case without diacritics ("Práva PACIENTŮ" → "prava pacientu")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def terms(text: str) -> list[str]:
    """The words of a query, folded, without repeats, at most ``MAX_TERMS``."""
    seen: list[str] = []
    for word in _WORD.findall(fold(text)):
        if word not in seen:
            seen.append(word)
    return seen[:MAX_TERMS]


def includeme(config):
    from hub.search import sync
    from hub.shell import flatten

    sources = {}
    for source in flatten(config.registry["hub.pm"].hook.hub_search_sources()):
        if source.kind in sources:
            raise ValueError(f"Search source {source.kind} is declared twice.")
        sources[source.kind] = source
        sync.register(source)
    config.registry["hub.search.sources"] = sources
    for key in ("hub.dbsession_factory", "hub.dbsession_writer"):
        if config.registry.get(key) is not None:
            sync.limit_sessions(config.registry[key], sources)
