"""Counselling cases: a question, its thread, who handles it and by when."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.accounts.models import User
from hub.db import Base, UTCDateTime, utcnow

STATUSES = ("new", "open", "waiting", "answered", "closed")
CATEGORIES = ("patients_rights", "access_to_care", "organisation", "grants", "other")
DIRECTIONS = ("in", "out", "note")
CHANNELS = ("form", "api", "link", "my", "staff", "mail", "migration")
INBOX_REASONS = ("unmatched", "forged", "closed", "automatic")
LANGUAGES = ("cs", "en")


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Sequence(Base):
    """The last case number given in a year (``PH-<year>-<number>``)."""

    __tablename__ = "counselling_sequence"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Case(Base):
    """A question asked by a person, answered by the hub's counsellors.

    The asker is an account (``user_id``) or only a reply address; the name is optional.
    ``access_key`` signs the asker's personal links and reply address.
    """

    __tablename__ = "counselling_case"
    __table_args__ = (
        sa.CheckConstraint(_in("status", STATUSES), name="status"),
        sa.CheckConstraint(_in("category", CATEGORIES), name="category"),
        sa.CheckConstraint(_in("language", LANGUAGES), name="language"),
        sa.CheckConstraint("subject <> ''", name="subject_not_empty"),
        sa.Index("ix_counselling_case_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="new")
    category: Mapped[str] = mapped_column(sa.String(20), index=True)
    subject: Mapped[str] = mapped_column(sa.String(200), info={"personal": True})
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="", info={"personal": True})
    language: Mapped[str] = mapped_column(sa.String(2), default="cs")
    assignee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    access_key: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    first_reply_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    messages = relationship("Message", back_populates="case", order_by="Message.id",
                            cascade="all, delete-orphan", passive_deletes=True)
    assignee = relationship(User, foreign_keys=[assignee_id], lazy="joined")


class Message(Base):
    """One entry of a case's thread: the asker's words (in), a reply (out), a staff note."""

    __tablename__ = "counselling_message"
    __table_args__ = (
        sa.CheckConstraint(_in("direction", DIRECTIONS), name="direction"),
        sa.CheckConstraint(_in("channel", CHANNELS), name="channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("counselling_case.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(sa.String(4))
    channel: Mapped[str] = mapped_column(sa.String(10))
    body: Mapped[str] = mapped_column(sa.Text, info={"personal": True})
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    case = relationship(Case, back_populates="messages")
    author = relationship(User, lazy="joined")


class Counsellor(Base):
    """Staff an administrator allowed to read and answer cases."""

    __tablename__ = "counselling_counsellor"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    granted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Access(Base):
    """Who read or changed which case, and when (every read of a case's texts)."""

    __tablename__ = "counselling_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # Not a foreign key: the trail outlives an erased case.
    case_id: Mapped[int] = mapped_column(index=True)
    reference: Mapped[str] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(20))
    channel: Mapped[str] = mapped_column(sa.String(10), default="page")


class ReplyTemplate(Base):
    """A canned reply counsellors start from, in Czech or English."""

    __tablename__ = "counselling_template"
    __table_args__ = (
        sa.CheckConstraint(_in("language", LANGUAGES), name="language"),
        sa.CheckConstraint("title <> ''", name="title_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    language: Mapped[str] = mapped_column(sa.String(2))
    body: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class InboxMail(Base):
    """A mail of the counselling mailbox that could not be attached to a case: it named
    none, its reference was not proven, its case is closed, or it was sent automatically.
    Counsellors attach it to a case or delete it."""

    __tablename__ = "counselling_inbox"
    __table_args__ = (sa.CheckConstraint(_in("reason", INBOX_REASONS), name="reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="", info={"personal": True})
    subject: Mapped[str] = mapped_column(sa.String(300), default="", info={"personal": True})
    body: Mapped[str] = mapped_column(sa.Text, info={"personal": True})
    reason: Mapped[str] = mapped_column(sa.String(10))


class FaqEntry(Base):
    """A question and its answer published for everyone, rewritten by a counsellor so that
    nobody can be recognised, with the asker's consent (``counselling.faq`` on the case).

    ``source`` is the consent's object (``case:<id>``): it outlives the case, so that a
    withdrawal after the case's retention still removes the entry."""

    __tablename__ = "counselling_faq"
    __table_args__ = (
        sa.CheckConstraint(_in("category", CATEGORIES), name="category"),
        sa.CheckConstraint("(question_cs <> '' AND answer_cs <> '') OR "
                           "(question_en <> '' AND answer_en <> '')", name="has_language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(40), index=True)
    category: Mapped[str] = mapped_column(sa.String(20), index=True)
    question_cs: Mapped[str] = mapped_column(sa.Text, default="")
    answer_cs: Mapped[str] = mapped_column(sa.Text, default="")
    question_en: Mapped[str] = mapped_column(sa.Text, default="")
    answer_en: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def text(self, field: str, language: str) -> str:
        """``question`` or ``answer`` in ``language``, else in the other language."""
        other = "cs" if language == "en" else "en"
        return getattr(self, f"{field}_{language}") or getattr(self, f"{field}_{other}")
