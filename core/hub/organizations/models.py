"""Organisations and memberships."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow
from hub.translations import Translated

KINDS = ("patient_organisation", "ngo", "professional_body", "university", "company",
         "public_body", "other")


class Organisation(Translated, Base):
    __tablename__ = "organisation"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('patient_organisation', 'ngo', 'professional_body', "
                           "'university', 'company', 'public_body', 'other')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # An organisation's public contact details, not a person's data.
    name: Mapped[str] = mapped_column(sa.String(200), info={"personal": False})
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40), default="patient_organisation")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="", info={"personal": False})
    region: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    TRANSLATED = ("description",)


MEMBERSHIP_STATES = ("invited", "active", "declined")
INVITATION_DAYS = 30


class Membership(Base):
    """A person's membership of an organisation, or an invitation to become a member.

    A representative invites a person by e-mail (``state`` "invited"); the person accepts
    ("active") or declines ("declined"); an invitation not answered by ``expires_at`` has
    expired. ``user_id`` is set only while the membership is active: an invitation names
    its person by ``invitee_id`` (an existing account) and ``email``, so a query that looks
    up members by ``user_id`` never counts an invitation. Use ``Membership.active()`` in
    queries over the whole table.
    """

    __tablename__ = "membership"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "user_id"),
        # One invitation per organisation and address; accepting it clears the address.
        sa.UniqueConstraint("organisation_id", "email"),
        sa.CheckConstraint("state IN ('invited', 'active', 'declined')", name="state"),
        sa.CheckConstraint("(state = 'active' AND user_id IS NOT NULL) OR "
                           "(state <> 'active' AND user_id IS NULL AND email IS NOT NULL)",
                           name="user_when_active"),
        sa.CheckConstraint("NOT (is_representative AND is_editor)", name="one_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    is_representative: Mapped[bool] = mapped_column(default=False)
    # An editor acts for the organisation in what it publishes (profile, events, news) but
    # does not manage its members or representatives.
    is_editor: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(sa.String(10), default="active",
                                       server_default="active")
    # The invited address and account (when the address had one), until accepted.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    invitee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True, info={"personal": True})
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info={"personal": True})
    # SHA-256 of the secret in the invitation link; cleared once answered.
    token_digest: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @classmethod
    def active(cls):
        return cls.state == "active"

    @property
    def role(self) -> str:
        if self.is_representative:
            return "representative"
        return "editor" if self.is_editor else "member"

    def set_role(self, role: str) -> None:
        self.is_representative, self.is_editor = role == "representative", role == "editor"

    def status(self, now: dt.datetime | None = None) -> str:
        """The state, with "expired" for an invitation past its time."""
        if self.state == "invited" and self.expires_at is not None \
                and self.expires_at <= (now or utcnow()):
            return "expired"
        return self.state


class MembershipRequest(Base):
    """A user's request to join an organisation, waiting for a representative."""

    __tablename__ = "membership_request"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


ROLES = ("member", "editor", "representative")
HISTORY_ACTIONS = ("joined", "role_changed", "handed_over", "left", "removed")


class MembershipHistory(Base):
    """What happened to an organisation's memberships: joining, role changes, hand-overs,
    leaving and removal. Written in the same transaction as the change; never updated.
    Erasing a person keeps the organisation's record without naming them."""

    __tablename__ = "membership_history"
    __table_args__ = (
        sa.CheckConstraint("action IN ('joined', 'role_changed', 'handed_over', 'left', "
                           "'removed')", name="action"),
        sa.CheckConstraint("role IN ('member', 'editor', 'representative')", name="role"),
        sa.Index("ix_membership_history_organisation_id_at", "organisation_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # Who made the change (the person themself when leaving); empty when erased.
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True, info={"personal": True})
    action: Mapped[str] = mapped_column(sa.String(20))
    # The person's role after the change ("member" after leaving or removal: the role held).
    role: Mapped[str] = mapped_column(sa.String(20), default="member")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
