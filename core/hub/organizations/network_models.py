"""What organisations publish and how people reach each other: organisation news, the
contact relay (messages, reports, blocked senders) and working groups."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow

NEWS_STATES = ("draft", "submitted", "published")


class OrganisationNews(Base):
    """A short post of an organisation on its public profile. Drafted by its
    representatives or editors, submitted, and public only once hub staff publish it;
    staff may return it (back to "draft") with a comment."""

    __tablename__ = "organisation_news"
    __table_args__ = (
        sa.CheckConstraint("state IN ('draft', 'submitted', 'published')", name="state"),
        sa.CheckConstraint("state <> 'published' OR published_at IS NOT NULL",
                           name="published_at"),
        sa.Index("ix_organisation_news_organisation_id_state", "organisation_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(10), default="draft")
    review_comment: Mapped[str] = mapped_column(sa.Text, default="")
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


RELAY_KINDS = ("organisation", "person")
REPORT_STATES = ("open", "dismissed", "blocked")


class RelayMessage(Base):
    """One message relayed by the hub, and the record of who contacted whom.

    The body is kept only while the recipient may report it (``relay.RETENTION_DAYS``) and
    while a report is open; the record of sender, recipient and time is kept for a year.
    """

    __tablename__ = "relay_message"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('organisation', 'person')", name="kind"),
        sa.CheckConstraint("report_state IS NULL OR report_state IN "
                           "('open', 'dismissed', 'blocked')", name="report_state"),
        sa.CheckConstraint("kind = 'person' OR recipient_user_id IS NULL",
                           name="one_recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    sender_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True, info={"personal": True})
    recipient_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True, info={"personal": True})
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(200), info={"personal": True})
    body: Mapped[str] = mapped_column(sa.Text, default="", info={"personal": True})
    # The outbox rows that carried it, emptied with the body.
    mail_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    body_removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # SHA-256 of the secret in the mail's "report abuse" link.
    report_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    report_state: Mapped[str | None] = mapped_column(sa.String(10))
    reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    report_note: Mapped[str] = mapped_column(sa.Text, default="", info={"personal": True})
    handled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info={"personal": True})
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class RelayBlock(Base):
    """A person hub staff stopped from sending messages through the hub."""

    __tablename__ = "relay_block"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    blocked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info={"personal": True})
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkingGroup(Base):
    """Organisations working together on a topic, led by a coordinator."""

    __tablename__ = "working_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), info={"personal": False})
    description: Mapped[str] = mapped_column(sa.Text, default="")
    topic_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("topic.id", ondelete="SET NULL"), index=True)
    coordinator_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True, info={"personal": True})
    # The organisation that founded the group (None: the hub staff did).
    founded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkingGroupMember(Base):
    """An organisation in a working group."""

    __tablename__ = "working_group_member"

    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("working_group.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, index=True)
    joined_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info={"personal": True})
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkingGroupAnnouncement(Base):
    """A message of the coordinator to the group, read by its members only."""

    __tablename__ = "working_group_announcement"
    __table_args__ = (sa.Index("ix_working_group_announcement_group_id_created_at",
                               "group_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("working_group.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkingGroupLink(Base):
    """Something of a plugin linked to a group (an event): ``source`` names the
    ``hub.contributions.WorkingGroupSource``, ``object_id`` the plugin's object."""

    __tablename__ = "working_group_link"
    __table_args__ = (sa.UniqueConstraint("group_id", "source", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("working_group.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
