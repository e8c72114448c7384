"""Tables of the newsletter plugin.

The invariants live here, in the database:
- one subscriber per e-mail address, one subscription per (list, subscriber);
- one delivery per (campaign, address): a recipient can never be queued twice, whatever
  the number of workers or restarts;
- statuses are closed sets (CHECK constraints).
"""
from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, UTCDateTime, utcnow
from hub.translations import Translated

CAMPAIGN_KINDS = ("newsletter", "invitation")
CAMPAIGN_STATUSES = ("draft", "submitted", "approved", "scheduled", "sending", "paused",
                     "sent", "cancelled", "failed")
DELIVERY_STATUSES = ("pending", "sending", "sent", "failed", "skipped", "bounced")
SALUTATION_STYLES = ("formal", "informal")
LAYOUTS = ("gov", "light", "plain")
# The accent of the gov.cz look, the hub's own primary colour unless the theme sets one.
DEFAULT_ACCENT = "#2362a2"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class NewsletterList(Base):
    """A mailing list people subscribe to (with double opt-in when public)."""

    __tablename__ = "newsletter_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    # The list's name, not a person's.
    name: Mapped[str] = mapped_column(sa.String(200), info={"personal": False})
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Subscribers agree to the plugin's consent purpose for this list (hub_newsletter.purposes);
    # the consent itself is kept in the core's consent ledger.
    is_public: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscriber(Base):
    """An e-mail address the hub may write to, with the data used to personalise mail."""

    __tablename__ = "newsletter_subscriber"
    __table_args__ = (
        sa.CheckConstraint("gender IS NULL OR gender IN ('f', 'm')", name="gender"),
        sa.CheckConstraint("language IN ('cs', 'en')", name="language"),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    first_name: Mapped[str] = mapped_column(sa.String(100), default="")
    last_name: Mapped[str] = mapped_column(sa.String(100), default="")
    gender: Mapped[str | None] = mapped_column(sa.String(1))
    language: Mapped[str] = mapped_column(sa.String(2), default="cs")
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # Secret of the unsubscribe and preferences links (random, purpose-bound, revocable).
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_token)
    # "Never send me any newsletter": set by one-click unsubscribe; blocks every source,
    # CRM audiences included.
    opted_out_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    hard_bounced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    soft_bounces: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def can_receive(self) -> bool:
        return self.opted_out_at is None and self.hard_bounced_at is None


class Subscription(Base):
    """A subscription request waiting for its double opt-in confirmation.

    It is not a consent: confirming records the consent in the core's ledger and deletes
    the request; requests never confirmed expire (``newsletter.confirm_expiry_days``).
    """

    __tablename__ = "newsletter_subscription"
    __table_args__ = (sa.UniqueConstraint("list_id", "subscriber_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(
        sa.ForeignKey("newsletter_list.id", ondelete="CASCADE"), index=True)
    subscriber_id: Mapped[int] = mapped_column(
        sa.ForeignKey("newsletter_subscriber.id", ondelete="CASCADE"), index=True)
    confirm_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    subscriber: Mapped[Subscriber] = relationship(back_populates="subscriptions")
    list: Mapped[NewsletterList] = relationship()


campaign_list = sa.Table(
    "newsletter_campaign_list", Base.metadata,
    sa.Column("campaign_id", sa.ForeignKey("newsletter_campaign.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("list_id", sa.ForeignKey("newsletter_list.id", ondelete="CASCADE"),
              primary_key=True),
)


class NewsletterTemplate(Translated, Base):
    """A reusable look of the e-mail: header and footer (sanitised HTML, in Czech and
    English), accent colour, logo and layout. Campaigns that use it keep it from being
    deleted (``ON DELETE RESTRICT``); at most one is the default (a partial unique index).
    """

    __tablename__ = "newsletter_template"
    __table_args__ = (
        sa.CheckConstraint(_in("layout", LAYOUTS), name="layout"),
        # "#rrggbb": the form and the API check the digits, the database the shape.
        sa.CheckConstraint("length(accent) = 7 AND substr(accent, 1, 1) = '#'",
                           name="accent"),
        sa.Index("uq_newsletter_template_default", "is_default", unique=True,
                 sqlite_where=sa.text("is_default"), postgresql_where=sa.text("is_default")),
    )
    TRANSLATED = ("header_html", "footer_html")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True, info={"personal": False})
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # The look of the e-mail (rendering.LAYOUT_STYLES), coloured with ``accent``.
    layout: Mapped[str] = mapped_column(sa.String(10), default="gov")
    header_html: Mapped[str] = mapped_column(sa.Text, default="")
    header_html_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    footer_html: Mapped[str] = mapped_column(sa.Text, default="")
    footer_html_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    accent: Mapped[str] = mapped_column(sa.String(7), default=DEFAULT_ACCENT)
    # A public image of the core's media library (which refuses to delete it while used).
    logo_media_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("media_item.id", ondelete="SET NULL"))
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Campaign(Translated, Base):
    """A newsletter or an invitation, from draft through approval to sending.

    Subject, preview line and text are in Czech with optional English versions
    (``hub.translations``); each recipient gets the version of their language.
    """

    __tablename__ = "newsletter_campaign"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", CAMPAIGN_KINDS), name="kind"),
        sa.CheckConstraint(_in("status", CAMPAIGN_STATUSES), name="status"),
        sa.CheckConstraint(_in("salutation", SALUTATION_STYLES), name="salutation"),
    )
    TRANSLATED = ("subject", "preheader", "body")

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(12), default="newsletter")
    status: Mapped[str] = mapped_column(sa.String(12), default="draft", index=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    subject_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    preheader: Mapped[str] = mapped_column(sa.String(200), default="")
    preheader_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    body_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    salutation: Mapped[str] = mapped_column(sa.String(10), default="formal")
    # The look of the e-mail; none: the built-in look in the hub's colours.
    template_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("newsletter_template.id", ondelete="RESTRICT"), index=True)
    # CRM audience keys (when the crm plugin is enabled).
    audiences: Mapped[list] = mapped_column(sa.JSON, default=list)
    # The linked event of the events plugin, copied when the campaign is written.
    event_id: Mapped[int | None] = mapped_column()
    event_title: Mapped[str] = mapped_column(sa.String(300), default="")
    event_url: Mapped[str] = mapped_column(sa.String(500), default="")
    event_starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    in_archive: Mapped[bool] = mapped_column(default=True)
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # One-click unsubscribes caused by this campaign (an aggregate, no names).
    unsubscribes: Mapped[int] = mapped_column(default=0)
    # Opens and clicks, counted only when enabled for the campaign and only as totals: the
    # pixel and the links carry the campaign, never the recipient. ``track_key`` signs them.
    track: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    track_key: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    opens: Mapped[int] = mapped_column(default=0, server_default="0")
    clicks: Mapped[int] = mapped_column(default=0, server_default="0")
    # What the send relied on, taken when it started (services.take_snapshot): purposes,
    # text versions, consent counts and a digest of the records, audience definitions.
    snapshot: Mapped[dict | None] = mapped_column(sa.JSON)

    lists: Mapped[list[NewsletterList]] = relationship(secondary=campaign_list)
    template: Mapped[NewsletterTemplate | None] = relationship()


class Delivery(Base):
    """One message of a campaign to one address: the unit of exactly-once sending.

    ``pending`` → ``sending`` (set and committed before the SMTP call) → ``sent`` (committed
    after it), or ``failed``/``skipped``/``bounced``. A row left in ``sending`` by a crash
    is never sent again automatically (at most once); see README.
    """

    __tablename__ = "newsletter_delivery"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "address"),
        sa.CheckConstraint(_in("status", DELIVERY_STATUSES), name="status"),
        sa.Index("ix_newsletter_delivery_campaign_status", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("newsletter_campaign.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("newsletter_subscriber.id", ondelete="SET NULL"), index=True)
    address: Mapped[str] = mapped_column(sa.String(254))
    # Where the recipient came from: "list:<id>" or "audience:<key>" (re-checked at send).
    source: Mapped[str] = mapped_column(sa.String(120))
    # The consent ledger's record the row was written on (proof of the consent relied on;
    # not a foreign key: the ledger is the core's and its records are never deleted).
    consent_record_id: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(40))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(sa.Text, default="")
