"""What the pages, the API, feeds and hooks share: visibility, sanitising, images."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import defer, lazyload, selectinload

from hub import richtext
from hub.dates import PRAGUE, language
from hub.db import utcnow
from hub.topics.models import Topic
from hub_news.models import Article, Banner, article_topic

PAGE_SIZE = 10

CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif",
                 "webp": "image/webp"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024


def sanitise(html: str) -> str:
    """Rich text reduced to the hub's one allow-list (``hub.richtext.sanitise``)."""
    return richtext.sanitise(html)


def rich(html: str) -> Markup:
    """Stored rich text for a template (sanitised again: defence in depth)."""
    return Markup(sanitise(html))  # noqa: S704  # nosec B704


def plain(html: str) -> str:
    """Rich text as plain text (feeds' summaries, meta descriptions, search)."""
    return " ".join(richtext.text_of(html or "").split())


def published_clause(now=None):
    now = now or utcnow()
    return sa.and_(Article.publish_at.is_not(None), Article.publish_at <= now)


def published_articles(request, topic: str | None = None, page: int = 1,
                       size: int = PAGE_SIZE, with_body: bool = False,
                       with_author: bool = False,
                       offset: int | None = None) -> tuple[list[Article], int]:
    """Published articles, newest first, optionally of one topic; and their total count.
    ``offset`` (the API's paging) replaces ``page`` when given.

    Pages' lists show no body (``with_body`` for feeds) and no author (``with_author`` for
    the API): they stay in the database.
    """
    stmt = sa.select(Article).where(published_clause())
    if topic:
        stmt = stmt.where(Article.id.in_(
            sa.select(article_topic.c.article_id).join(Topic, Topic.id == article_topic.c.topic_id)
            .where(Topic.slug == topic)))
    total = request.dbsession.scalar(stmt.with_only_columns(sa.func.count(Article.id)))
    options = [selectinload(Article.topics)]
    if not with_author:
        options.append(lazyload(Article.author))
    if not with_body:
        options += [defer(Article.body_cs), defer(Article.body_en)]
    rows = request.dbsession.scalars(
        stmt.options(*options)
        .order_by(Article.publish_at.desc(), Article.id.desc())
        .offset((page - 1) * size if offset is None else offset).limit(size)).all()
    return list(rows), total or 0


def latest_articles(request, size: int, topic: str | None = None, with_body: bool = False,
                    with_topics: bool = True) -> list[Article]:
    """The newest published articles (feeds and the home page's block): no count."""
    stmt = sa.select(Article).where(published_clause())
    if topic:
        stmt = stmt.where(Article.id.in_(
            sa.select(article_topic.c.article_id).join(Topic, Topic.id == article_topic.c.topic_id)
            .where(Topic.slug == topic)))
    options = [lazyload(Article.author),
               selectinload(Article.topics) if with_topics else lazyload(Article.topics)]
    if not with_body:
        options += [defer(Article.body_cs), defer(Article.body_en)]
    return list(request.dbsession.scalars(
        stmt.options(*options).order_by(Article.publish_at.desc(), Article.id.desc())
        .limit(size)))


def visible_article(request, article_id: int) -> Article | None:
    """The article if the current user may read it (editors also see unpublished ones)."""
    from hub_news.permissions import MANAGE

    article = request.dbsession.get(Article, article_id)
    if article is None:
        return None
    if article.is_published() or request.has_permission(MANAGE):
        return article
    return None


@dataclass(frozen=True)
class ShownBanner:
    """A banner as pages show it (plain data: kept across requests by the cache)."""

    text_cs: str
    text_en: str
    link_url: str
    level: str
    starts_at: dt.datetime
    ends_at: dt.datetime

    def text(self, language: str) -> str:
        return self.text_en if language == "en" and self.text_en else self.text_cs


BANNERS_REGION = "news.banners"


def _banners_not_ended(request) -> tuple[ShownBanner, ...]:
    now = utcnow()
    return tuple(
        ShownBanner(b.text_cs, b.text_en, b.link_url, b.level, b.starts_at, b.ends_at)
        for b in request.dbsession.scalars(
            sa.select(Banner).where(Banner.ends_at > now)
            .order_by(Banner.starts_at.desc(), Banner.id)))


def current_banners(request) -> list[ShownBanner]:
    """Announcements shown now. Every page asks (twice: the head and the body), so the
    banners that have not ended yet are kept in the cache region ``news.banners`` (emptied
    when a banner is saved) and only their times are checked per request."""
    shown = request.environ.get("hub_news.banners")
    if shown is None:
        now = utcnow()
        kept = request.cached(BANNERS_REGION, None, lambda: _banners_not_ended(request))
        shown = [b for b in kept if b.starts_at <= now < b.ends_at]
        request.environ["hub_news.banners"] = shown
    return shown


def local_date(value, request) -> str:
    return "" if value is None else _format_date(value, language(request))


# Babel's formatting is slow next to the rest of a list page and the same days come back on
# every request: kept per (time, locale).
@functools.lru_cache(maxsize=4096)
def _format_date(value, locale: str) -> str:
    from babel.dates import format_date

    return format_date(value.astimezone(PRAGUE).date(), "long", locale=locale)


# -- images -------------------------------------------------------------------------------

def legacy_image_path(registry, name: str) -> Path | None:
    """An image kept in the local data directory before images moved to the storage."""
    if "/" in name or "\\" in name or not name:
        return None
    path = Path(registry.settings["hub.data_dir"]) / "news" / "images" / name
    return path if path.is_file() else None


def store_image(request, data: bytes) -> str | None:
    """Keep an uploaded image on the hub's storage (shared by every machine); its key, or
    ``None`` when it is not an image."""
    from hub.storage import IMAGES, StorageError, storage

    try:
        stored = storage(request).save(data, namespace="news", filename="image",
                                       max_size=MAX_IMAGE_BYTES, allowed_types=IMAGES)
    except StorageError:
        return None
    return stored.key


def image_name(article: Article) -> str:
    """The last part of the image's key: its address needs no slashes."""
    return (article.image_file or "").rsplit("/", 1)[-1]


def image_path(request, article: Article) -> str | None:
    """The image's address on this site (the authorised view or the given site path)."""
    if article.image_file:
        return request.route_path("news.image", id=article.id, name=image_name(article))
    return article.image_url or None


def is_site_path(value: str) -> bool:
    """An image URL must be a path on this site (the content security policy allows no
    other images, and no visitor is tracked by a third party)."""
    return (value.startswith("/") and not value.startswith("//") and "\\" not in value
            and not any(ord(c) < 33 for c in value))
