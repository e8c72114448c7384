"""Tables of the crm plugin (all prefixed ``crm_``).

Invariants live here: allowed values are CHECK constraints, links are foreign keys.
Consents are not kept here but in the core's consent ledger (``hub_crm.consent``).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, UTCDateTime, utcnow
from hub.topics.models import Topic

# Consent purposes by short name; each is the ledger purpose "crm.<name>" (hub_crm.consent).
PURPOSES = ("newsletter", "event_invitations", "disease_information", "research")
# Purposes under which health (Art. 9) data may be used for targeting.
HEALTH_PURPOSES = ("disease_information", "research")
STAKEHOLDER_TYPES = ("patient", "caregiver", "patient_organisation", "ngo", "medical_student",
                     "doctor", "academic", "app_developer", "public_body", "other")
RELATIONSHIP_KINDS = ("member_of", "represents", "works_for")
ACTIVITY_KINDS = ("note", "call", "meeting")
ENQUIRY_STATUSES = ("new", "in_progress", "closed")
FIELD_TYPES = ("text", "number", "date", "choice", "yes_no")
IMPORT_STATUSES = ("new", "queued", "running", "failed", "done")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


contact_tag = sa.Table(
    "crm_contact_tag", Base.metadata,
    sa.Column("contact_id", sa.ForeignKey("crm_contact.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("tag_id", sa.ForeignKey("crm_tag.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)

# Interests are topics of the core's shared taxonomy (``topic``): disease areas and themes.
contact_topic = sa.Table(
    "crm_contact_topic", Base.metadata,
    sa.Column("contact_id", sa.ForeignKey("crm_contact.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)

organisation_topic = sa.Table(
    "crm_organisation_topic", Base.metadata,
    sa.Column("organisation_id", sa.ForeignKey("organisation.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class Contact(Base):
    """A person or an organisation the hub works with, with or without a portal account."""

    __tablename__ = "crm_contact"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('person', 'organisation')", name="kind"),
        sa.CheckConstraint(_in("stakeholder_type", STAKEHOLDER_TYPES), name="stakeholder_type"),
        sa.CheckConstraint("gender IS NULL OR gender IN ('f', 'm')", name="gender"),
        sa.CheckConstraint("language IN ('cs', 'en')", name="language"),
        sa.CheckConstraint("email = lower(email)", name="email_lower"),
        sa.CheckConstraint("kind = 'person' OR organisation_id IS NULL OR user_id IS NULL",
                           name="org_has_no_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="person")
    first_name: Mapped[str] = mapped_column(sa.String(100), default="")
    last_name: Mapped[str] = mapped_column(sa.String(100), default="", index=True)
    # Display name: "first last" for people, the name for organisations.
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    phone: Mapped[str] = mapped_column(sa.String(50), default="")
    gender: Mapped[str | None] = mapped_column(sa.String(1))
    language: Mapped[str] = mapped_column(sa.String(2), default="cs")
    stakeholder_type: Mapped[str] = mapped_column(sa.String(30), default="patient", index=True)
    region: Mapped[str] = mapped_column(sa.String(100), default="", index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="SET NULL"), unique=True)
    restricted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                          index=True)
    retention_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    tags: Mapped[list[Tag]] = relationship(secondary=contact_tag, order_by="Tag.name")
    # Disease areas (``Topic.kind == "disease"``) of a person are health data.
    topics: Mapped[list[Topic]] = relationship(secondary=contact_topic,
                                               order_by=(Topic.position, Topic.id))


class Tag(Base):
    __tablename__ = "crm_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)


class Relationship(Base):
    __tablename__ = "crm_relationship"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", RELATIONSHIP_KINDS), name="kind"),
        sa.CheckConstraint("contact_id <> related_id", name="not_self"),
        sa.UniqueConstraint("contact_id", "related_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        sa.ForeignKey("crm_contact.id", ondelete="CASCADE"), index=True)
    related_id: Mapped[int] = mapped_column(
        sa.ForeignKey("crm_contact.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))

    related: Mapped[Contact] = relationship(foreign_keys=[related_id])
    contact: Mapped[Contact] = relationship(foreign_keys=[contact_id])


class CustomField(Base):
    """A field defined by staff; ``is_special`` marks special-category (health) data."""

    __tablename__ = "crm_field"
    __table_args__ = (sa.CheckConstraint("key <> ''", name="key_not_empty"),
                      sa.CheckConstraint(_in("type", FIELD_TYPES), name="type"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(60), unique=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    is_special: Mapped[bool] = mapped_column(default=False)
    # Values are stored as text in a canonical form: numbers with a dot, dates ISO
    # (YYYY-MM-DD), yes/no as "yes"/"no", a choice as one of ``choices``.
    type: Mapped[str] = mapped_column(sa.String(10), default="text", server_default="text")
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)


class FieldValue(Base):
    __tablename__ = "crm_field_value"

    contact_id: Mapped[int] = mapped_column(
        sa.ForeignKey("crm_contact.id", ondelete="CASCADE"), primary_key=True)
    field_id: Mapped[int] = mapped_column(
        sa.ForeignKey("crm_field.id", ondelete="CASCADE"), primary_key=True, index=True)
    value: Mapped[str] = mapped_column(sa.Text, default="")

    field: Mapped[CustomField] = relationship()


# The public directory lists people by name, a page at a time (those who agreed to show
# their name: the consent ledger, hub_crm.consent.shows).
sa.Index("ix_crm_contact_directory", Contact.kind, Contact.last_name, Contact.first_name,
         Contact.id)
# Segments most often combine who (stakeholder type) and where (region); restricted and
# email complete every segment's filter, so the index covers it.
sa.Index("ix_crm_contact_type_region", Contact.stakeholder_type, Contact.region,
         Contact.restricted, Contact.email)


class Activity(Base):
    """A note, call or meeting recorded by staff."""

    __tablename__ = "crm_activity"
    __table_args__ = (sa.CheckConstraint(_in("kind", ACTIVITY_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        sa.ForeignKey("crm_contact.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="note")
    text: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))


class Segment(Base):
    """A saved filter; ``conditions`` is a list of ``{"kind", "value"}``."""

    __tablename__ = "crm_segment"
    __table_args__ = (
        sa.CheckConstraint(_in("purpose", PURPOSES), name="purpose"),
        sa.CheckConstraint("match IN ('all', 'any')", name="match"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    purpose: Mapped[str] = mapped_column(sa.String(30))
    match: Mapped[str] = mapped_column(sa.String(3), default="all")
    conditions: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a send first relied on the segment (hub_audience_used): its purpose is fixed
    # from then on; the sender keeps the definition as it was in its snapshot.
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Enquiry(Base):
    """A question sent through the public "ask the hub" form: a case on a contact."""

    __tablename__ = "crm_enquiry"
    __table_args__ = (sa.CheckConstraint(_in("status", ENQUIRY_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        sa.ForeignKey("crm_contact.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    message: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), default="new", index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    contact: Mapped[Contact] = relationship()


class Task(Base):
    """A staff follow-up with a due date."""

    __tablename__ = "crm_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    due_on: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    done: Mapped[bool] = mapped_column(default=False)
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("crm_contact.id", ondelete="CASCADE"), index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    contact: Mapped[Contact | None] = relationship()


class HealthAccess(Base):
    """Staff members an administrator granted need-to-know access to health data."""

    __tablename__ = "crm_health_access"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    granted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """Who did what to which contact, including every read of health data."""

    __tablename__ = "crm_audit"
    __table_args__ = (sa.Index("ix_crm_audit_contact_at", "contact_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"),
                                                index=True)
    # Not a foreign key: the trail outlives an erased contact (pseudonymised by id).
    contact_id: Mapped[int | None] = mapped_column()
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    detail: Mapped[str] = mapped_column(sa.Text, default="")


class OrganisationProfile(Base):
    """Directory data of a core organisation, kept by its representatives."""

    __tablename__ = "crm_organisation_profile"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    listed: Mapped[bool] = mapped_column(default=True)
    phone: Mapped[str] = mapped_column(sa.String(50), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    show_email: Mapped[bool] = mapped_column(default=True)
    show_website: Mapped[bool] = mapped_column(default=True)
    show_phone: Mapped[bool] = mapped_column(default=False)
    show_address: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportBatch(Base):
    """An uploaded CSV file: column mapping, then an import job with its progress and report.

    ``status``: new (waiting for the mapping), queued, running, failed (``report`` lists the
    bad rows, or says the job was interrupted; nothing was imported), done.
    """

    __tablename__ = "crm_import"
    __table_args__ = (sa.CheckConstraint(_in("status", IMPORT_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    content: Mapped[str] = mapped_column(sa.Text)
    filename: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(10), default="new", server_default="new")
    mapping: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    phase: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    done_rows: Mapped[int] = mapped_column(default=0, server_default="0")
    total_rows: Mapped[int] = mapped_column(default=0, server_default="0")
    report: Mapped[dict | None] = mapped_column(sa.JSON)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The job's last sign of life: a running import silent for long was interrupted.
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SigningKey(Base):
    """The key for signed preference links when ``crm.secret`` is not configured.

    Kept in the database (not in process memory) so every app process and worker agrees.
    """

    __tablename__ = "crm_signing_key"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(100))
