"""Read-only JSON API: published articles (``/api/v1/news/articles``)."""
from __future__ import annotations

from pyramid.view import view_config

from hub.api import api_error
from hub.api.collections import collection, collection_schema, paging_parameters, read_paging
from hub.api.openapi import error_response, json_content, ref
from hub.security import PUBLIC
from hub_news import services
from hub_news.i18n import _
from hub_news.models import Article

API_PAGE_SIZE = 20


def article_json(request, article: Article, full: bool = False) -> dict:
    image = services.image_path(request, article)
    data = {
        "id": article.id,
        "url": request.route_url("news.article", id=article.id),
        "published_at": article.publish_at.isoformat(),
        "title": {"cs": article.title_cs, "en": article.title_en or None},
        "perex": {"cs": article.perex_cs, "en": article.perex_en or None},
        "topics": [t.slug for t in article.topics],
        "audiences": list(article.audiences or []),
        "image": {"url": request.application_url + image if image.startswith("/") else image,
                  "alt": {"cs": article.image_alt_cs, "en": article.image_alt_en or None}}
        if image else None,
        "author": article.author.name if article.author else None,
    }
    if full:
        data["body"] = {"cs": services.sanitise(article.body_cs),
                        "en": services.sanitise(article.body_en) if article.title_en else None}
    return data


@view_config(route_name="news.api.articles", request_method="GET", renderer="json",
             permission=PUBLIC)
def articles(request):
    paging = read_paging(request, API_PAGE_SIZE)
    topic = request.GET.get("topic") or None
    rows, total = services.published_articles(request, topic, size=paging.limit,
                                              offset=paging.offset, with_author=True)
    return collection([article_json(request, a) for a in rows], total, paging)


@view_config(route_name="news.api.article", request_method="GET", renderer="json",
             permission=PUBLIC)
def article(request):
    item = request.dbsession.get(Article, int(request.matchdict["id"]))
    # Unpublished and scheduled articles do not exist for the API (editors use the pages).
    if item is None or not item.is_published():
        return api_error(404, "not_found",
                         request.localizer.translate(_("No published article with this id.")))
    return article_json(request, item, full=True)


def openapi() -> dict:
    localized = {"type": "object", "properties": {"cs": {"type": "string"},
                                                  "en": {"type": ["string", "null"]}}}
    summary = {
        "type": "object",
        "required": ["id", "url", "published_at", "title", "perex", "topics"],
        "properties": {
            "id": {"type": "integer"}, "url": {"type": "string", "format": "uri"},
            "published_at": {"type": "string", "format": "date-time"},
            "title": localized, "perex": localized,
            "topics": {"type": "array", "items": {"type": "string"},
                       "description": "Slugs of the core's shared topics"},
            "audiences": {"type": "array", "items": {"type": "string"},
                          "description": "Stakeholder types the article is meant for "
                                         "(empty: everyone)"},
            "image": {"type": ["object", "null"], "properties": {
                "url": {"type": "string"}, "alt": localized}},
            "author": {"type": ["string", "null"]},
        },
    }
    full = {"allOf": [{"$ref": "#/components/schemas/NewsArticleSummary"}, {
        "type": "object", "properties": {"body": {
            "type": "object", "description": "Sanitised HTML", "properties": {
                "cs": {"type": "string"}, "en": {"type": ["string", "null"]}}}}}]}
    return {
        "paths": {
            "/news/articles": {"get": {
                "tags": ["news"], "summary": "Published news articles, newest first",
                "operationId": "listNewsArticles",
                "parameters": paging_parameters(API_PAGE_SIZE) + [
                    {"name": "topic", "in": "query", "schema": {"type": "string"},
                     "description": "Only articles of this topic (slug)"}],
                "responses": {
                    "200": {"description": "A page of articles", "content": json_content(
                        collection_schema(ref("NewsArticleSummary")))},
                    "422": error_response("Invalid paging")}}},
            "/news/articles/{id}": {"get": {
                "tags": ["news"], "summary": "One published article with its text",
                "operationId": "getNewsArticle",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 1}}],
                "responses": {
                    "200": {"description": "The article", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/NewsArticle"}}}},
                    "404": error_response("No such published article")}}},
        },
        "components": {"schemas": {"NewsArticleSummary": summary, "NewsArticle": full}},
    }
