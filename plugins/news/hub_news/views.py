"""Public pages: the news list, articles, images, feeds and the editable pages."""
from __future__ import annotations

import math
import mimetypes
from urllib.parse import quote, urlencode
from xml.etree.ElementTree import Element, SubElement, tostring  # nosec B405

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import FileResponse, Response
from pyramid.view import view_config

from hub import dates
from hub.params import page_param
from hub.security import PUBLIC
from hub.sharing import set_share_metadata
from hub.storage import sniff, storage
from hub.topics import topic_choices, topic_labels
from hub.topics.models import Topic
from hub_news import services
from hub_news.i18n import _
from hub_news.models import PAGE_SLUGS, Page

FEED_SIZE = 20


class Labels:
    """Formatting helpers for templates, in the request's language."""

    def __init__(self, request):
        self.request = request
        self.language = dates.language(request)

    def date(self, value) -> str:
        return services.local_date(value, self.request)

    def when(self, value) -> str:
        return dates.format_moment(value, self.language)

    def text(self, obj, field: str) -> str:
        return obj.text(field, self.language)

    def rich(self, obj) -> object:
        return services.rich(obj.text("body", self.language))

    def lang(self, article) -> str:
        return article.language_of(self.language)

    def topic(self, topic) -> str:
        return topic.name(self.language)

    def image(self, article) -> str | None:
        return services.image_path(self.request, article)

    def state(self, article):
        """The article's publishing state (draft, scheduled, published), to translate."""
        from hub_news.revisions import STATE_LABELS, state

        return STATE_LABELS[state(article)]

    def alt(self, article) -> str:
        if self.language == "en" and article.image_alt_en:
            return article.image_alt_en
        return article.image_alt_cs


# Public pages are kept whole for anonymous visitors (``hub.page_cache``) until one of the
# tables they are made from changes, or a minute passes (a scheduled article appears).
ARTICLE_TABLES = ("news_article", "news_article_topic", "topic", "user")


@view_config(route_name="news.index", renderer="hub_news:templates/index.pt", permission=PUBLIC,
             cache_tables=ARTICLE_TABLES)
def index(request):
    topics = topic_choices(request)
    topic = request.GET.get("topic", "")
    if topic and topic not in dict(topics):
        topic = ""
    page = page_param(request, maximum=10_000)
    articles, total = services.published_articles(request, topic or None, page)
    pages = max(1, math.ceil(total / services.PAGE_SIZE))

    def page_url(n):
        query = {k: v for k, v in (("topic", topic), ("page", n if n > 1 else "")) if v}
        return request.route_path("news.index") + ("?" + urlencode(query) if query else "")

    return {"articles": articles, "topics": topics, "topic": topic, "page": page,
            "pages": pages, "total": total, "labels": Labels(request),
            "previous_url": page_url(page - 1) if page > 1 else None,
            "next_url": page_url(page + 1) if page < pages else None,
            "feed_url": request.route_path("news.topic_feed", slug=topic) if topic
            else request.route_path("news.feed"),
            "rss_url": request.route_path("news.topic_rss", slug=topic) if topic
            else request.route_path("news.rss"),
            "breadcrumbs": [(_("News"), None)]}


def share_links(url: str, title: str) -> list[tuple[str, str]]:
    """Plain links to the networks' share pages: nothing loads until the reader clicks."""
    u, t = quote(url, safe=""), quote(title, safe="")
    return [("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}"),
            ("X", f"https://twitter.com/intent/tweet?url={u}&text={t}"),
            ("LinkedIn", f"https://www.linkedin.com/sharing/share-offsite/?url={u}"),
            ("E-mail", f"mailto:?subject={t}&body={u}")]


def set_meta(request, title: str, description: str, url: str, image: str | None = None,
             kind: str = "article", published=None) -> None:
    """Open Graph and Twitter card data for the page (rendered by the core layout)."""
    set_share_metadata(request, title, description, url=url, image=image, kind=kind,
                       published=published)


@view_config(route_name="news.article", renderer="hub_news:templates/article.pt",
             permission=PUBLIC, cache_tables=ARTICLE_TABLES)
def article(request):
    item = services.visible_article(request, int(request.matchdict["id"]))
    if item is None:
        raise HTTPNotFound()
    return article_context(request, item)


def article_context(request, item, publish_errors=None, publish_value=None) -> dict:
    """The article page; editors also get its publishing state and buttons."""
    from hub_news.permissions import MANAGE
    from hub_news.revisions import STATE_LABELS, state

    labels = Labels(request)
    url = request.route_url("news.article", id=item.id)
    title = labels.text(item, "title")
    set_meta(request, title, labels.text(item, "perex") or services.plain(labels.text(
        item, "body")), url, labels.image(item), published=item.publish_at)
    publishing = None
    if request.has_permission(MANAGE):
        current = state(item)
        publishing = {"state": current, "label": STATE_LABELS[current],
                      "errors": publish_errors or {},
                      "value": publish_value if publish_value is not None
                      else dates.local_input(item.publish_at if current == "scheduled" else None)}
    return {"article": item, "labels": labels, "share": share_links(url, title),
            "published": item.is_published(), "publishing": publishing,
            "breadcrumbs": [(_("News"), request.route_path("news.index")), (title, None)]}


@view_config(route_name="news.image", permission=PUBLIC)
def image(request):
    """An uploaded image, only while its article is visible to the reader."""
    item = services.visible_article(request, int(request.matchdict["id"]))
    name = request.matchdict["name"]
    if item is None or not item.image_file or services.image_name(item) != name:
        raise HTTPNotFound()
    cache_control = "public, max-age=3600" if item.is_published() else "no-store"
    path = services.legacy_image_path(request.registry, item.image_file)
    if path is not None:
        content_type = services.CONTENT_TYPES.get(path.suffix.lstrip(".")) or \
            mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        response = FileResponse(str(path), request=request, content_type=content_type)
        response.headers["Cache-Control"] = cache_control
        return response
    files = storage(request)
    try:
        with files.open(item.image_file) as handle:
            content_type = sniff(handle.read(16)) or "application/octet-stream"
    except (FileNotFoundError, KeyError):
        raise HTTPNotFound() from None
    return files.file_response(request, item.image_file, name, content_type, inline=True,
                               cache_control=cache_control)


# -- feeds ------------------------------------------------------------------------------

ATOM = "http://www.w3.org/2005/Atom"


def atom_feed(request, articles, title: str, self_url: str) -> Response:
    language = dates.language(request)
    feed = Element("feed", {"xmlns": ATOM, "xml:lang": language})
    SubElement(feed, "title").text = title
    SubElement(feed, "id").text = self_url
    SubElement(feed, "link", {"rel": "self", "href": self_url,
                              "type": "application/atom+xml"})
    SubElement(feed, "link", {"rel": "alternate", "href": request.route_url("news.index"),
                              "type": "text/html"})
    updated = max((a.publish_at for a in articles), default=None)
    SubElement(feed, "updated").text = (updated or services.utcnow()).isoformat()
    author = SubElement(feed, "author")
    SubElement(author, "name").text = request.registry.settings["hub.site_name"]
    for item in articles:
        url = request.route_url("news.article", id=item.id)
        entry = SubElement(feed, "entry")
        SubElement(entry, "title").text = item.text("title", language)
        SubElement(entry, "id").text = url
        SubElement(entry, "link", {"rel": "alternate", "href": url, "type": "text/html"})
        SubElement(entry, "published").text = item.publish_at.isoformat()
        SubElement(entry, "updated").text = item.publish_at.isoformat()
        SubElement(entry, "summary").text = item.text("perex", language)
        # Escaped HTML (type="html"), sanitised like on the article page.
        SubElement(entry, "content", {"type": "html"}).text = services.sanitise(
            item.text("body", language))
        for topic in item.topics:
            SubElement(entry, "category", {"term": topic.slug, "label": topic.name(language)})
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(feed, encoding="utf-8",
                                                                   xml_declaration=False)
    return Response(body=body, content_type="application/atom+xml", charset="utf-8")


def rss_feed(request, articles, title: str, self_url: str) -> Response:
    from email.utils import format_datetime

    language = dates.language(request)
    rss = Element("rss", {"version": "2.0", "xmlns:atom": ATOM})
    channel = SubElement(rss, "channel")
    SubElement(channel, "title").text = title
    SubElement(channel, "link").text = request.route_url("news.index")
    SubElement(channel, "description").text = title
    SubElement(channel, "language").text = language
    SubElement(channel, "atom:link", {"href": self_url, "rel": "self",
                                      "type": "application/rss+xml"})
    for item in articles:
        url = request.route_url("news.article", id=item.id)
        node = SubElement(channel, "item")
        SubElement(node, "title").text = item.text("title", language)
        SubElement(node, "link").text = url
        SubElement(node, "guid", {"isPermaLink": "true"}).text = url
        SubElement(node, "pubDate").text = format_datetime(item.publish_at)
        SubElement(node, "description").text = item.text("perex", language)
        for topic in item.topics:
            SubElement(node, "category").text = topic.name(language)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(rss, encoding="utf-8",
                                                                  xml_declaration=False)
    return Response(body=body, content_type="application/rss+xml", charset="utf-8")


def _site_feed(request, render, route: str):
    articles = services.latest_articles(request, FEED_SIZE, with_body=True)
    title = request.localizer.translate(_("News from ${site}", mapping={
        "site": request.registry.settings["hub.site_name"]}))
    return render(request, articles, title, request.route_url(route))


def _topic_feed(request, render, route: str):
    slug = request.matchdict["slug"]
    exists = request.dbsession.scalar(sa.select(Topic.id).where(Topic.slug == slug))
    if exists is None:
        raise HTTPNotFound()
    articles = services.latest_articles(request, FEED_SIZE, slug, with_body=True)
    name = topic_labels(request, [slug]).get(slug, slug)
    title = request.localizer.translate(_("News from ${site}: ${topic}", mapping={
        "site": request.registry.settings["hub.site_name"], "topic": name}))
    return render(request, articles, title, request.route_url(route, slug=slug))


@view_config(route_name="news.feed", permission=PUBLIC)
def feed(request):
    return _site_feed(request, atom_feed, "news.feed")


@view_config(route_name="news.rss", permission=PUBLIC)
def rss(request):
    return _site_feed(request, rss_feed, "news.rss")


@view_config(route_name="news.topic_feed", permission=PUBLIC)
def topic_feed(request):
    return _topic_feed(request, atom_feed, "news.topic_feed")


@view_config(route_name="news.topic_rss", permission=PUBLIC)
def topic_rss(request):
    return _topic_feed(request, rss_feed, "news.topic_rss")


# -- pages ------------------------------------------------------------------------------

PAGE_TITLES = {"about": _("About the hub"), "getting-here": _("How to get here"),
               "accessibility": _("Accessibility statement"), "privacy": _("Privacy")}


@view_config(route_name="news.page", renderer="hub_news:templates/page.pt", permission=PUBLIC,
             cache_tables=("news_page",))
def page(request):
    slug = request.matchdict["slug"]
    item = request.dbsession.scalar(sa.select(Page).where(Page.slug == slug)) \
        if slug in PAGE_SLUGS else None
    if item is None:
        raise HTTPNotFound()
    language = dates.language(request)
    title = item.text("title", language)
    body = item.text("body", language)
    url = request.route_url("news.page", slug=slug)
    set_meta(request, title, services.plain(body), url, kind="website")
    return {"page": item, "title_text": title, "body": services.rich(body),
            "lang": "en" if language == "en" and item.title_en else "cs",
            "share": share_links(url, title), "breadcrumbs": [(title, None)]}


