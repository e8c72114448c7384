"""The site search index: one row per searchable object and language.

The full-text part lives next to the table and is made by the migration, not by the
models: on SQLite an FTS5 table (``search_document_fts``, external content, kept by
triggers), on PostgreSQL a generated ``tsvector`` column with a GIN index. The
application only ever writes ``search_document``.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow


class SearchDocument(Base):
    __tablename__ = "search_document"
    __table_args__ = (
        sa.UniqueConstraint("kind", "key", "language"),
        sa.CheckConstraint("title <> ''", name="title_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The source (``news.article``) and the object's key within it (its id as text).
    kind: Mapped[str] = mapped_column(sa.String(60), index=True)
    key: Mapped[str] = mapped_column(sa.String(60))
    # The language the row is shown in; "" when the object has one version for everyone.
    language: Mapped[str] = mapped_column(sa.String(5), default="")
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    # Text that finds the object but weighs least (the other languages' versions).
    extra: Mapped[str] = mapped_column(sa.Text, default="")
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    route: Mapped[str] = mapped_column(sa.String(100))
    route_args: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    anchor: Mapped[str] = mapped_column(sa.String(60), default="")
    # "" for everyone, else the permission a person needs to find the row.
    permission: Mapped[str] = mapped_column(sa.String(100), default="")
    visible_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    visible_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    indexed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchSourceState(Base):
    """Which version of each source's documents the index holds (``hub.search.refresh``)."""

    __tablename__ = "search_source_state"

    kind: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(40))
    indexed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
