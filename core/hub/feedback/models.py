"""Accessibility feedback (Act No. 99/2019 Coll., §9): what visitors report, what staff do."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow

STATUSES = ("new", "in_progress", "answered")


class AccessibilityFeedback(Base):
    """One report of content somebody could not use, and the staff's handling of it.

    ``client_key`` is a SHA-256 digest of the sender's network address, used only to limit
    how many reports one sender can file in an hour; the address itself is never stored.
    """

    __tablename__ = "accessibility_feedback"
    __table_args__ = (
        sa.CheckConstraint("status IN ('new', 'in_progress', 'answered')", name="status"),
        sa.CheckConstraint("description <> ''", name="description_not_empty"),
        sa.CheckConstraint("page_url <> ''", name="page_url_not_empty"),
        sa.Index("ix_accessibility_feedback_client_key_created_at", "client_key", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    page_url: Mapped[str] = mapped_column(sa.String(500))
    description: Mapped[str] = mapped_column(sa.Text)
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(2), default="cs")
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    client_key: Mapped[str] = mapped_column(sa.String(64), default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="new", index=True)
    reply_note: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
