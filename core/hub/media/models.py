"""The media library's tables: one row per file, captions beside it.

Invariants live in the database: the kind is one of four, an image always has a Czech
alternative text, a caption is one per item and language. Captions are kept in the
database rather than the file store: they are small, every machine reads them, and a
caption is validated WebVTT text that staff may edit.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, UTCDateTime, utcnow
from hub.translations import Translated

KINDS = ("image", "document", "audio", "video")
PLAYABLE = ("audio", "video")
CAPTION_LANGUAGES = ("cs", "en")


class MediaItem(Translated, Base):
    """A file of the library: an image, a document (PDF), an audio or a video recording.

    ``is_public``: anyone may fetch the file at ``/media/<id>/<name>`` only when staff
    marked it public; otherwise only staff, or a plugin's own view under its own rules
    (``hub.media.media_response``).
    """

    __tablename__ = "media_item"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('image', 'document', 'audio', 'video')", name="kind"),
        sa.CheckConstraint("kind <> 'image' OR TRIM(alt) <> ''", name="image_has_alt"),
        sa.CheckConstraint("size >= 0", name="size_positive"),
        sa.Index("ix_media_item_kind_created_at", "kind", "created_at"),
    )

    TRANSLATED = ("title", "alt", "transcript")

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    title: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    alt: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    alt_en: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    transcript: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    transcript_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    file_key: Mapped[str] = mapped_column(sa.String(200))
    file_name: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    poster_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("media_item.id", ondelete="SET NULL"))
    is_public: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                    onupdate=utcnow)

    # Loaded where they are shown (``selectinload``): serving a file needs neither.
    poster: Mapped[MediaItem | None] = relationship(remote_side=[id])
    captions: Mapped[list[MediaCaption]] = relationship(
        back_populates="item", cascade="all, delete-orphan", passive_deletes=True,
        order_by="MediaCaption.language")

    @property
    def is_playable(self) -> bool:
        return self.kind in PLAYABLE

    def caption(self, language: str) -> MediaCaption | None:
        return next((c for c in self.captions if c.language == language), None)


class MediaCaption(Base):
    """WebVTT captions of an audio or video item in one language."""

    __tablename__ = "media_caption"
    __table_args__ = (
        sa.UniqueConstraint("item_id", "language"),
        sa.CheckConstraint("language IN ('cs', 'en')", name="language"),
        sa.CheckConstraint("vtt <> ''", name="vtt_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("media_item.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(2))
    vtt: Mapped[str] = mapped_column(sa.Text)

    item: Mapped[MediaItem] = relationship(back_populates="captions")
