"""Events, their programme, registrations and feedback.

Invariants live in the database: the number of places held (``taken``) never exceeds the
capacity (CHECK), one registration per person and event (UNIQUE on user and on e-mail),
a talk marked "do not record" carries no recording. Whether a speaker released the recording
is not a column: it is the speaker's consent in the core's ledger (``hub_events.release``).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.accounts.models import User
from hub.db import Base, UTCDateTime, utcnow
from hub.topics.models import Topic
from hub.translations import Translated

KINDS = ("lecture", "seminar", "workshop", "conference", "meeting")
VENUES = ("room", "address", "online", "hybrid")
AUDIENCES = ("members", "public")
# "submitted": an organisation's event waiting for the hub staff's review.
EVENT_STATES = ("draft", "submitted", "published", "cancelled")
NOT_PUBLIC = ("draft", "submitted")
ACCESSIBILITY = ("step_free", "induction_loop", "accessible_toilet", "lift", "parking")

# Registration states. Only CONFIRMED and OFFERED hold one of the event's places.
UNVERIFIED = "unverified"  # a guest has not yet confirmed the e-mail address
PENDING = "pending"  # waits for the organiser's approval
CONFIRMED = "confirmed"
WAITLISTED = "waitlisted"
OFFERED = "offered"  # promoted from the waiting list, must confirm before offered_until
CANCELLED = "cancelled"
REJECTED = "rejected"
REGISTRATION_STATES = (UNVERIFIED, PENDING, CONFIRMED, WAITLISTED, OFFERED, CANCELLED, REJECTED)
HOLDS_PLACE = (CONFIRMED, OFFERED)
ACTIVE = (UNVERIFIED, PENDING, CONFIRMED, WAITLISTED, OFFERED)
MAX_QUESTIONS = 5


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# An event's topics: the core's shared taxonomy (disease areas and themes).
event_topic = sa.Table(
    "events_event_topic", Base.metadata,
    sa.Column("event_id", sa.ForeignKey("events_event.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)

# The event's own organisers: the staff who see its registrants' accommodation needs.
event_organiser = sa.Table(
    "events_event_organiser", Base.metadata,
    sa.Column("event_id", sa.ForeignKey("events_event.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class Event(Translated, Base):
    __tablename__ = "events_event"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", KINDS), name="kind"),
        sa.CheckConstraint(_in("venue", VENUES), name="venue"),
        sa.CheckConstraint(_in("audience", AUDIENCES), name="audience"),
        sa.CheckConstraint(_in("state", EVENT_STATES), name="state"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_positive"),
        sa.CheckConstraint("taken >= 0 AND (capacity IS NULL OR taken <= capacity)",
                           name="taken_within_capacity"),
        sa.CheckConstraint("registration_closes_at IS NULL OR registration_opens_at IS NULL "
                           "OR registration_closes_at > registration_opens_at",
                           name="registration_window"),
        sa.Index("ix_events_event_state_starts_at", "state", "starts_at"),
        # The public list walks events in time order and stops after a page; its count
        # reads the index of events not yet ended.
        sa.Index("ix_events_event_starts_at_id", "starts_at", "id"),
        sa.Index("ix_events_event_ends_at_state", "ends_at", "state"),
    )

    TRANSLATED = ("title", "summary", "description", "accessibility_note")

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # English versions (``hub.translations``): empty when nobody translated the text.
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    summary_en: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    kind: Mapped[str] = mapped_column(sa.String(20), default="lecture")
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    speakers: Mapped[str] = mapped_column(sa.String(500), default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    venue: Mapped[str] = mapped_column(sa.String(10), default="address")
    room_id: Mapped[int | None] = mapped_column()
    room_reservation_id: Mapped[int | None] = mapped_column()
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    accessibility: Mapped[list] = mapped_column(sa.JSON, default=list)
    accessibility_note: Mapped[str] = mapped_column(sa.Text, default="")
    accessibility_note_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    online_url: Mapped[str] = mapped_column(sa.String(500), default="")
    capacity: Mapped[int | None] = mapped_column()
    taken: Mapped[int] = mapped_column(default=0, server_default="0")
    registration_opens_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    audience: Mapped[str] = mapped_column(sa.String(10), default="public")
    # Stakeholder types the event is meant for (empty: everyone); used by "For you".
    stakeholders: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    approval_required: Mapped[bool] = mapped_column(default=False)
    questions: Mapped[str] = mapped_column(sa.Text, default="")  # one per line

    @property
    def question_list(self) -> list[str]:
        return [q.strip() for q in self.questions.splitlines() if q.strip()][:MAX_QUESTIONS]
    privacy_notice: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[str] = mapped_column(sa.String(10), default="draft")
    # What the hub staff asked the organisation to change when they returned the event.
    review_comment: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    embed_url: Mapped[str] = mapped_column(sa.String(500), default="")
    captions_url: Mapped[str] = mapped_column(sa.String(500), default="")
    transcript: Mapped[str] = mapped_column(sa.Text, default="")
    materials: Mapped[str] = mapped_column(sa.Text, default="")
    recording_published: Mapped[bool] = mapped_column(default=False)
    # A recording kept in the core's media library, played by the hub's own player. The
    # item's captions are required to publish it (``hub_events.recordings``): a CHECK
    # cannot see the library's caption table.
    recording_media_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("media_item.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    talks: Mapped[list[Talk]] = relationship(
        back_populates="event", order_by="Talk.starts_at", cascade="all, delete-orphan")
    topics: Mapped[list[Topic]] = relationship(
        Topic, secondary=event_topic, lazy="select", order_by=(Topic.position, Topic.id))
    organisers: Mapped[list[User]] = relationship(
        User, secondary=event_organiser, lazy="select", order_by=User.name)

    @property
    def topic_slugs(self) -> list[str]:
        return [t.slug for t in self.topics]

    def topic_names(self, language: str) -> str:
        return ", ".join(t.name(language) for t in self.topics)

    @property
    def is_online(self) -> bool:
        return self.venue in ("online", "hybrid")

    @property
    def in_person(self) -> bool:
        return self.venue != "online"

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.taken, 0)


class EventMaterial(Base):
    """A document of the core's media library listed among an event's materials.

    The library item is RESTRICTed rather than CASCADEd: the library already refuses to
    delete a document in use (``hub_media_usage``), and the constraint keeps that true when
    a deletion races an event's edit, so a material never silently drops off a page.
    """

    __tablename__ = "events_material"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "media_id"),
        sa.CheckConstraint("position >= 0", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events_event.id", ondelete="CASCADE"))
    media_id: Mapped[int] = mapped_column(
        sa.ForeignKey("media_item.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(default=0)


class Talk(Translated, Base):
    """A session or talk of the programme."""

    TRANSLATED = ("title",)

    __tablename__ = "events_talk"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("video_url = '' OR NOT do_not_record", name="recorded_talk"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events_event.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    speaker: Mapped[str] = mapped_column(sa.String(200), default="")
    # Where the speaker's release is asked for; the ledger's subject is this address.
    speaker_email: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    do_not_record: Mapped[bool] = mapped_column(default=False)
    # Signs the speaker's personal release link; a new key makes older links invalid.
    release_key: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    release_requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the speaker answered "I do not agree" on the link: not a consent record, only
    # what lets organisers tell a refusal from no answer yet (cleared by a release).
    release_refused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    video_url: Mapped[str] = mapped_column(sa.String(500), default="")
    slides_url: Mapped[str] = mapped_column(sa.String(500), default="")

    event: Mapped[Event] = relationship(back_populates="talks")


class Registration(Base):
    __tablename__ = "events_registration"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "user_id"),
        sa.UniqueConstraint("event_id", "email"),
        sa.CheckConstraint(_in("status", REGISTRATION_STATES), name="status"),
        sa.CheckConstraint("status <> 'offered' OR offered_until IS NOT NULL",
                           name="offer_has_deadline"),
        sa.Index("ix_events_registration_event_id_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events_event.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200))
    language: Mapped[str] = mapped_column(sa.String(2), default="cs")
    status: Mapped[str] = mapped_column(sa.String(12))
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    # Accommodation needs are sensitive: only organisers see them.
    needs_sign_language: Mapped[bool] = mapped_column(default=False)
    needs_assistant: Mapped[bool] = mapped_column(default=False)
    needs_step_free: Mapped[bool] = mapped_column(default=False)
    needs_note: Mapped[str] = mapped_column(sa.String(500), default="")
    privacy_accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    registered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    access_key: Mapped[str] = mapped_column(sa.String(64))
    offered_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attended: Mapped[bool] = mapped_column(default=False)
    reminded: Mapped[bool] = mapped_column(default=False)
    followed_up: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()

    @property
    def has_needs(self) -> bool:
        return bool(self.needs_sign_language or self.needs_assistant or self.needs_step_free
                    or self.needs_note)


class Proposal(Base):
    """A representative asked to register a member, who has not answered yet.

    Not a registration: it holds no place, and organisers, exports, counts and other
    plugins never see it. The member confirms (a registration is then made, as if they
    had registered themself) or declines (the row goes); it lapses when registration
    for the event closes (``hub_events.on_behalf``).
    """

    __tablename__ = "events_proposal"
    __table_args__ = (sa.UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events_event.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         index=True)
    proposed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), info={"personal": True})
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"))
    # Signs the member's personal link.
    access_key: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Feedback(Base):
    __tablename__ = "events_feedback"
    __table_args__ = (
        sa.UniqueConstraint("registration_id"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events_event.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("events_registration.id", ondelete="SET NULL"))
    rating: Mapped[int] = mapped_column()
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
