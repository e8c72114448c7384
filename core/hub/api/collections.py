"""One shape for every collection the API returns, and the paging that goes with it.

Every ``GET`` that answers with a list answers with this object (plugins included)::

    {"items": [...], "total": 42, "limit": 30, "offset": 0, "next_offset": 30}

``total`` counts every item that matches, ``next_offset`` is the ``offset`` of the next
page or ``null`` on the last one. A collection may add keys that describe the whole
list (``unread`` on notifications), never rename these. Requests page with ``limit`` and
``offset``; ``page`` (from 1) is accepted instead of ``offset`` for links that count pages.

In a view::

    paging = read_paging(request)
    rows, total = page_of(request.dbsession, sa.select(Room).order_by(Room.name), paging)
    return collection([room_json(r) for r in rows], total, paging)

and in ``hub_openapi``: ``"parameters": paging_parameters()`` and
``collection_schema(ref("Room"))`` for the 200 response.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from hub.params import MAX_PAGE, int_param

MAX_LIMIT = 100
MAX_OFFSET = 1_000_000
DEFAULT_LIMIT = 30


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


def read_paging(request, default_limit: int = DEFAULT_LIMIT,
                max_limit: int = MAX_LIMIT) -> Paging:
    """``limit`` and ``offset`` (or ``page``) of the query string; 422 when out of range."""
    limit = int_param(request, "limit", default_limit, minimum=1, maximum=max_limit)
    offset = int_param(request, "offset", None, minimum=0, maximum=MAX_OFFSET)
    if offset is None:
        page = int_param(request, "page", 1, minimum=1, maximum=MAX_PAGE)
        offset = min((page - 1) * limit, MAX_OFFSET)
    return Paging(limit, offset)


def page_of(session, query: sa.Select, paging: Paging) -> tuple[list, int]:
    """One page of ``query``'s rows (scalars) and how many rows the query has in all."""
    total = session.scalar(sa.select(sa.func.count()).select_from(
        query.order_by(None).subquery())) or 0
    rows = session.scalars(query.limit(paging.limit).offset(paging.offset)).all()
    return list(rows), total


def collection(items: Iterable, total: int, paging: Paging, **extra) -> dict:
    """The collection object for one page of ``items`` out of ``total``."""
    following = paging.offset + paging.limit
    return {"items": list(items), "total": total, "limit": paging.limit,
            "offset": paging.offset, "next_offset": following if following < total else None,
            **extra}


def collection_of(items: Sequence, paging: Paging, **extra) -> dict:
    """The collection object for a list already in memory (short lists: rooms, topics)."""
    return collection(items[paging.offset:paging.offset + paging.limit], len(items), paging,
                      **extra)


# -- the OpenAPI side ------------------------------------------------------------------------

def paging_parameters(default_limit: int = DEFAULT_LIMIT,
                      max_limit: int = MAX_LIMIT) -> list[dict]:
    """The query parameters ``limit``, ``offset`` and ``page`` of a collection."""
    return [
        {"name": "limit", "in": "query", "required": False,
         "description": f"How many items to return (1-{max_limit}).",
         "schema": {"type": "integer", "minimum": 1, "maximum": max_limit,
                    "default": default_limit}},
        {"name": "offset", "in": "query", "required": False,
         "description": "How many items to skip (the previous answer's next_offset).",
         "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}},
        {"name": "page", "in": "query", "required": False,
         "description": "Page number from 1, instead of offset (ignored when offset is "
                        "given).",
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}},
    ]


def collection_schema(item_schema: dict, extra_properties: dict | None = None,
                      description: str | None = None) -> dict:
    """The schema of a collection of ``item_schema`` (plus collection-wide properties)."""
    schema = {
        "type": "object",
        "required": ["items", "total", "limit", "offset", "next_offset"],
        "properties": {
            "items": {"type": "array", "items": item_schema},
            "total": {"type": "integer", "minimum": 0,
                      "description": "How many items match, on every page."},
            "limit": {"type": "integer", "minimum": 1},
            "offset": {"type": "integer", "minimum": 0},
            "next_offset": {"type": ["integer", "null"], "minimum": 1,
                            "description": "The offset of the next page; null on the last."},
            **(extra_properties or {}),
        },
    }
    if extra_properties:
        schema["required"] = schema["required"] + list(extra_properties)
    if description:
        schema["description"] = description
    return schema
