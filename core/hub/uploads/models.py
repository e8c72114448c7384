"""Resumable uploads in progress: one row per upload, one per part kept on the storage."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow


class Upload(Base):
    """An upload a person started (tus). ``id`` is the token in its address.

    ``offset`` is how many bytes arrived; each request that sent bytes left one part on the
    storage service (``UploadPart``). ``completed_at`` is set when ``offset`` reaches
    ``length``; the row goes when the file is claimed, cancelled or expires.
    """

    __tablename__ = "upload"
    __table_args__ = (
        sa.CheckConstraint('"offset" >= 0 AND "offset" <= length', name="offset_within_length"),
    )

    id: Mapped[str] = mapped_column(sa.String(43), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         index=True)
    length: Mapped[int] = mapped_column(sa.BigInteger)
    offset: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    parts: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    filename: Mapped[str] = mapped_column(sa.String(255), default="", server_default="",
                                          info={"personal": True})
    content_type: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class UploadPart(Base):
    """The bytes one request added at ``offset``, kept under ``key`` on the storage.

    Keys are unique per request (a random suffix), so a request that loses the race for an
    offset, and removes its own part when it rolls back, never removes the winner's.
    """

    __tablename__ = "upload_part"
    __table_args__ = (sa.CheckConstraint("size > 0", name="size_positive"),)

    upload_id: Mapped[str] = mapped_column(
        sa.String(43), sa.ForeignKey("upload.id", ondelete="CASCADE"), primary_key=True)
    offset: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    key: Mapped[str] = mapped_column(sa.String(200))
