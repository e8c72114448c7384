"""Hook implementations of the news plugin."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from markupsafe import Markup

from hub import dates, hookimpl
from hub.contributions import NavItem, Suggestion, Widget
from hub.db import utcnow
from hub.security import PUBLIC
from hub.shell import render_snippet
from hub.topics.models import Topic
from hub_news import services
from hub_news.i18n import _
from hub_news.models import Article, ArticleRevision, Page, article_topic
from hub_news.permissions import MANAGE, PERMISSIONS

FOR_YOU_DAYS = 60


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        return [NavItem(_("News"), route="news.index", permission=PUBLIC, order=10,
                        match=("news.index", "news.article"))]
    if menu == "admin":
        return [NavItem(_("News and pages"), route="news.manage", permission=MANAGE, order=10,
                        match=("news.manage", "news.new", "news.edit", "news.banner",
                               "news.page_edit", "news.pages"))]
    if menu == "footer":
        from hub_news.views import PAGE_TITLES

        if request.environ.get("hub.degraded"):
            return None  # an error page: the database may be unusable
        order = {slug: i for i, slug in enumerate(PAGE_TITLES)}
        return [NavItem(PAGE_TITLES[slug], route="news.page", route_kw={"slug": slug},
                        permission=PUBLIC, order=20 + order[slug])
                for slug in footer_pages(request)]
    return None


FOOTER_PAGES_REGION = "news.footer_pages"
# The core's footer links its own accessibility statement (/accessibility); the page staff
# write here is shown on it (see ``hub_slot``), so the footer lists the statement once.
NOT_IN_FOOTER = ("accessibility",)


def written_pages(request) -> dict[str, tuple[str, str]]:
    """``{slug: (Czech title, English title)}`` of the pages staff have written (asked on
    every page: kept until a page is saved)."""

    def load():
        return {slug: (title_cs, title_en) for slug, title_cs, title_en in
                request.dbsession.execute(sa.select(Page.slug, Page.title_cs, Page.title_en))}

    return request.cached(FOOTER_PAGES_REGION, None, load)


def footer_pages(request) -> list[str]:
    """Slugs of the written pages the footer links, in the footer's order."""
    from hub_news.views import PAGE_TITLES

    written = written_pages(request)
    return [slug for slug in PAGE_TITLES if slug in written and slug not in NOT_IN_FOOTER]


def accessibility_note(request) -> Markup | None:
    """On the core's accessibility statement: a link to what staff wrote about accessibility
    (the footer links the statement once, the core's)."""
    page = written_pages(request).get("accessibility")
    if page is None:
        return None
    language = dates.language(request)
    title = page[1] if language == "en" and page[1] else page[0]
    return render_snippet(request, "hub_news:templates/accessibility_note.pt", {
        "title": title, "url": request.route_path("news.page", slug="accessibility")})


@hookimpl
def hub_permissions():
    return PERMISSIONS


@hookimpl
def hub_dashboard_widgets(request):
    def latest(request):
        from hub_news.views import Labels

        articles = services.latest_articles(request, 3, with_topics=False)
        return render_snippet(request, "hub_news:templates/widget.pt",
                              {"articles": articles, "labels": Labels(request)})

    # The same for every visitor: the core keeps the HTML until an article changes, or a
    # minute passes (a scheduled article appears on time).
    return [Widget("news.latest", _("Latest news"), latest, where="home", order=10,
                   cache_tables=("news_article", "topic"), cache_ttl=60)]


@hookimpl
def hub_slot(request, name, context):
    if request.environ.get("hub.degraded"):
        return None  # an error page: the database may be unusable
    if name == "before_content":
        banners = services.current_banners(request)
        if not banners:
            return None
        return render_snippet(request, "hub_news:templates/banner.pt", {
            "banners": banners, "language": dates.language(request)})
    if name == "accessibility_statement":
        return accessibility_note(request)
    if name == "head":
        return head_markup(request)
    return None


def head_markup(request) -> Markup | None:
    """The banner's style when a banner is shown (sharing tags come from the core)."""
    parts = []
    if services.current_banners(request):
        parts.append(Markup('<link rel="stylesheet" href="{}">').format(
            request.static_path("hub_news:static/banner.css")))
    return Markup("\n").join(parts) if parts else None


@hookimpl
def hub_search_sources():
    from hub_news.search import SOURCES

    return SOURCES


@hookimpl
def hub_for_you(request, user, topics):
    """Published articles of the last weeks in the user's topics, meant for the user's
    stakeholder type (articles without a declared audience are meant for everyone)."""
    from hub.topics import stakeholder_type

    if not topics:
        return []
    since = utcnow() - dt.timedelta(days=FOR_YOU_DAYS)
    articles = request.dbsession.scalars(
        sa.select(Article).where(
            services.published_clause(), Article.publish_at >= since,
            Article.id.in_(sa.select(article_topic.c.article_id)
                           .join(Topic, Topic.id == article_topic.c.topic_id)
                           .where(Topic.slug.in_(list(topics)))))
        .order_by(Article.publish_at.desc()).limit(50)).all()
    stakeholder = stakeholder_type(request, user)
    articles = [a for a in articles
                if not a.audiences or stakeholder is None or stakeholder in a.audiences][:5]
    language = "en" if user.language == "en" else "cs"
    return [Suggestion(title=a.text("title", language),
                       url=request.route_path("news.article", id=a.id), kind=_("News"),
                       when=a.publish_at, summary=a.text("perex", language),
                       topics=tuple(t.slug for t in a.topics)) for a in articles]


# -- personal data ------------------------------------------------------------------------

@hookimpl
def hub_personal_data_tables():
    return ["news_article", "news_article_revision"]


@hookimpl
def hub_personal_data_export(request, user):
    articles = request.dbsession.scalars(
        sa.select(Article).where(Article.author_id == user.id).order_by(Article.id)).all()
    return {_("News articles written"): [
        {"id": a.id, "title": a.title_cs, "title_en": a.title_en,
         "publish_at": a.publish_at.isoformat() if a.publish_at else None,
         "created_at": a.created_at.isoformat()} for a in articles],
        _("News article revisions saved"): [
            {"article_id": r.article_id, "number": r.number, "title": r.title_cs,
             "created_at": r.created_at.isoformat()}
            for r in request.dbsession.scalars(
                sa.select(ArticleRevision).where(ArticleRevision.author_id == user.id)
                .order_by(ArticleRevision.article_id, ArticleRevision.number))]}


@hookimpl
def hub_personal_data_erase(request, user):
    """Articles are the hub's publications and stay; the author's name is removed."""
    request.dbsession.execute(
        sa.update(Article).where(Article.author_id == user.id).values(author_id=None))
    request.dbsession.execute(
        sa.update(ArticleRevision).where(ArticleRevision.author_id == user.id)
        .values(author_id=None))


@hookimpl
def hub_media_usage(request, item):
    """Articles and pages whose text shows the image: deleting it would leave a hole."""
    from hub.media import shown_in

    db = request.dbsession
    used = [_("Image in the article ${title}", mapping={"title": title})
            for title in db.scalars(sa.select(Article.title_cs).where(
                shown_in(item, Article.body_cs, Article.body_en)).order_by(Article.id))]
    used += [_("Image on the page ${title}", mapping={"title": title})
             for title in db.scalars(sa.select(Page.title_cs).where(
                 shown_in(item, Page.body_cs, Page.body_en)).order_by(Page.id))]
    return used


@hookimpl
def hub_openapi(request):
    from hub_news.api import openapi

    return openapi()


@hookimpl
def hub_demo_data(dbsession, scale):
    from hub_news.demo import create_demo_data

    create_demo_data(dbsession, scale)




# -- content in two languages -------------------------------------------------------------

def _missing(item, fields: tuple[str, ...]) -> tuple[str, ...]:
    """Fields with a Czech text and no English one (rich text counts by its words)."""
    def has_text(value: str | None) -> bool:
        return bool(services.plain(value or "").strip())

    return tuple(field for field in fields
                 if has_text(getattr(item, f"{field}_cs"))
                 and not has_text(getattr(item, f"{field}_en")))


@hookimpl
def hub_translations_missing(request):
    """Published articles and written pages without their English text."""
    from hub.translations import MissingTranslation

    found = []
    articles = request.dbsession.scalars(
        sa.select(Article).where(services.published_clause())
        .order_by(Article.publish_at.desc(), Article.id.desc()))
    for article in articles:
        fields = _missing(article, ("title", "perex", "body"))
        if fields:
            found.append(MissingTranslation(
                kind=_("News article"), title=article.title_cs,
                url=request.route_path("news.edit", id=article.id), fields=fields))
    for page in request.dbsession.scalars(sa.select(Page).order_by(Page.slug)):
        fields = _missing(page, ("title", "body"))
        if fields:
            found.append(MissingTranslation(
                kind=_("Page"), title=page.title_cs,
                url=request.route_path("news.page_edit", slug=page.slug), fields=fields))
    return found
