"""Rooms, their rules and reservations.

No double booking is an invariant of the database: a reservation blocks its room from
``starts_at`` to ``blocked_until`` (its end plus the room's buffer) while it is pending or
approved. PostgreSQL enforces it with an exclusion constraint, SQLite with triggers (the
core starts every writing request with BEGIN IMMEDIATE, so the triggers see committed
rows). Pending reservations block the slot too: the first request wins while staff decide.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, UTCDateTime, utcnow
from hub.translations import Translated, translations_json

STATUSES = ("pending", "approved", "rejected", "cancelled")
ACTIVE_STATUSES = ("pending", "approved")
ACCESSIBILITY_KEYS = ("step_free", "induction_loop", "accessible_toilet", "lift", "parking")
EQUIPMENT_KEYS = ("projector", "screen", "microphone", "videoconference", "whiteboard",
                  "flipchart", "kitchenette", "wifi")
OVERLAP_MESSAGE = "booking overlap"


class Room(Translated, Base):
    __tablename__ = "booking_room"
    __table_args__ = (
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("min_duration_minutes > 0", name="min_duration_positive"),
        sa.CheckConstraint("max_duration_minutes >= min_duration_minutes",
                           name="max_duration_not_below_min"),
        sa.CheckConstraint("min_notice_hours >= 0", name="min_notice_not_negative"),
        sa.CheckConstraint("max_advance_days > 0", name="max_advance_positive"),
        sa.CheckConstraint("buffer_minutes >= 0", name="buffer_not_negative"),
    )

    TRANSLATED = ("name", "description", "location")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    capacity: Mapped[int] = mapped_column(sa.Integer)
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    name_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    location_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    equipment: Mapped[list] = mapped_column(sa.JSON, default=list)
    accessibility: Mapped[list] = mapped_column(sa.JSON, default=list)
    min_duration_minutes: Mapped[int] = mapped_column(sa.Integer, default=30)
    max_duration_minutes: Mapped[int] = mapped_column(sa.Integer, default=480)
    min_notice_hours: Mapped[int] = mapped_column(sa.Integer, default=2)
    max_advance_days: Mapped[int] = mapped_column(sa.Integer, default=180)
    buffer_minutes: Mapped[int] = mapped_column(sa.Integer, default=0)
    requires_approval: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # Representatives of patient organisations are known to the hub: they may skip approval.
    representatives_book_directly: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    hours: Mapped[list[BookableHours]] = relationship(
        back_populates="room", cascade="all, delete-orphan", order_by="BookableHours.weekday")
    photos: Mapped[list[RoomPhoto]] = relationship(
        cascade="all, delete-orphan", order_by="RoomPhoto.id", lazy="selectin")
    managers: Mapped[list[RoomManager]] = relationship(
        cascade="all, delete-orphan", order_by="RoomManager.id")

    def as_dict(self, language: str = "cs") -> dict:
        """The room with its texts in ``language`` (Czech where there is no English one)."""
        return {"id": self.id, "name": self.translated("name", language),
                "capacity": self.capacity, "location": self.translated("location", language),
                "accessibility": list(self.accessibility or []),
                "equipment": list(self.equipment or []),
                "description": self.translated("description", language),
                "requires_approval": self.requires_approval,
                "representatives_book_directly": self.representatives_book_directly,
                "translations": translations_json(self)}


class RoomManager(Base):
    """A person who decides the room's bookings and hears about them (instead of all the
    staff, who are asked only about rooms without managers)."""

    __tablename__ = "booking_room_manager"
    __table_args__ = (sa.UniqueConstraint("room_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("booking_room.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         index=True)


class OrganisationQuota(Base):
    """Hours one organisation may book a month, instead of the hub-wide setting."""

    __tablename__ = "booking_organisation_quota"
    __table_args__ = (sa.CheckConstraint("monthly_hours >= 0", name="hours_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), unique=True)
    monthly_hours: Mapped[int] = mapped_column(sa.Integer)


class RoomPhoto(Translated, Base):
    """A photo of a room. Kept in the database: a few small images per room, backed up and
    rolled back together with the room."""

    __tablename__ = "booking_room_photo"
    __table_args__ = (
        sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp')",
                           name="content_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("booking_room.id", ondelete="CASCADE"),
                                         index=True)
    TRANSLATED = ("alt",)

    content_type: Mapped[str] = mapped_column(sa.String(20))
    alt: Mapped[str] = mapped_column(sa.String(300))
    alt_en: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class BookableHours(Base):
    """When a room may be booked on a weekday (0 = Monday), in Prague local time."""

    __tablename__ = "booking_bookable_hours"
    __table_args__ = (
        sa.UniqueConstraint("room_id", "weekday"),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint("opens_at < closes_at", name="opens_before_closes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("booking_room.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(sa.Integer)
    opens_at: Mapped[dt.time] = mapped_column(sa.Time)
    closes_at: Mapped[dt.time] = mapped_column(sa.Time)

    room: Mapped[Room] = relationship(back_populates="hours")


class ClosedPeriod(Base):
    """A room (or, without a room, the whole hub) is closed: holidays, maintenance."""

    __tablename__ = "booking_closed_period"
    __table_args__ = (sa.CheckConstraint("starts_at < ends_at", name="starts_before_ends"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("booking_room.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(300), default="")

    exceptions: Mapped[list[ClosedPeriodException]] = relationship(
        cascade="all, delete-orphan")


class ClosedPeriodException(Base):
    """A person who may still book during a closure (e.g. the organiser of a big event)."""

    __tablename__ = "booking_closed_period_exception"
    __table_args__ = (sa.UniqueConstraint("closed_period_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    closed_period_id: Mapped[int] = mapped_column(
        sa.ForeignKey("booking_closed_period.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         index=True)


class Series(Base):
    """The rule a recurring booking was made with; its occurrences are reservations."""

    __tablename__ = "booking_series"
    __table_args__ = (
        sa.CheckConstraint("frequency IN ('daily', 'weekly', 'monthly')", name="frequency"),
        sa.CheckConstraint("interval_ >= 1", name="interval_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    frequency: Mapped[str] = mapped_column(sa.String(10))
    interval_: Mapped[int] = mapped_column(sa.Integer, default=1)
    weekdays: Mapped[str] = mapped_column(sa.String(7), default="")
    until: Mapped[dt.date] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reservation(Base):
    __tablename__ = "booking_reservation"
    __table_args__ = (
        sa.CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        sa.CheckConstraint("blocked_until >= ends_at", name="blocked_until_after_end"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'cancelled')",
                           name="status"),
        sa.CheckConstraint("attendees >= 0", name="attendees_not_negative"),
        sa.Index("ix_booking_reservation_room_starts", "room_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("booking_room.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    series_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("booking_series.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    attendees: Mapped[int] = mapped_column(sa.Integer, default=0)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    decision_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(sa.String(30), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    room: Mapped[Room] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def as_dict(self) -> dict:
        return {"id": self.id, "room_id": self.room_id, "title": self.title,
                "purpose": self.purpose, "attendees": self.attendees,
                "starts_at": self.starts_at.isoformat(), "ends_at": self.ends_at.isoformat(),
                "status": self.status, "series_id": self.series_id,
                "organisation_id": self.organisation_id,
                "decision_reason": self.decision_reason}


class FeedToken(Base):
    """The secret address of a user's personal iCalendar feed (calendar apps cannot sign in)."""

    __tablename__ = "booking_feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         unique=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
