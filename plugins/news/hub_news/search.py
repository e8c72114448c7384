"""The news plugin's part of the site search: articles and the written pages."""
from __future__ import annotations

from hub.richtext import text_of
from hub.search import Document, SearchSource
from hub_news.i18n import _
from hub_news.models import Article, Page

LANGUAGES = ("cs", "en")


def _other(language: str) -> str:
    return "en" if language == "cs" else "cs"


def article_documents(dbsession, articles):
    """A Czech and an English document per article with a publication time (scheduled
    ones are found from that time on); drafts are not found."""
    for article in articles:
        if article.publish_at is None:
            continue
        for language in LANGUAGES:
            topics = ", ".join(t.name(language) for t in article.topics)
            other = _other(language)
            yield Document(
                key=article.id, language=language, title=article.text("title", language),
                body="\n".join((article.text("perex", language),
                                text_of(article.text("body", language)), topics)),
                extra="\n".join((article.text("title", other), article.text("perex", other))),
                summary=article.text("perex", language), route="news.article",
                route_args={"id": article.id}, visible_from=article.publish_at)


def page_documents(dbsession, pages):
    for page in pages:
        for language in LANGUAGES:
            yield Document(
                key=page.id, language=language, title=page.text("title", language),
                body=text_of(page.text("body", language)),
                extra=page.text("title", _other(language)),
                summary=text_of(page.text("body", language))[:300], route="news.page",
                route_args={"slug": page.slug})


SOURCES = [
    SearchSource("news.article", _("News"), Article, article_documents,
                 fields=("title_cs", "title_en", "perex_cs", "perex_en", "body_cs", "body_en",
                         "publish_at", "topics")),
    SearchSource("news.page", _("Page"), Page, page_documents),
]
