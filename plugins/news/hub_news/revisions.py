"""Article revisions and publishing states: what the edit, history and article pages share."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from hub.db import utcnow
from hub_news.i18n import _
from hub_news.models import Article, ArticleRevision

DRAFT, SCHEDULED, PUBLISHED = "draft", "scheduled", "published"

STATE_LABELS = {DRAFT: _("Draft"), SCHEDULED: _("Scheduled"), PUBLISHED: _("Published")}


def state(article: Article, now: dt.datetime | None = None) -> str:
    if article.publish_at is None:
        return DRAFT
    return PUBLISHED if article.publish_at <= (now or utcnow()) else SCHEDULED


def texts(obj) -> dict[str, str]:
    return {name: getattr(obj, name) or "" for name in ArticleRevision.TEXT_FIELDS}


def latest(dbsession, article_id: int) -> ArticleRevision | None:
    return dbsession.scalar(
        sa.select(ArticleRevision).where(ArticleRevision.article_id == article_id)
        .order_by(ArticleRevision.number.desc()).limit(1))


def record(request, article: Article, restored_from: int | None = None) -> ArticleRevision | None:
    """Keep the article's texts as its next revision (``None`` when a plain save changed no
    text: changing topics or the image leaves the history as it is)."""
    dbsession = request.dbsession
    # Numbers are counted per article: the row lock makes two editors saving at once take
    # turns (SQLite writes one at a time anyway) instead of colliding on the same number.
    dbsession.execute(sa.select(Article.id).where(Article.id == article.id).with_for_update())
    previous = latest(dbsession, article.id)
    if previous is not None and restored_from is None and texts(previous) == texts(article):
        return None
    number = (previous.number if previous else 0) + 1
    revision = ArticleRevision(article_id=article.id, number=number, restored_from=restored_from,
                               author_id=request.identity.id, **texts(article))
    dbsession.add(revision)
    dbsession.flush()
    return revision


def history(dbsession, article_id: int) -> list[ArticleRevision]:
    return list(dbsession.scalars(
        sa.select(ArticleRevision).where(ArticleRevision.article_id == article_id)
        .order_by(ArticleRevision.number.desc())))


def restore(request, article: Article, revision: ArticleRevision) -> ArticleRevision:
    """Put an earlier revision's texts back; the history gains a revision, loses none."""
    for name, value in texts(revision).items():
        setattr(article, name, value)
    request.dbsession.flush()
    return record(request, article, restored_from=revision.number)
