"""The shared topics taxonomy and what users declare about themselves."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow

TOPIC_KINDS = ("disease", "theme")
STAKEHOLDER_TYPES = ("patient", "patient_organisation", "ngo", "medical_student", "doctor",
                     "academic", "app_developer", "other")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Topic(Base):
    """A disease area or a theme; events, courses, news and CRM interests refer to it."""

    __tablename__ = "topic"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", TOPIC_KINDS), name="kind"),
        sa.CheckConstraint("slug <> ''", name="slug_not_empty"),
        sa.CheckConstraint("name_cs <> '' AND name_en <> ''", name="names_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name_cs: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(20), default="theme")
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_cs


class UserTopic(Base):
    """A topic a user declared an interest in."""

    __tablename__ = "user_topic"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(
        sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True, index=True)


class UserStakeholder(Base):
    """Who the user is in the health-care landscape (one type per user)."""

    __tablename__ = "user_stakeholder"
    __table_args__ = (sa.CheckConstraint(_in("type", STAKEHOLDER_TYPES), name="type"),)

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(30))


class TopicDigestSubscription(Base):
    """When the weekly "For you" digest last went to a user.

    Who wants the digest is in the consent ledger (purpose ``hub.topics.digest``); the row is
    made at the first digest and deleted when the consent is withdrawn.
    """

    __tablename__ = "topic_digest_subscription"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
