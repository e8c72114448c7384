"""News articles, announcement banners and editable pages."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.accounts.models import User
from hub.db import Base, UTCDateTime, utcnow
from hub.topics.models import Topic

PAGE_SLUGS = ("about", "getting-here", "accessibility", "privacy")

article_topic = sa.Table(
    "news_article_topic", Base.metadata,
    sa.Column("article_id", sa.ForeignKey("news_article.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class Article(Base):
    """A news article in Czech and, optionally, English.

    ``publish_at`` empty means a draft; a future time schedules the publication: until
    then the article is invisible everywhere except to the editors.
    """

    __tablename__ = "news_article"
    __table_args__ = (
        sa.CheckConstraint("title_cs <> ''", name="title_cs_not_empty"),
        sa.CheckConstraint("image_file IS NULL OR image_url IS NULL", name="one_image_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_cs: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    perex_cs: Mapped[str] = mapped_column(sa.Text, default="")
    perex_en: Mapped[str] = mapped_column(sa.Text, default="")
    body_cs: Mapped[str] = mapped_column(sa.Text, default="")
    body_en: Mapped[str] = mapped_column(sa.Text, default="")
    image_file: Mapped[str | None] = mapped_column(sa.String(80))
    image_url: Mapped[str | None] = mapped_column(sa.String(500))
    image_alt_cs: Mapped[str] = mapped_column(sa.String(300), default="")
    image_alt_en: Mapped[str] = mapped_column(sa.String(300), default="")
    # Stakeholder types the article is meant for (empty: everyone); used by "For you".
    audiences: Mapped[list] = mapped_column(sa.JSON, default=list)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    publish_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    topics = relationship(Topic, secondary=article_topic, lazy="selectin",
                          order_by=Topic.position)
    author = relationship(User, lazy="joined")

    def is_published(self, now: dt.datetime | None = None) -> bool:
        return self.publish_at is not None and self.publish_at <= (now or utcnow())

    def text(self, field: str, language: str) -> str:
        """A field in ``language``, the Czech version when there is no English one."""
        if language == "en":
            value = getattr(self, f"{field}_en")
            if value and (field != "body" or self.title_en):
                return value
        return getattr(self, f"{field}_cs")

    def language_of(self, language: str) -> str:
        return "en" if language == "en" and self.title_en else "cs"

    @property
    def has_image(self) -> bool:
        return bool(self.image_file or self.image_url)


class ArticleRevision(Base):
    """The article's texts as one save left them; restoring one saves a new revision."""

    __tablename__ = "news_article_revision"
    __table_args__ = (
        sa.UniqueConstraint("article_id", "number"),
        sa.CheckConstraint("number > 0", name="number_positive"),
        sa.CheckConstraint("restored_from IS NULL OR restored_from < number",
                           name="restores_an_earlier_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("news_article.id", ondelete="CASCADE"))
    number: Mapped[int]
    title_cs: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    perex_cs: Mapped[str] = mapped_column(sa.Text, default="")
    perex_en: Mapped[str] = mapped_column(sa.Text, default="")
    body_cs: Mapped[str] = mapped_column(sa.Text, default="")
    body_en: Mapped[str] = mapped_column(sa.Text, default="")
    restored_from: Mapped[int | None]
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship(User, lazy="joined")

    TEXT_FIELDS = ("title_cs", "title_en", "perex_cs", "perex_en", "body_cs", "body_en")


class Banner(Base):
    """A site-wide announcement shown on every page between ``starts_at`` and ``ends_at``."""

    __tablename__ = "news_banner"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("text_cs <> ''", name="text_cs_not_empty"),
        sa.CheckConstraint("level IN ('info', 'warning')", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    text_cs: Mapped[str] = mapped_column(sa.String(500))
    text_en: Mapped[str] = mapped_column(sa.String(500), default="")
    link_url: Mapped[str] = mapped_column(sa.String(500), default="")
    level: Mapped[str] = mapped_column(sa.String(10), default="info")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)

    def text(self, language: str) -> str:
        return self.text_en if language == "en" and self.text_en else self.text_cs


class Page(Base):
    """One of the editable pages linked from the footer."""

    __tablename__ = "news_page"
    __table_args__ = (
        sa.CheckConstraint(
            "slug IN (" + ", ".join(f"'{s}'" for s in PAGE_SLUGS) + ")", name="slug"),
        sa.CheckConstraint("title_cs <> ''", name="title_cs_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title_cs: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    body_cs: Mapped[str] = mapped_column(sa.Text, default="")
    body_en: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def text(self, field: str, language: str) -> str:
        if language == "en" and self.title_en:
            return getattr(self, f"{field}_en") or getattr(self, f"{field}_cs")
        return getattr(self, f"{field}_cs")
