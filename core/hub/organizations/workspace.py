"""An organisation's workspace and its one profile editor.

``/organisation/{id}`` is where the organisation's representatives and editors see what it
does in the hub; its sections come from ``hub_organisation_workspace`` (the core adds
members, profile and history; plugins their bookings, events, applications…).
``/organisation/{id}/profile`` edits the profile, or sends people to the plugin that keeps
it (``hub_organisation_profile_url``), so the profile has one editor.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from hub.accounts.models import User
from hub.contributions import WorkspaceSection
from hub.db import utcnow
from hub.i18n import _
from hub.organizations.access import workspace_organisation
from hub.organizations.models import (
    Membership,
    MembershipHistory,
    MembershipRequest,
    Organisation,
)
from hub.security import AUTHENTICATED
from hub.shell import flatten, render_snippet

ROLE_LABELS = {"representative": _("Representative"), "editor": _("Editor"),
               "member": _("Member"), "staff": _("Hub staff")}
HISTORY_LABELS = {"joined": _("joined"), "role_changed": _("role changed"),
                  "handed_over": _("took over as representative"), "left": _("left"),
                  "removed": _("was removed")}


def profile_url(request, organisation: Organisation) -> str:
    """Where the organisation's profile is edited: a plugin's page, else the core's."""
    url = request.hooks.hub_organisation_profile_url(request=request,
                                                     organisation=organisation)
    return url or request.route_path("organisation_profile", id=organisation.id)


def workspace_crumbs(request, organisation, *more):
    return [(_("My organisations"), request.route_path("my_organisations")),
            (organisation.name, request.route_path("organisation_workspace",
                                                   id=organisation.id)), *more]


@view_config(route_name="organisation_workspace",
             renderer="hub:templates/organizations/workspace.pt", permission=AUTHENTICATED,
             request_method="GET")
def workspace(request):
    organisation, role = workspace_organisation(request)
    found = flatten(request.hooks.hub_organisation_workspace(
        request=request, organisation=organisation, role=role))
    found.sort(key=lambda s: (s.order, s.name))
    sections = []
    for section in found:
        html = section.render(request, organisation, role)
        if html is not None:
            sections.append({"name": section.name,
                             "title": request.shell.translate(section.title), "html": html})
    return {"organisation": organisation, "role": role, "role_label": ROLE_LABELS[role],
            "sections": sections,
            "breadcrumbs": [(_("My organisations"), request.route_path("my_organisations")),
                            (organisation.name, None)]}


@view_config(route_name="organisation_profile",
             renderer="hub:templates/organizations/profile.pt", permission=AUTHENTICATED)
def profile(request):
    from hub.organizations.views import apply_organisation, organisation_form, read_organisation

    organisation, _role = workspace_organisation(request)
    elsewhere = request.hooks.hub_organisation_profile_url(request=request,
                                                           organisation=organisation)
    if elsewhere:
        return HTTPSeeOther(location=elsewhere)
    form = organisation_form(request, organisation)
    if request.method == "POST":
        values = read_organisation(form)
        if form.ok:
            apply_organisation(organisation, values)
            request.session.flash(_("The organisation's profile has been saved."), "success")
            return HTTPSeeOther(location=request.route_path("organisation_workspace",
                                                            id=organisation.id))
        request.response.status = 422
    return {"organisation": organisation, "form": form, "form_id": "organisation-form",
            "action": request.route_path("organisation_profile", id=organisation.id),
            "submit": _("Save"),
            "breadcrumbs": workspace_crumbs(request, organisation, (_("Profile"), None))}


# -- the core's sections ----------------------------------------------------------------------

def _members_section(request, organisation, role):
    db = request.dbsession
    counts = dict(db.execute(
        sa.select(Membership.state, sa.func.count(Membership.id))
        .where(Membership.organisation_id == organisation.id)
        .group_by(Membership.state)).all())
    now = utcnow()
    open_invitations = db.scalar(sa.select(sa.func.count(Membership.id)).where(
        Membership.organisation_id == organisation.id, Membership.state == "invited",
        Membership.expires_at > now))
    waiting = db.scalar(sa.select(sa.func.count(MembershipRequest.id)).where(
        MembershipRequest.organisation_id == organisation.id))
    people = db.execute(
        sa.select(User.name, Membership.is_representative, Membership.is_editor)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, Membership.active(),
               sa.or_(Membership.is_representative, Membership.is_editor))
        .order_by(User.name)).all()
    return render_snippet(request, "hub:templates/organizations/workspace_members.pt", {
        "organisation": organisation, "role": role, "members": counts.get("active", 0),
        "invitations": open_invitations, "waiting": waiting, "people": people,
        "manage_url": request.route_path("organisation_manage", id=organisation.id)
        if role in ("representative", "staff") else None})


def _profile_section(request, organisation, role):
    return render_snippet(request, "hub:templates/organizations/workspace_profile.pt", {
        "organisation": organisation, "edit_url": profile_url(request, organisation)})


def history_of(request, organisation, limit: int = 50):
    person = sa.orm.aliased(User)
    actor = sa.orm.aliased(User)
    return request.dbsession.execute(
        sa.select(MembershipHistory, person.name, actor.name)
        .outerjoin(person, person.id == MembershipHistory.user_id)
        .outerjoin(actor, actor.id == MembershipHistory.actor_id)
        .where(MembershipHistory.organisation_id == organisation.id)
        .order_by(MembershipHistory.at.desc(), MembershipHistory.id.desc()).limit(limit)).all()


def history_html(request, organisation, limit: int):
    rows = history_of(request, organisation, limit=limit)
    if not rows:
        return None
    from hub.notifications.views import format_datetime

    return render_snippet(request, "hub:templates/organizations/history.pt", {
        "rows": rows, "labels": HISTORY_LABELS, "roles": ROLE_LABELS,
        "format_datetime": format_datetime, "erased": _("a former member")})


def _history_section(request, organisation, role):
    if role not in ("representative", "staff"):
        return None
    return history_html(request, organisation, 10)


def core_sections() -> list[WorkspaceSection]:
    """The core's sections (registered by ``hub.organizations.hooks``)."""
    return [WorkspaceSection("members", _("Members and invitations"), _members_section,
                             order=10),
            WorkspaceSection("profile", _("Profile"), _profile_section, order=90),
            WorkspaceSection("history", _("Changes of members"), _history_section,
                             order=95)]
