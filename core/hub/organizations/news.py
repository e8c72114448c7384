"""Organisation news: short posts on an organisation's public profile.

A representative or editor writes a post in the organisation's workspace and submits it;
hub staff publish it or return it with a comment (both sides are notified). Only
published posts are public; a post with the staff or published is no longer edited by the
organisation, which may still delete it. Staff may take a published post down again by
returning it.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.accounts.forms import Field, Form
from hub.db import utcnow
from hub.i18n import _
from hub.notifications import notify
from hub.notifications.views import format_datetime
from hub.organizations.access import ACTING_ROLES, workspace_organisation
from hub.organizations.models import Organisation
from hub.organizations.network_models import OrganisationNews
from hub.organizations.people import acting_people, staff_people
from hub.params import is_id
from hub.security import AUTHENTICATED, STAFF
from hub.shell import render_snippet

NEWS_KIND = "organisations.news"
MAX_BODY = 2000
STATE_LABELS = {"draft": _("Draft"), "submitted": _("Waiting for review"),
                "published": _("Published")}


def published_news(request, organisation_id: int, limit: int = 10) -> list[OrganisationNews]:
    return list(request.dbsession.scalars(
        sa.select(OrganisationNews).where(OrganisationNews.organisation_id == organisation_id,
                                          OrganisationNews.state == "published")
        .order_by(OrganisationNews.published_at.desc(), OrganisationNews.id.desc())
        .limit(limit)))


def _acting_organisation(request) -> Organisation:
    """The organisation of the URL, for its representatives and editors only (hub staff
    review posts on their own page and do not write in an organisation's name)."""
    organisation, role = workspace_organisation(request, roles=ACTING_ROLES)
    if role not in ACTING_ROLES:
        raise HTTPNotFound()
    return organisation


def _post_of(request, organisation) -> OrganisationNews:
    number = request.matchdict.get("news_id", "")
    post = request.dbsession.get(OrganisationNews, int(number)) if is_id(number) else None
    if post is None or post.organisation_id != organisation.id:
        raise HTTPNotFound()
    return post


def news_form(request, post: OrganisationNews | None) -> Form:
    values = {} if post is None else {"title": post.title, "body": post.body}
    return Form(request, [
        Field("title", _("Title"), maxlength=200),
        Field("body", _("Text"), "textarea", maxlength=MAX_BODY,
              hint=_("A short post of at most ${max} characters, shown on the "
                     "organisation's public profile once the hub staff publish it.",
                     mapping={"max": MAX_BODY})),
        Field("submit_for_review", _("Send it to the hub staff for review now"), "checkbox",
              required=False),
    ], values=values, id_prefix="news")


def _crumbs(request, organisation, title):
    return [(_("My organisations"), request.route_path("my_organisations")),
            (organisation.name, request.route_path("organisation_workspace",
                                                   id=organisation.id)),
            (title, None)]


def _form_page(request, organisation, post, form):
    return {"organisation": organisation, "post": post, "form": form, "form_id": "news-form",
            "action": request.route_path("organisation_news_edit", id=organisation.id,
                                         news_id=post.id) if post else
            request.route_path("organisation_news_new", id=organisation.id),
            "submit": _("Save"), "state_labels": STATE_LABELS,
            "breadcrumbs": _crumbs(request, organisation,
                                   post.title if post else _("New post"))}


@view_config(route_name="organisation_news_new", permission=AUTHENTICATED,
             renderer="hub:templates/organizations/news_form.pt")
def new_post(request):
    organisation = _acting_organisation(request)
    form = news_form(request, None)
    if request.method != "POST":
        return _form_page(request, organisation, None, form)
    values = form.read()
    if not form.ok:
        request.response.status = 422
        return _form_page(request, organisation, None, form)
    post = OrganisationNews(organisation_id=organisation.id, title=values["title"],
                            body=values["body"], author_id=request.identity.id)
    request.dbsession.add(post)
    request.dbsession.flush()
    return _after_save(request, organisation, post, values["submit_for_review"])


@view_config(route_name="organisation_news_edit", permission=AUTHENTICATED,
             renderer="hub:templates/organizations/news_form.pt")
def edit_post(request):
    organisation = _acting_organisation(request)
    post = _post_of(request, organisation)
    form = news_form(request, post)
    if request.method != "POST":
        return _form_page(request, organisation, post, form)
    if post.state != "draft":
        request.session.flash(_("The post is with the hub staff or published; it can no "
                                "longer be changed, only deleted."), "error")
        return HTTPSeeOther(location=request.route_path(
            "organisation_news_edit", id=organisation.id, news_id=post.id))
    values = form.read()
    if not form.ok:
        request.response.status = 422
        return _form_page(request, organisation, post, form)
    post.title, post.body, post.updated_at = values["title"], values["body"], utcnow()
    return _after_save(request, organisation, post, values["submit_for_review"])


def _after_save(request, organisation, post, submit: bool):
    if submit:
        post.state = "submitted"
        for person in staff_people(request):
            notify(request, person, NEWS_KIND,
                   _("News to review: ${title} (${organisation})"),
                   mapping={"title": post.title, "organisation": organisation.name},
                   url=request.route_url("admin_organisation_news"))
        request.session.flash(_("The post has been sent to the hub staff. You will be told "
                                "when it is published or returned."), "success")
    else:
        request.session.flash(_("The draft is saved. Send it for review when it is ready."),
                              "success")
    return HTTPSeeOther(location=request.route_path("organisation_workspace",
                                                    id=organisation.id) + "#news")


@view_config(route_name="organisation_news_delete", permission=AUTHENTICATED,
             request_method="POST")
def delete_post(request):
    organisation = _acting_organisation(request)
    request.dbsession.delete(_post_of(request, organisation))
    request.session.flash(_("The post has been deleted."), "success")
    return HTTPSeeOther(location=request.route_path("organisation_workspace",
                                                    id=organisation.id) + "#news")


# -- review by the hub staff ---------------------------------------------------------------------

@view_config(route_name="admin_organisation_news", permission=STAFF, request_method="GET",
             renderer="hub:templates/organizations/news_review.pt")
def review_list(request, review_error: dict | None = None):
    """The posts to review; ``review_error`` (``post``, ``field``, ``message``) marks the
    comment field of a post that could not be returned."""
    rows = request.dbsession.execute(
        sa.select(OrganisationNews, Organisation)
        .join(Organisation, Organisation.id == OrganisationNews.organisation_id)
        .where(OrganisationNews.state.in_(("submitted", "published")))
        .order_by(OrganisationNews.state.desc(), OrganisationNews.updated_at.desc(),
                  OrganisationNews.id.desc()).limit(200)).all()
    return {"waiting": [(p, o) for p, o in rows if p.state == "submitted"],
            "published": [(p, o) for p, o in rows if p.state == "published"][:50],
            "format_datetime": format_datetime, "review_error": review_error,
            "breadcrumbs": [(_("Administration"), request.route_path("admin_index")),
                            (_("News of organisations"), None)]}


@view_config(route_name="admin_organisation_news_review", permission=STAFF,
             request_method="POST", renderer="hub:templates/organizations/news_review.pt")
def review(request):
    number = request.matchdict["news_id"]
    post = request.dbsession.get(OrganisationNews, int(number))
    if post is None:
        raise HTTPNotFound()
    back = HTTPSeeOther(location=request.route_path("admin_organisation_news"))
    action = request.POST.get("action")
    organisation = request.dbsession.get(Organisation, post.organisation_id)
    if action == "publish" and post.state == "submitted":
        post.state, post.review_comment = "published", ""
        post.published_at = utcnow()
        for person in acting_people(request, organisation.id):
            notify(request, person, NEWS_KIND, _("Your news is published: ${title}"),
                   mapping={"title": post.title},
                   url=request.route_url("public_organisation", id=organisation.id))
        request.session.flash(_("The post is published."), "success")
    elif action == "return" and post.state in ("submitted", "published"):
        comment = request.POST.get("comment", "").strip()[:2000]
        if not comment:
            # The review page again, with the comment field to fill in marked (the core's
            # form pattern), rather than a message far from the field.
            request.response.status = 422
            field = "comment" if post.state == "submitted" else "takedown"
            return review_list(request, {
                "post": post.id, "field": f"{field}-{post.id}",
                "message": _("Write to the organisation what to change before returning "
                             "the post.")})
        post.state, post.review_comment, post.published_at = "draft", comment, None
        for person in acting_people(request, organisation.id):
            notify(request, person, NEWS_KIND, _("Your news was returned: ${title}"),
                   _("The hub staff returned the post with this comment:\n\n${comment}"),
                   mapping={"title": post.title, "comment": comment},
                   url=request.route_url("organisation_news_edit", id=organisation.id,
                                         news_id=post.id))
        request.session.flash(_("The post was returned to the organisation."), "success")
    else:
        request.session.flash(_("The post has changed meanwhile; nothing was done."),
                              "error")
    return back


# -- the workspace section ---------------------------------------------------------------------

def workspace_section(request, organisation, role):
    posts = list(request.dbsession.scalars(
        sa.select(OrganisationNews).where(OrganisationNews.organisation_id == organisation.id)
        .order_by(OrganisationNews.updated_at.desc(), OrganisationNews.id.desc()).limit(50)))
    return render_snippet(request, "hub:templates/organizations/news_section.pt", {
        "organisation": organisation, "role": role, "posts": posts,
        "state_labels": STATE_LABELS, "format_datetime": format_datetime,
        "can_write": role in ACTING_ROLES,
        "review_url": request.route_path("admin_organisation_news")
        if role == "staff" else None})


def includeme(config):
    config.add_route("organisation_news_new", "/organisation/{id}/news/new")
    config.add_route("organisation_news_edit", "/organisation/{id}/news/{news_id}")
    config.add_route("organisation_news_delete", "/organisation/{id}/news/{news_id}/delete")
    config.add_route("admin_organisation_news", "/admin/organisation-news")
    config.add_route("admin_organisation_news_review", "/admin/organisation-news/{news_id}")
    config.scan("hub.organizations.news")
