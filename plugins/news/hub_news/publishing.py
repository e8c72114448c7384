"""Staff actions on an article's life: publish now, schedule, unpublish; its revisions."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from hub.dates import format_moment, language, parse_local
from hub.db import utcnow
from hub_news import revisions, services
from hub_news.i18n import _
from hub_news.models import Article, ArticleRevision
from hub_news.permissions import MANAGE
from hub_news.views import Labels, article_context

ACTIONS = ("now", "schedule", "unpublish")


def _article(request) -> Article:
    article = request.dbsession.get(Article, int(request.matchdict["id"]))
    if article is None:
        raise HTTPNotFound()
    return article


@view_config(route_name="news.publish", request_method="POST", permission=MANAGE)
def publish(request):
    article = _article(request)
    action = request.POST.get("action", "")
    back = HTTPSeeOther(location=request.route_path("news.article", id=article.id))
    if action == "now":
        article.publish_at = utcnow()
        request.session.flash(_("The article has been published."), "success")
        return back
    if action == "unpublish":
        article.publish_at = None
        request.session.flash(_("The article is a draft again: only editors can see it."),
                              "success")
        return back
    if action != "schedule":
        return _refused(request, article, {"action": _("Choose one of the offered values.")}, "")
    value = request.POST.get("publish_at", "").strip()
    when = parse_local(value) if value else None
    if not value:
        error = _("Enter the date and time of publication.")
    elif when is None:
        error = _("Enter a date and time like 2026-03-01 09:30.")
    elif when <= utcnow():
        error = _("Enter a time in the future, or publish the article now.")
    else:
        article.publish_at = when
        request.session.flash(_("The article will be published at ${when}.",
                                mapping={"when": format_moment(when, language(request))}),
                              "success")
        return back
    return _refused(request, article, {"publish_at": error}, value)


def _refused(request, article, errors, value):
    response = render_to_response(
        "hub_news:templates/article.pt",
        article_context(request, article, publish_errors=errors, publish_value=value),
        request=request)
    response.status = 422
    return response


def _revision(request, article) -> ArticleRevision:
    number = request.matchdict["number"]
    if len(number) > 9:  # beyond any revision (and the database's integer)
        raise HTTPNotFound()
    revision = request.dbsession.scalar(sa.select(ArticleRevision).where(
        ArticleRevision.article_id == article.id, ArticleRevision.number == int(number)))
    if revision is None:
        raise HTTPNotFound()
    return revision


def _crumbs(request, article, last):
    return [(_("News and pages"), request.route_path("news.manage")),
            (article.title_cs, request.route_path("news.edit", id=article.id)), (last, None)]


@view_config(route_name="news.revisions", renderer="hub_news:templates/revisions.pt",
             permission=MANAGE, request_method="GET")
def history(request):
    article = _article(request)
    return {"article": article, "revisions": revisions.history(request.dbsession, article.id),
            "labels": Labels(request),
            "breadcrumbs": _crumbs(request, article, _("Revision history"))}


@view_config(route_name="news.revision", renderer="hub_news:templates/revision.pt",
             permission=MANAGE, request_method="GET")
def show_revision(request):
    article = _article(request)
    revision = _revision(request, article)
    current = revisions.latest(request.dbsession, article.id)
    return {"article": article, "revision": revision, "rich": services.rich,
            "is_current": current is not None and current.number == revision.number,
            "labels": Labels(request),
            "breadcrumbs": _crumbs(request, article, _("Revision ${number}",
                                                       mapping={"number": revision.number}))}


@view_config(route_name="news.revision_restore", request_method="POST", permission=MANAGE)
def restore_revision(request):
    article = _article(request)
    revision = _revision(request, article)
    new = revisions.restore(request, article, revision)
    request.session.flash(_("Revision ${old} has been restored as revision ${new}.",
                            mapping={"old": revision.number, "new": new.number}), "success")
    return HTTPSeeOther(location=request.route_path("news.revisions", id=article.id))
