"""Staff pages: write articles, schedule them, announcement banners and the footer pages."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.dates import local_input, parse_local
from hub.storage import IMAGES, sniff
from hub.topics import STAKEHOLDER_LABELS, STAKEHOLDER_TYPES, active_topics
from hub_news import revisions, services
from hub_news.i18n import _
from hub_news.models import PAGE_SLUGS, Article, Banner, Page
from hub_news.permissions import MANAGE
from hub_news.views import PAGE_TITLES, Labels


@dataclass(frozen=True)
class Field:
    name: str
    label: Any
    type: str = "text"  # text, textarea, richtext, url, datetime-local, file, checkbox, select
    required: bool = False
    maxlength: int | None = None
    hint: Any = None
    lang: str | None = None
    options: tuple = ()


ARTICLE_FIELDS = (
    Field("title_cs", _("Title in Czech"), required=True, maxlength=200, lang="cs"),
    Field("perex_cs", _("Perex in Czech"), "textarea", maxlength=1000, lang="cs",
          hint=_("One or two sentences shown in lists, feeds and when the article is shared.")),
    Field("body_cs", _("Text in Czech"), "richtext", maxlength=100_000, lang="cs"),
    Field("title_en", _("Title in English"), maxlength=200, lang="en",
          hint=_("Leave the English fields empty to show the Czech version to everyone.")),
    Field("perex_en", _("Perex in English"), "textarea", maxlength=1000, lang="en"),
    Field("body_en", _("Text in English"), "richtext", maxlength=100_000, lang="en"),
    Field("image", _("Image"), "file",
          hint=_("PNG, JPEG, GIF or WebP, at most 5 MB. Choose the file again if the form "
                 "shows an error.")),
    Field("image_url", _("Or the address of an image on this site"), maxlength=500,
          hint=_("A path starting with /, e.g. /static/hub/logo.png.")),
    Field("image_alt_cs", _("Image description for people who cannot see it (Czech)"),
          maxlength=300, lang="cs"),
    Field("image_alt_en", _("Image description in English"), maxlength=300, lang="en"),
    Field("remove_image", _("Remove the image"), "checkbox"),
    Field("publish_at", _("Publish at"), "datetime-local",
          hint=_("Prague time. Empty: a draft nobody else sees. A future time: the article "
                 "appears by itself then.")),
)

RICH_HINT = _("Paragraphs, headings, lists and links in HTML. Anything else (scripts, styles, "
              "embedded content) is removed when saving.")

BANNER_FIELDS = (
    Field("text_cs", _("Announcement in Czech"), "textarea", required=True, maxlength=500,
          lang="cs"),
    Field("text_en", _("Announcement in English"), "textarea", maxlength=500, lang="en"),
    Field("link_url", _("Link for more information"), maxlength=500,
          hint=_("A path on this site (/news/12) or an https:// address. Optional.")),
    Field("level", _("Kind"), "select", options=(("info", _("Information")),
                                                 ("warning", _("Warning")))),
    Field("starts_at", _("Show from"), "datetime-local", required=True, hint=_("Prague time.")),
    Field("ends_at", _("Show until"), "datetime-local", required=True, hint=_("Prague time.")),
)

PAGE_FIELDS = (
    Field("title_cs", _("Title in Czech"), required=True, maxlength=200, lang="cs"),
    Field("body_cs", _("Text in Czech"), "richtext", maxlength=100_000, lang="cs"),
    Field("title_en", _("Title in English"), maxlength=200, lang="en"),
    Field("body_en", _("Text in English"), "richtext", maxlength=100_000, lang="en"),
)


def read_fields(request, fields) -> tuple[dict, dict]:
    post = request.POST
    values, errors = {}, {}
    for f in fields:
        if f.type == "file":
            continue
        if f.type == "checkbox":
            values[f.name] = post.get(f.name) in ("1", "on")
            continue
        value = post.get(f.name, "")
        value = value.strip() if isinstance(value, str) else ""
        values[f.name] = value
        if f.required and not value:
            errors[f.name] = _("Fill in this field.")
        elif f.maxlength and len(value) > f.maxlength:
            errors[f.name] = _("Use at most ${max} characters.", mapping={"max": f.maxlength})
        elif f.options and value not in {o[0] for o in f.options}:
            errors[f.name] = _("Choose one of the offered values.")
        elif f.type == "datetime-local" and value and parse_local(value) is None:
            errors[f.name] = _("Enter a date and time like 2026-03-01 09:30.")
    return values, errors


def form_values(request, fields, values, errors, **extra) -> dict:
    return {"fields": fields, "values": values, "errors": errors, "rich_hint": RICH_HINT,
            "banner": None, "article": None, "topics": None, "audiences": None,
            "preview": None, "labels": Labels(request), **extra}


def preview_of(values) -> list[dict]:
    """Both language versions as readers would see them once saved (bodies sanitised, an
    empty English version falling back to the Czech one as on the public pages)."""
    english = bool(values.get("title_en"))
    versions = []
    for lang in ("cs", "en"):
        source = lang if lang == "cs" or english else "cs"
        versions.append({
            "lang": lang, "shown_lang": source, "fallback": source != lang,
            "title": values.get(f"title_{source}", ""),
            "perex": values.get(f"perex_{source}", ""),
            "body": services.rich(values.get(f"body_{source}", ""))})
    return versions


# -- articles -------------------------------------------------------------------------------

@view_config(route_name="news.manage", renderer="hub_news:templates/manage.pt", permission=MANAGE)
def manage(request):
    articles = request.dbsession.scalars(
        sa.select(Article).order_by(Article.publish_at.is_(None).desc(),
                                    Article.publish_at.desc(), Article.id.desc())
        .limit(500)).all()
    return {"articles": articles, "labels": Labels(request), "now": services.utcnow(),
            "breadcrumbs": [(_("News and pages"), None)]}


def article_values(article: Article | None) -> dict:
    if article is None:
        return {"topics": set(), "audiences": set(), "remove_image": False}
    values = {f.name: getattr(article, f.name) or "" for f in ARTICLE_FIELDS
              if f.type not in ("file", "checkbox", "datetime-local")}
    values["publish_at"] = local_input(article.publish_at)
    values["topics"] = {t.id for t in article.topics}
    values["audiences"] = set(article.audiences or ())
    values["remove_image"] = False
    return values


def _edit_article(request, article: Article | None):
    topics = active_topics(request)
    # Topics that are no longer offered stay on the articles that have them.
    offered = {t.id: t for t in topics}
    if article is not None:
        offered.update({t.id: t for t in article.topics})
    values, errors, preview = article_values(article), {}, None
    if request.method == "POST":
        values, errors = read_fields(request, ARTICLE_FIELDS)
        chosen = {int(v) for v in request.POST.getall("topic") if v.isdigit()}
        if not chosen <= set(offered):
            errors["topics"] = _("Choose only from the offered topics.")
        values["topics"] = chosen & set(offered)
        audiences = request.POST.getall("audience")
        if not set(audiences) <= set(STAKEHOLDER_TYPES):
            errors["audiences"] = _("Choose only from the offered values.")
        values["audiences"] = set(audiences) & set(STAKEHOLDER_TYPES)
        upload = request.POST.get("image")
        data = b""
        if getattr(upload, "file", None) is not None:
            data = upload.file.read(services.MAX_IMAGE_BYTES + 1)
            if len(data) > services.MAX_IMAGE_BYTES:
                errors["image"] = _("The image is larger than 5 MB.")
            elif data and sniff(data[:16]) not in IMAGES:
                errors["image"] = _("This file is not a PNG, JPEG, GIF or WebP image.")
        if values["image_url"] and not services.is_site_path(values["image_url"]):
            errors["image_url"] = _("Use a path on this site starting with /.")
        if data and values["image_url"]:
            errors["image_url"] = _("Upload a file or give an address, not both.")
        keeps_image = article is not None and article.has_image and not values["remove_image"]
        will_have_image = bool(data) or bool(values["image_url"]) or (
            keeps_image and not values["image_url"])
        if will_have_image and not values["image_alt_cs"]:
            errors["image_alt_cs"] = _("Describe the image for people who cannot see it.")
        if (values["perex_en"] or values["body_en"]) and not values["title_en"]:
            errors["title_en"] = _("An English version needs an English title.")
        if not errors and "preview" in request.POST:
            preview = preview_of(values)
        elif not errors:
            is_new = article is None
            article = _store_article(request, article, values, data, offered)
            if is_new and article.publish_at is None:
                request.session.flash(_("The draft has been saved. Nobody else sees it yet: "
                                        "publish it or schedule it on the article's page."),
                                      "success")
            else:
                request.session.flash(_("The article has been saved."), "success")
            return HTTPSeeOther(location=request.route_path("news.edit", id=article.id))
        else:
            request.response.status = 422
    heading = _("New article") if article is None else _("Edit article")
    action = request.route_path("news.new") if article is None \
        else request.route_path("news.edit", id=article.id)
    return form_values(request, ARTICLE_FIELDS, values, errors, article=article,
                       preview=preview,
                       topics=sorted(offered.values(), key=lambda t: (t.position, t.id)),
                       audiences=[(k, STAKEHOLDER_LABELS[k]) for k in STAKEHOLDER_TYPES],
                       heading=heading, action=action, form_id="news-article",
                       breadcrumbs=[(_("News and pages"), request.route_path("news.manage")),
                                    (heading, None)])


def _store_article(request, article, values, data, offered) -> Article:
    if article is None:
        article = Article(author_id=request.identity.id)
        request.dbsession.add(article)
    for name in ("title_cs", "title_en", "perex_cs", "perex_en", "image_alt_cs",
                 "image_alt_en"):
        setattr(article, name, values[name])
    article.body_cs = services.sanitise(values["body_cs"])
    article.body_en = services.sanitise(values["body_en"])
    article.publish_at = parse_local(values["publish_at"]) if values["publish_at"] else None
    if values["remove_image"] or data or values["image_url"]:
        article.image_file = None
        article.image_url = None
    if data:
        article.image_file = services.store_image(request, data)
    elif values["image_url"]:
        article.image_url = values["image_url"]
    article.topics = [offered[i] for i in sorted(values["topics"])]
    article.audiences = [a for a in STAKEHOLDER_TYPES if a in values["audiences"]]
    request.dbsession.flush()
    revisions.record(request, article)
    return article


@view_config(route_name="news.new", renderer="hub_news:templates/edit.pt", permission=MANAGE)
def new_article(request):
    return _edit_article(request, None)


@view_config(route_name="news.edit", renderer="hub_news:templates/edit.pt", permission=MANAGE)
def edit_article(request):
    article = request.dbsession.get(Article, int(request.matchdict["id"]))
    if article is None:
        raise HTTPNotFound()
    return _edit_article(request, article)


@view_config(route_name="news.delete", request_method="POST", permission=MANAGE)
def delete_article(request):
    article = request.dbsession.get(Article, int(request.matchdict["id"]))
    if article is None:
        raise HTTPNotFound()
    request.dbsession.delete(article)
    request.session.flash(_("The article has been deleted."), "success")
    return HTTPSeeOther(location=request.route_path("news.manage"))


# -- banners ----------------------------------------------------------------------------------

@view_config(route_name="news.banners", renderer="hub_news:templates/banners.pt",
             permission=MANAGE)
def banners(request):
    rows = request.dbsession.scalars(
        sa.select(Banner).order_by(Banner.ends_at.desc(), Banner.id.desc()).limit(200)).all()
    return {"banners": rows, "labels": Labels(request), "now": services.utcnow(),
            "breadcrumbs": [(_("News and pages"), request.route_path("news.manage")),
                            (_("Announcements"), None)]}


def _edit_banner(request, banner: Banner | None):
    values = {"level": "info"} if banner is None else {
        "text_cs": banner.text_cs, "text_en": banner.text_en, "link_url": banner.link_url,
        "level": banner.level, "starts_at": local_input(banner.starts_at),
        "ends_at": local_input(banner.ends_at)}
    errors: dict = {}
    if request.method == "POST":
        values, errors = read_fields(request, BANNER_FIELDS)
        link = values["link_url"]
        if link and not (services.is_site_path(link) or link.startswith("https://")):
            errors["link_url"] = _("Use a path on this site or an https:// address.")
        starts, ends = parse_local(values["starts_at"]), parse_local(values["ends_at"])
        if starts and ends and ends <= starts and "ends_at" not in errors:
            errors["ends_at"] = _("The end must be after the start.")
        if not errors:
            if banner is None:
                banner = Banner()
                request.dbsession.add(banner)
            banner.text_cs, banner.text_en = values["text_cs"], values["text_en"]
            banner.link_url, banner.level = link, values["level"]
            banner.starts_at, banner.ends_at = starts, ends
            request.dbsession.flush()
            request.session.flash(_("The announcement has been saved."), "success")
            return HTTPSeeOther(location=request.route_path("news.banners"))
        request.response.status = 422
    heading = _("New announcement") if banner is None else _("Edit announcement")
    action = request.route_path("news.banner_new") if banner is None \
        else request.route_path("news.banner_edit", id=banner.id)
    return form_values(request, BANNER_FIELDS, values, errors, heading=heading, action=action,
                       form_id="news-banner", article=None, topics=None, banner=banner,
                       breadcrumbs=[(_("Announcements"), request.route_path("news.banners")),
                                    (heading, None)])


@view_config(route_name="news.banner_new", renderer="hub_news:templates/edit.pt",
             permission=MANAGE)
def new_banner(request):
    return _edit_banner(request, None)


@view_config(route_name="news.banner_edit", renderer="hub_news:templates/edit.pt",
             permission=MANAGE)
def edit_banner(request):
    banner = request.dbsession.get(Banner, int(request.matchdict["id"]))
    if banner is None:
        raise HTTPNotFound()
    return _edit_banner(request, banner)


@view_config(route_name="news.banner_delete", request_method="POST", permission=MANAGE)
def delete_banner(request):
    banner = request.dbsession.get(Banner, int(request.matchdict["id"]))
    if banner is None:
        raise HTTPNotFound()
    request.dbsession.delete(banner)
    request.session.flash(_("The announcement has been deleted."), "success")
    return HTTPSeeOther(location=request.route_path("news.banners"))


# -- pages ------------------------------------------------------------------------------------

@view_config(route_name="news.pages", renderer="hub_news:templates/pages.pt", permission=MANAGE)
def pages(request):
    existing = {p.slug: p for p in request.dbsession.scalars(sa.select(Page))}
    return {"rows": [(slug, PAGE_TITLES[slug], existing.get(slug)) for slug in PAGE_SLUGS],
            "labels": Labels(request),
            "breadcrumbs": [(_("News and pages"), request.route_path("news.manage")),
                            (_("Pages"), None)]}


@view_config(route_name="news.page_edit", renderer="hub_news:templates/edit.pt",
             permission=MANAGE)
def edit_page(request):
    slug = request.matchdict["slug"]
    if slug not in PAGE_SLUGS:
        raise HTTPNotFound()
    page = request.dbsession.scalar(sa.select(Page).where(Page.slug == slug))
    values = {"title_cs": request.localizer.translate(PAGE_TITLES[slug])} if page is None \
        else {f.name: getattr(page, f.name) for f in PAGE_FIELDS}
    errors: dict = {}
    preview = None
    if request.method == "POST":
        values, errors = read_fields(request, PAGE_FIELDS)
        if values["body_en"] and not values["title_en"]:
            errors["title_en"] = _("An English version needs an English title.")
        if not errors and "preview" in request.POST:
            preview = preview_of(values)
        elif not errors:
            if page is None:
                page = Page(slug=slug)
                request.dbsession.add(page)
            page.title_cs, page.title_en = values["title_cs"], values["title_en"]
            page.body_cs = services.sanitise(values["body_cs"])
            page.body_en = services.sanitise(values["body_en"])
            request.dbsession.flush()
            request.session.flash(_("The page has been saved."), "success")
            return HTTPSeeOther(location=request.route_path("news.page", slug=slug))
        else:
            request.response.status = 422
    heading = PAGE_TITLES[slug]
    return form_values(request, PAGE_FIELDS, values, errors, heading=heading,
                       action=request.route_path("news.page_edit", slug=slug),
                       form_id="news-page", article=None, topics=None, preview=preview,
                       breadcrumbs=[(_("Pages"), request.route_path("news.pages")),
                                    (heading, None)])
