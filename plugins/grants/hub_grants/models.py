"""The grant cycle: calls, applications with budgets and files, reviews, decisions, audit.

Money is ``NUMERIC(12, 2)`` in CZK, read as ``Decimal``; never a float.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from hub.accounts.models import User
from hub.db import Base, UTCDateTime, utcnow
from hub.organizations.models import Organisation

Money = sa.Numeric(12, 2)
APPLICATION_STATES = ("draft", "submitted", "approved", "rejected")
QUESTION_TYPES = ("text", "number", "date", "choice", "file")
CONFLICT = ("none", "conflict")


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Call(Base):
    """A call for applications, bilingual, with its rules and timeline.

    ``eligible_kinds`` are organisation kinds (``hub.organizations.models.KINDS``);
    ``documents`` is a list of ``{"cs", "en"}`` names of files every application attaches;
    ``questions`` typed extra questions ``{"key", "type", "cs", "en", "choices",
    "required"}``; ``faq`` a list of ``{"q_cs", "a_cs", "q_en", "a_en"}``.
    """

    __tablename__ = "grants_call"
    __table_args__ = (
        sa.CheckConstraint("title_cs <> ''", name="title_not_empty"),
        sa.CheckConstraint("budget > 0 AND max_amount > 0 AND max_amount <= budget",
                           name="amounts"),
        sa.CheckConstraint("cofinancing_percent >= 0 AND cofinancing_percent < 100",
                           name="cofinancing"),
        sa.CheckConstraint("opens_at < deadline_at", name="timeline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_cs: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    description_cs: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    eligible_kinds: Mapped[list] = mapped_column(sa.JSON, default=list)
    budget: Mapped[Decimal] = mapped_column(Money)
    max_amount: Mapped[Decimal] = mapped_column(Money)
    cofinancing_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal(0))
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    evaluation_until: Mapped[dt.date | None] = mapped_column(sa.Date)
    decision_by: Mapped[dt.date | None] = mapped_column(sa.Date)
    multiple_per_organisation: Mapped[bool] = mapped_column(default=False)
    published: Mapped[bool] = mapped_column(default=False, index=True)
    documents: Mapped[list] = mapped_column(sa.JSON, default=list)
    questions: Mapped[list] = mapped_column(sa.JSON, default=list)
    faq: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))

    criteria = relationship("hub_grants.models.Criterion",
                            order_by="hub_grants.models.Criterion.position",
                            cascade="all, delete-orphan", passive_deletes=True,
                            back_populates="call")

    def text(self, field: str, language: str) -> str:
        """``title`` or ``description`` in ``language``, else in Czech."""
        return getattr(self, f"{field}_{language}", "") or getattr(self, f"{field}_cs")

    def text_lang(self, field: str, language: str) -> str | None:
        """``"cs"`` when ``text(field, language)`` is the Czech text shown on a page in
        another language (the element's ``lang``, so it is read out in Czech), else None."""
        return "cs" if language != "cs" and not getattr(self, f"{field}_{language}", "") \
            else None


class Criterion(Base):
    """An evaluation criterion: reviewers score 0..``max_score``; ``weight`` its share."""

    __tablename__ = "grants_criterion"
    __table_args__ = (
        sa.CheckConstraint("weight > 0", name="weight_positive"),
        sa.CheckConstraint("max_score > 0 AND max_score <= 100", name="max_score"),
        sa.CheckConstraint("name_cs <> ''", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("grants_call.id", ondelete="CASCADE"),
                                         index=True)
    position: Mapped[int] = mapped_column(default=0)
    name_cs: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    max_score: Mapped[int] = mapped_column()

    call = relationship(Call, back_populates="criteria")

    def name(self, language: str) -> str:
        return (self.name_en if language == "en" else "") or self.name_cs

    def name_lang(self, language: str) -> str | None:
        """``"cs"`` when ``name(language)`` falls back to the Czech name, else None."""
        return "cs" if language == "en" and not self.name_en else None


class Application(Base):
    """An organisation's application to a call, made by one of its representatives.

    ``exclusive`` copies "one application per organisation" from the call when the
    application is made, so the database itself refuses a second one (a partial unique
    index: SQLite and PostgreSQL both have them).
    """

    __tablename__ = "grants_application"
    __table_args__ = (
        sa.CheckConstraint(_in("status", APPLICATION_STATES), name="status"),
        sa.CheckConstraint("amount_requested >= 0", name="amount_requested"),
        sa.CheckConstraint("approved_amount IS NULL OR approved_amount >= 0",
                           name="approved_amount"),
        sa.CheckConstraint("status = 'draft' OR submitted_at IS NOT NULL", name="submitted"),
        sa.Index("uq_grants_application_one_per_organisation", "call_id", "organisation_id",
                 unique=True, sqlite_where=sa.text("exclusive"),
                 postgresql_where=sa.text("exclusive")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("grants_call.id", ondelete="RESTRICT"),
                                         index=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    exclusive: Mapped[bool] = mapped_column(default=True)
    applicant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True, info={"personal": True})
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    amount_requested: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(10), default="draft", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    approved_amount: Mapped[Decimal | None] = mapped_column(Money)
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))

    call = relationship(Call, lazy="joined")
    organisation = relationship(Organisation, lazy="joined")
    applicant = relationship(User, foreign_keys=[applicant_id])
    items = relationship("hub_grants.models.BudgetItem",
                         order_by="hub_grants.models.BudgetItem.position",
                         cascade="all, delete-orphan", passive_deletes=True)
    attachments = relationship("hub_grants.models.Attachment",
                               order_by="hub_grants.models.Attachment.id",
                               cascade="all, delete-orphan", passive_deletes=True)

    @property
    def total_cost(self) -> Decimal:
        return sum((i.amount for i in self.items), Decimal("0.00"))

    @property
    def own_sources(self) -> Decimal:
        return self.total_cost - (self.amount_requested or Decimal(0))


class BudgetItem(Base):
    """A line of an application's budget: what it pays for and how much (CZK)."""

    __tablename__ = "grants_budget_item"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grants_application.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(sa.String(300))
    amount: Mapped[Decimal] = mapped_column(Money)


class Attachment(Base):
    """A file attached to an application (``hub.storage`` key): a required document
    (``slot`` ``doc:<n>``), the answer to a file question (``q:<key>``) or another file."""

    __tablename__ = "grants_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grants_application.id", ondelete="CASCADE"), index=True)
    slot: Mapped[str] = mapped_column(sa.String(60), default="other")
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reviewer(Base):
    """A person staff appointed to review the applications of a call (staff or an
    external expert with an ordinary account)."""

    __tablename__ = "grants_reviewer"

    call_id: Mapped[int] = mapped_column(sa.ForeignKey("grants_call.id", ondelete="CASCADE"),
                                         primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship(User, foreign_keys=[user_id], lazy="joined")


class Review(Base):
    """One reviewer's declaration and scores for one application.

    The declaration comes first (``conflict``): with a conflict the reviewer never sees the
    application. ``submitted_at`` is set once every criterion is scored; scores are never
    changed afterwards, so other reviewers' scores are shown only to those who scored.
    """

    __tablename__ = "grants_review"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "reviewer_id"),
        sa.CheckConstraint(_in("conflict", CONFLICT), name="conflict"),
        sa.CheckConstraint("submitted_at IS NULL OR conflict = 'none'", name="no_conflict"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grants_application.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True, info={"personal": True})
    conflict: Mapped[str] = mapped_column(sa.String(10))
    conflict_note: Mapped[str] = mapped_column(sa.Text, default="")
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    reviewer = relationship(User, lazy="joined")
    scores = relationship("hub_grants.models.Score", cascade="all, delete-orphan",
                          passive_deletes=True)


class Score(Base):
    __tablename__ = "grants_score"
    __table_args__ = (sa.CheckConstraint("score >= 0", name="score_not_negative"),)

    review_id: Mapped[int] = mapped_column(sa.ForeignKey("grants_review.id", ondelete="CASCADE"),
                                           primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grants_criterion.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[int] = mapped_column()
    comment: Mapped[str] = mapped_column(sa.Text, default="")


class GrantEvent(Base):
    """The audit trail: every state change of a call or an application, who and when.

    No foreign keys to the objects: the trail outlives them; ``actor_id`` is kept as a
    number for the same reason (an erased account stays a number, never a name)."""

    __tablename__ = "grants_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    call_id: Mapped[int | None] = mapped_column(index=True)
    application_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(sa.String(40))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)


# -- after the award: agreement, payments, reports, closure ----------------------------------

AGREEMENT_STATES = ("issued", "accepted", "closed")
INSTALMENT_KINDS = ("advance", "interim", "final")
REPORT_KINDS = ("interim", "final")
REPORT_STATES = ("draft", "submitted", "approved", "returned")


class Agreement(Base):
    """The grant agreement of an approved application: the amount, the payment schedule,
    the reports due, and the PDF the organisation's representative accepted.

    Staff may issue it again (a new ``version``, a new PDF) until it is accepted; the
    accepted PDF's SHA-256 is kept with who accepted it and when. The instalments always
    add up to ``amount`` (checked when the schedule is written, ``award.issue``).
    """

    __tablename__ = "grants_agreement"
    __table_args__ = (
        sa.CheckConstraint(_in("status", AGREEMENT_STATES), name="status"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("status = 'issued' OR accepted_at IS NOT NULL", name="accepted"),
        sa.CheckConstraint("status <> 'closed' OR closed_at IS NOT NULL", name="closed"),
        sa.CheckConstraint("interim_report_due IS NULL OR interim_report_due <= "
                           "final_report_due", name="report_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grants_application.id", ondelete="RESTRICT"), unique=True)
    number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(sa.String(10), default="issued", index=True)
    version: Mapped[int] = mapped_column(default=1)
    interim_report_due: Mapped[dt.date | None] = mapped_column(sa.Date)
    final_report_due: Mapped[dt.date] = mapped_column(sa.Date)
    document_key: Mapped[str] = mapped_column(sa.String(200))
    document_sha256: Mapped[str] = mapped_column(sa.String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True, info={"personal": True})
    accepted_sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    closing_note: Mapped[str] = mapped_column(sa.Text, default="")

    application = relationship(Application, lazy="joined",
                               backref=backref("agreement", uselist=False))
    accepted_by = relationship(User, foreign_keys=[accepted_by_id])
    instalments = relationship("hub_grants.models.Instalment",
                               order_by="hub_grants.models.Instalment.position",
                               cascade="all, delete-orphan", passive_deletes=True)

    @property
    def paid_total(self) -> Decimal:
        return sum((i.amount for i in self.instalments if i.paid_on is not None),
                   Decimal("0.00"))


class Instalment(Base):
    """One payment of the schedule: an advance, an interim or the final payment, due on a
    date; staff record when it was paid and the bank transfer's reference."""

    __tablename__ = "grants_instalment"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", INSTALMENT_KINDS), name="kind"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("(paid_on IS NULL) = (recorded_at IS NULL)", name="paid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grants_agreement.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(10))
    due_on: Mapped[dt.date] = mapped_column(sa.Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    reference: Mapped[str] = mapped_column(sa.String(100), default="")
    recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))


class Report(Base):
    """An interim or final report of a grant: what was done, a financial statement (spent
    per budget item, and how much of it from the grant) and attachments. Staff approve it
    or return it with a comment; a returned report is corrected and submitted again."""

    __tablename__ = "grants_report"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "kind"),
        sa.CheckConstraint(_in("kind", REPORT_KINDS), name="kind"),
        sa.CheckConstraint(_in("status", REPORT_STATES), name="status"),
        sa.CheckConstraint("status = 'draft' OR submitted_at IS NOT NULL", name="submitted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grants_application.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(10), default="draft", index=True)
    narrative: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True, info={"personal": True})
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    staff_comment: Mapped[str] = mapped_column(sa.Text, default="")

    application = relationship(Application, lazy="joined")
    lines = relationship("hub_grants.models.ReportLine", cascade="all, delete-orphan",
                         passive_deletes=True)
    files = relationship("hub_grants.models.ReportFile",
                         order_by="hub_grants.models.ReportFile.id",
                         cascade="all, delete-orphan", passive_deletes=True)

    @property
    def spent_total(self) -> Decimal:
        return sum((line.spent for line in self.lines), Decimal("0.00"))

    @property
    def from_grant_total(self) -> Decimal:
        return sum((line.from_grant for line in self.lines), Decimal("0.00"))


class ReportLine(Base):
    """The financial statement of a report for one line of the approved budget."""

    __tablename__ = "grants_report_line"
    __table_args__ = (
        sa.CheckConstraint("spent >= 0 AND from_grant >= 0 AND from_grant <= spent",
                           name="amounts"),
    )

    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grants_report.id", ondelete="CASCADE"), primary_key=True)
    budget_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grants_budget_item.id", ondelete="CASCADE"), primary_key=True)
    spent: Mapped[Decimal] = mapped_column(Money)
    from_grant: Mapped[Decimal] = mapped_column(Money)


class ReportFile(Base):
    """A file attached to a report (``hub.storage`` key): invoices, photos, lists of
    participants."""

    __tablename__ = "grants_report_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grants_report.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
