"""The consent ledger: the texts people agreed to, and an append-only list of records.

Both tables are append-only, enforced by the database (triggers on PostgreSQL and SQLite,
created by the migration ``e9f4b2d6a813``): an UPDATE or DELETE is refused, with one
exception that erasure needs, blanking ``consent_record.email`` while every other column
stays as it was. The current state of a consent is the latest record (by ``at``, then
``id``) of its subject, purpose and object.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow

ACTIONS = ("given", "withdrawn")
# form: a page of the hub; double_opt_in: confirmed from a link sent by e-mail; staff: entered
# by hub staff from a phone call or a paper form (a note is required); import: loaded from
# another system; api: a client of the JSON API; migration: converted from an earlier store;
# link: the withdraw link of an e-mail (also RFC 8058 one-click); erasure: the account or the
# address was erased.
SOURCES = ("form", "double_opt_in", "staff", "import", "api", "migration", "link", "erasure")
# GDPR Art. 6(1)(a) and Art. 9(2)(a).
LEGAL_BASES = ("consent", "explicit_consent")
APPEND_ONLY_MESSAGE = "consent ledger is append-only"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ConsentText(Base):
    """One version of a purpose's wording, stored the first time somebody acts on it."""

    __tablename__ = "consent_text"
    __table_args__ = (
        sa.CheckConstraint("text_cs <> '' AND text_en <> ''", name="texts_not_empty"),
        sa.CheckConstraint(_in("legal_basis", LEGAL_BASES), name="legal_basis"),
        sa.CheckConstraint("retention_days IS NULL OR retention_days >= 0",
                           name="retention_not_negative"),
    )

    purpose: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    title_cs: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    text_cs: Mapped[str] = mapped_column(sa.Text)
    text_en: Mapped[str] = mapped_column(sa.Text)
    legal_basis: Mapped[str] = mapped_column(sa.String(20))
    special_category: Mapped[bool] = mapped_column(default=False)
    retention_days: Mapped[int | None] = mapped_column()
    first_used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    def title(self, language: str) -> str:
        return self.title_en if language == "en" else self.title_cs

    def text(self, language: str) -> str:
        return self.text_en if language == "en" else self.text_cs


class ConsentRecord(Base):
    """A consent given or withdrawn: who, which purpose (and object), which text, when,
    from which source and recorded by whom.

    ``subject_key`` names the subject (``user:<id>``, ``contact:<reference>`` or
    ``email:<SHA-256 of the address>``); ``email`` is kept only for subjects known by their
    address alone, ``email_digest`` for every subject whose address is known, so the
    record still proves the consent after the address is erased or changed.
    """

    __tablename__ = "consent_record"
    __table_args__ = (
        sa.ForeignKeyConstraint(["purpose", "text_version"],
                                ["consent_text.purpose", "consent_text.version"]),
        sa.CheckConstraint(_in("action", ACTIONS), name="action"),
        sa.CheckConstraint(_in("source", SOURCES), name="source"),
        sa.CheckConstraint("subject_key <> ''", name="subject_not_empty"),
        sa.CheckConstraint("source <> 'staff' OR note <> ''", name="staff_note"),
        # The current state of one consent: its latest record.
        sa.Index("ix_consent_record_state", "subject_key", "purpose", "object", "at", "id"),
        sa.Index("ix_consent_record_purpose_at", "purpose", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_key: Mapped[str] = mapped_column(sa.String(200))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    contact_ref: Mapped[str | None] = mapped_column(sa.String(120), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    email_digest: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(120))
    object: Mapped[str] = mapped_column(sa.String(120), default="")
    text_version: Mapped[str] = mapped_column(sa.String(16))
    action: Mapped[str] = mapped_column(sa.String(10))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))


class ConsentLinkKey(Base):
    """The key that signs withdraw links in e-mails (one row, made on first use).

    Kept in the database so every process and machine of an installation signs alike; a
    link only ever withdraws a consent, so a leaked key cannot grant anything.
    """

    __tablename__ = "consent_link_key"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    secret: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
