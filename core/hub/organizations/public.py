"""An organisation's public profile.

When a plugin shows organisations' profiles (the CRM's directory), the profile is its
page (``hub_organisation_public_url``) and ``/organisations/{id}`` sends visitors there;
otherwise this is the profile. Either way the page shows the core's part, from
``profile_extras``: the organisation's published news, its working groups and a way to
write to it through the hub.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.notifications.views import format_datetime
from hub.organizations.access import acts_for
from hub.organizations.models import Organisation
from hub.organizations.network_models import WorkingGroup, WorkingGroupMember
from hub.security import PUBLIC

# What the core's part of a profile is made from: pages showing it are kept for anonymous
# visitors until one of these changes.
PROFILE_TABLES = ("organisation", "organisation_news", "working_group",
                  "working_group_member", "membership")


def public_url(request, organisation: Organisation) -> str:
    url = request.hooks.hub_organisation_public_url(request=request,
                                                    organisation=organisation)
    return url or request.route_path("public_organisation", id=organisation.id)


def groups_of(request, organisation_id: int) -> list[WorkingGroup]:
    return list(request.dbsession.scalars(
        sa.select(WorkingGroup).join(WorkingGroupMember,
                                     WorkingGroupMember.group_id == WorkingGroup.id)
        .where(WorkingGroupMember.organisation_id == organisation_id)
        .order_by(WorkingGroup.name, WorkingGroup.id)))


def profile_extras(request, organisation: Organisation):
    """The core's part of ``organisation``'s public profile, as HTML."""
    from hub.organizations.news import published_news
    from hub.organizations.relay import organisation_recipients
    from hub.shell import render_snippet

    reachable = bool(organisation_recipients(request, organisation))
    signed_in = request.identity is not None
    return render_snippet(request, "hub:templates/organizations/profile_extras.pt", {
        "organisation": organisation, "news": published_news(request, organisation.id),
        "groups": groups_of(request, organisation.id), "format_datetime": format_datetime,
        "contact_url": request.route_path("contact_organisation", id=organisation.id)
        if reachable and signed_in and not acts_for(request, organisation.id) else None,
        "sign_in_url": request.route_path("login", _query={
            "next": request.route_path("contact_organisation", id=organisation.id)})
        if reachable and not signed_in else None})


@view_config(route_name="public_organisation", permission=PUBLIC, request_method="GET",
             renderer="hub:templates/organizations/public.pt", cache_tables=PROFILE_TABLES)
def public_profile(request):
    organisation = request.dbsession.get(Organisation, int(request.matchdict["id"]))
    if organisation is None:
        raise HTTPNotFound()
    elsewhere = request.hooks.hub_organisation_public_url(request=request,
                                                          organisation=organisation)
    if elsewhere:
        return HTTPSeeOther(location=elsewhere)
    from hub.dates import language
    from hub.organizations.views import KIND_LABELS

    shown_in = language(request)
    return {"organisation": organisation, "kind": KIND_LABELS.get(organisation.kind),
            "description": organisation.translated("description", shown_in),
            # The Czech text on an English page says it is Czech (WCAG 3.1.2).
            "description_lang": "cs" if shown_in == "en" and organisation.language_of(
                "description", shown_in) == "cs" else None,
            "extras": profile_extras(request, organisation),
            "workspace_url": request.route_path("organisation_workspace", id=organisation.id)
            if acts_for(request, organisation.id) else None,
            "breadcrumbs": [(organisation.name, None)]}


def includeme(config):
    config.add_route("public_organisation", "/organisations/{id}")
    config.scan("hub.organizations.public")
