"""User accounts and their server-side sessions."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow

ROLES = ("member", "staff", "admin")


class User(Base):
    __tablename__ = "user"
    __table_args__ = (
        sa.CheckConstraint("role IN ('member', 'staff', 'admin')", name="role"),
        sa.CheckConstraint("language IN ('cs', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20), default="member")
    language: Mapped[str] = mapped_column(sa.String(2), default="cs")
    is_active: Mapped[bool] = mapped_column(default=True)
    email_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    terms_version: Mapped[str | None] = mapped_column(sa.String(20))
    terms_accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # TOTP: base32 secret (160 bits) and the last accepted time step (no replay).
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Sessions started before this moment are refused (signed out everywhere).
    sessions_ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def has_2fa(self) -> bool:
        return bool(self.totp_secret)

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "admin")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserSession(Base):
    """A signed-in (or flash-carrying) browser session, stored server-side so it can be revoked.

    The cookie holds a random token; only its SHA-256 is stored, so a database dump
    cannot be used to hijack sessions.
    """

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")


class AccountToken(Base):
    """A single-use link sent by e-mail (address verification, password reset, new address).

    Only the SHA-256 of the 256-bit token is stored; a row is deleted when used, when the
    user signs in (reset links) or when the password changes.
    """

    __tablename__ = "account_token"
    __table_args__ = (
        sa.CheckConstraint("purpose IN ('verify', 'reset', 'email')", name="purpose"),
        sa.CheckConstraint("(purpose = 'email') = (new_email IS NOT NULL)", name="new_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The address a user is moving to (purpose "email"), confirmed by this link.
    new_email: Mapped[str | None] = mapped_column(sa.String(254))


class RecoveryCode(Base):
    """A one-time code that replaces a TOTP code when the phone is lost (argon2 hash)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AuthAttempt(Base):
    """A failed sign-in or 2FA attempt, counted by the rate limits.

    ``key`` is a SHA-256 of the account's e-mail or of the client address, so the table
    holds no personal data in clear.
    """

    __tablename__ = "auth_attempt"
    __table_args__ = (sa.Index("ix_auth_attempt_scope_key_at", "scope", "key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(20))
    key: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEvent(Base):
    """Security-relevant account events (erasure, role changes, deactivation).

    ``subject_id`` has no foreign key on purpose: the record outlives an erased account.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    subject_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(sa.String(40))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
