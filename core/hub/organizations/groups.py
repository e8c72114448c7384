"""Working groups: organisations working together on a topic.

Hub staff, or the representatives and editors of an organisation, found a group on one of
the core's topics; the founder becomes its coordinator (staff may name another). The
representatives and editors of an organisation join it or leave it in the organisation's
name. Everyone sees a group's description and member organisations; the announcements the
coordinator posts are read by the people of the member organisations (and mailed to their
representatives and editors). Plugins let the coordinator link their objects (the events
plugin: events) through ``hub_working_group_sources``.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from hub.accounts.forms import Field, Form
from hub.accounts.models import User
from hub.i18n import _
from hub.notifications import notify
from hub.notifications.views import format_datetime
from hub.organizations.access import organisations_acted_for
from hub.organizations.models import Membership, Organisation
from hub.organizations.network_models import (
    WorkingGroup,
    WorkingGroupAnnouncement,
    WorkingGroupLink,
    WorkingGroupMember,
)
from hub.organizations.people import acting_people
from hub.params import is_id
from hub.security import AUTHENTICATED, PUBLIC, STAFF
from hub.shell import flatten
from hub.topics.models import Topic

GROUP_KIND = "organisations.working_group"


def sources(request) -> dict:
    return {s.name: s for s in flatten(request.hooks.hub_working_group_sources())}


def _group(request) -> WorkingGroup:
    group = request.dbsession.get(WorkingGroup, int(request.matchdict["id"]))
    if group is None:
        raise HTTPNotFound()
    return group


def member_organisations(request, group) -> list[Organisation]:
    return list(request.dbsession.scalars(
        sa.select(Organisation).join(WorkingGroupMember,
                                     WorkingGroupMember.organisation_id == Organisation.id)
        .where(WorkingGroupMember.group_id == group.id)
        .order_by(Organisation.name, Organisation.id)))


def coordinates(request, group) -> bool:
    """The group's coordinator, or hub staff."""
    user = request.identity
    return user is not None and (user.id == group.coordinator_id
                                 or request.has_permission(STAFF))


def reads_announcements(request, group) -> bool:
    """The coordinator, hub staff and every member of a member organisation."""
    user = request.identity
    if user is None:
        return False
    if coordinates(request, group):
        return True
    return request.dbsession.scalar(sa.select(Membership.id).where(
        Membership.user_id == user.id, Membership.active(),
        Membership.organisation_id.in_(sa.select(WorkingGroupMember.organisation_id).where(
            WorkingGroupMember.group_id == group.id))).limit(1)) is not None


def _topics(request) -> list[Topic]:
    return list(request.dbsession.scalars(sa.select(Topic).where(Topic.is_active.is_(True))
                                          .order_by(Topic.position, Topic.id)))


def group_form(request, group, founders, staff: bool) -> Form:
    language = request.locale_name
    fields = [
        Field("name", _("Name of the group"), maxlength=200),
        Field("topic", _("Topic"), "select", options=tuple(
            (str(t.id), t.name(language)) for t in _topics(request))),
        Field("description", _("Description"), "textarea", maxlength=5000,
              hint=_("What the group works on and who should join. Shown to everyone.")),
    ]
    if group is None and founders:
        fields.insert(0, Field("organisation", _("Organisation founding the group"),
                               "select", options=tuple((str(o.id), o.name) for o in founders),
                               hint=_("The organisation becomes the group's first member "
                                      "and you its coordinator.")))
    if staff:
        fields.append(Field("coordinator", _("E-mail of the coordinator"), "email",
                            required=False, maxlength=254,
                            hint=_("An account in the hub. Leave empty to coordinate the "
                                   "group yourself.")))
    values = {}
    if group is not None:
        coordinator = request.dbsession.get(User, group.coordinator_id) \
            if group.coordinator_id else None
        values = {"name": group.name, "topic": str(group.topic_id or ""),
                  "description": group.description,
                  "coordinator": coordinator.email if coordinator else ""}
    return Form(request, fields, values=values, id_prefix="group")


def _read(request, form, staff: bool):
    values = form.read()
    coordinator = None
    if staff and values.get("coordinator"):
        coordinator = request.dbsession.scalar(sa.select(User).where(
            sa.func.lower(User.email) == values["coordinator"].lower(),
            User.is_active.is_(True)))
        if coordinator is None:
            form.error("coordinator", _("No active account has this e-mail address."))
    return values, coordinator


def _form_page(request, form, group):
    return {"form": form, "form_id": "group-form", "group": group,
            "action": request.path, "submit": _("Save"),
            "breadcrumbs": [(_("Working groups"), request.route_path("working_groups")),
                            (group.name if group else _("New working group"), None)]}


@view_config(route_name="working_groups", permission=PUBLIC, request_method="GET",
             renderer="hub:templates/organizations/groups.pt")
def group_list(request):
    counts = sa.select(sa.func.count()).where(
        WorkingGroupMember.group_id == WorkingGroup.id).scalar_subquery()
    rows = request.dbsession.execute(
        sa.select(WorkingGroup, Topic, counts)
        .outerjoin(Topic, Topic.id == WorkingGroup.topic_id)
        .order_by(WorkingGroup.name, WorkingGroup.id)).all()
    may_found = request.identity is not None and (
        request.has_permission(STAFF) or bool(organisations_acted_for(request)))
    return {"rows": rows, "may_found": may_found, "language": request.locale_name,
            "breadcrumbs": [(_("Working groups"), None)]}


@view_config(route_name="working_group_new", permission=AUTHENTICATED,
             renderer="hub:templates/organizations/group_form.pt")
def new_group(request):
    staff = bool(request.has_permission(STAFF))
    founders = [] if staff else organisations_acted_for(request)
    if not staff and not founders:
        raise HTTPForbidden()  # only staff and representatives found groups
    form = group_form(request, None, founders, staff)
    if request.method != "POST":
        return _form_page(request, form, None)
    values, coordinator = _read(request, form, staff)
    if not form.ok:
        request.response.status = 422
        return _form_page(request, form, None)
    founder = None
    if founders:
        founder = next(o for o in founders if str(o.id) == values["organisation"])
    group = WorkingGroup(name=values["name"], description=values["description"],
                         topic_id=int(values["topic"]),
                         coordinator_id=(coordinator or request.identity).id,
                         founded_by_id=founder.id if founder else None)
    request.dbsession.add(group)
    request.dbsession.flush()
    if founder is not None:
        request.dbsession.add(WorkingGroupMember(group_id=group.id, organisation_id=founder.id,
                                                 joined_by_id=request.identity.id))
    _tell_coordinator(request, group, coordinator)
    request.session.flash(_("The working group has been created."), "success")
    return HTTPSeeOther(location=request.route_path("working_group", id=group.id))


def _tell_coordinator(request, group, coordinator) -> None:
    if coordinator is not None and coordinator.id != request.identity.id:
        notify(request, coordinator, GROUP_KIND,
               _("You coordinate the working group ${group}", mapping={"group": group.name}),
               url=request.route_url("working_group", id=group.id))


@view_config(route_name="working_group_edit", permission=AUTHENTICATED,
             renderer="hub:templates/organizations/group_form.pt")
def edit_group(request):
    group = _group(request)
    if not coordinates(request, group):
        raise HTTPNotFound()
    staff = bool(request.has_permission(STAFF))
    form = group_form(request, group, [], staff)
    if request.method != "POST":
        return _form_page(request, form, group)
    values, coordinator = _read(request, form, staff)
    if not form.ok:
        request.response.status = 422
        return _form_page(request, form, group)
    group.name, group.description = values["name"], values["description"]
    group.topic_id = int(values["topic"])
    if coordinator is not None and coordinator.id != group.coordinator_id:
        group.coordinator_id = coordinator.id
        _tell_coordinator(request, group, coordinator)
    request.session.flash(_("The working group has been saved."), "success")
    return HTTPSeeOther(location=request.route_path("working_group", id=group.id))


@view_config(route_name="working_group_delete", permission=STAFF, request_method="POST")
def delete_group(request):
    request.dbsession.delete(_group(request))
    request.session.flash(_("The working group has been deleted."), "success")
    return HTTPSeeOther(location=request.route_path("working_groups"))


@view_config(route_name="working_group", permission=PUBLIC, request_method="GET",
             renderer="hub:templates/organizations/group.pt")
def group_page(request):
    return group_values(request, _group(request))


def group_values(request, group, announce_form=None) -> dict:
    from hub.organizations.public import public_url
    from hub.organizations.relay import contact_person_url

    db = request.dbsession
    members = member_organisations(request, group)
    member_ids = {o.id for o in members}
    mine = organisations_acted_for(request) if request.identity is not None else []
    reader = reads_announcements(request, group)
    coordinator = db.get(User, group.coordinator_id) if group.coordinator_id else None
    links = db.execute(sa.select(WorkingGroupLink.source, WorkingGroupLink.object_id)
                       .where(WorkingGroupLink.group_id == group.id)).all()
    linked, candidates = [], []
    for name, source in sources(request).items():
        ids = [object_id for src, object_id in links if src == name]
        items = source.items(request, ids) if ids else []
        if items:
            linked.append((source, items))
        if coordinates(request, group):
            taken = set(ids)
            offered = [i for i in source.candidates(request, group) if i.object_id not in taken]
            if offered:
                candidates.append((name, source, offered))
    return {
        "group": group, "topic": db.get(Topic, group.topic_id) if group.topic_id else None,
        "language": request.locale_name, "members": members,
        "member_urls": {o.id: public_url(request, o) for o in members},
        "join": [o for o in mine if o.id not in member_ids],
        "leave": [o for o in mine if o.id in member_ids],
        "reader": reader, "coordinates": coordinates(request, group),
        "coordinator": coordinator if reader else None,
        "coordinator_contact": contact_person_url(request, coordinator)
        if reader and coordinator is not None and coordinator.id != request.identity.id
        else None,
        "announcements": list(db.scalars(
            sa.select(WorkingGroupAnnouncement)
            .where(WorkingGroupAnnouncement.group_id == group.id)
            .order_by(WorkingGroupAnnouncement.created_at.desc(),
                      WorkingGroupAnnouncement.id.desc()).limit(20))) if reader else [],
        "linked": linked, "candidates": candidates, "format_datetime": format_datetime,
        "staff": bool(request.has_permission(STAFF)),
        "announce_form": announce_form or announcement_form(request),
        "announce_submit": _("Send the announcement"),
        "breadcrumbs": [(_("Working groups"), request.route_path("working_groups")),
                        (group.name, None)]}


@view_config(route_name="working_group_membership", permission=AUTHENTICATED,
             request_method="POST")
def membership(request):
    group = _group(request)
    wanted = request.POST.get("organisation", "")
    organisation = next((o for o in organisations_acted_for(request)
                         if is_id(wanted) and o.id == int(wanted)), None)
    if organisation is None:
        raise HTTPNotFound()
    action = request.POST.get("action")
    db = request.dbsession
    current = db.get(WorkingGroupMember, (group.id, organisation.id))
    if action == "join" and current is None:
        db.add(WorkingGroupMember(group_id=group.id, organisation_id=organisation.id,
                                  joined_by_id=request.identity.id))
        coordinator = db.get(User, group.coordinator_id) if group.coordinator_id else None
        if coordinator is not None and coordinator.is_active \
                and coordinator.id != request.identity.id:
            notify(request, coordinator, GROUP_KIND,
                   _("${organisation} joined the working group ${group}",
                     mapping={"organisation": organisation.name, "group": group.name}),
                   url=request.route_url("working_group", id=group.id))
        request.session.flash(_("${organisation} is now a member of the group.",
                                mapping={"organisation": organisation.name}), "success")
    elif action == "leave" and current is not None:
        db.delete(current)
        request.session.flash(_("${organisation} has left the group.",
                                mapping={"organisation": organisation.name}), "success")
    elif action not in ("join", "leave"):
        raise HTTPNotFound()
    return HTTPSeeOther(location=request.route_path("working_group", id=group.id))


def announcement_form(request) -> Form:
    return Form(request, [Field("title", _("Title"), maxlength=200),
                          Field("text", _("Text"), "textarea", maxlength=5000)],
                id_prefix="announcement")


@view_config(route_name="working_group_announce", permission=AUTHENTICATED,
             request_method="POST")
def announce(request):
    group = _group(request)
    if not coordinates(request, group):
        raise HTTPNotFound()
    form = announcement_form(request)
    values = form.read()
    back = request.route_path("working_group", id=group.id)
    if not form.ok:
        response = render_to_response("hub:templates/organizations/group.pt",
                                      group_values(request, group, form), request=request)
        response.status_int = 422
        return response
    request.dbsession.add(WorkingGroupAnnouncement(
        group_id=group.id, author_id=request.identity.id, title=values["title"],
        body=values["text"]))
    member_ids = [o.id for o in member_organisations(request, group)]
    for person in acting_people(request, member_ids):
        if person.id != request.identity.id:
            notify(request, person, GROUP_KIND, _("${group}: ${title}"), values["text"],
                   mapping={"group": group.name, "title": values["title"]},
                   url=request.route_url("working_group", id=group.id))
    request.session.flash(_("The announcement has been sent to the member organisations."),
                          "success")
    return HTTPSeeOther(location=back)


@view_config(route_name="working_group_links", permission=AUTHENTICATED,
             request_method="POST")
def links(request):
    group = _group(request)
    if not coordinates(request, group):
        raise HTTPNotFound()
    source = sources(request).get(request.POST.get("source", ""))
    number = request.POST.get("object_id", "")
    if source is None or not is_id(number):
        raise HTTPNotFound()
    object_id = int(number)
    db = request.dbsession
    existing = db.scalar(sa.select(WorkingGroupLink).where(
        WorkingGroupLink.group_id == group.id, WorkingGroupLink.source == source.name,
        WorkingGroupLink.object_id == object_id))
    if request.POST.get("action") == "unlink":
        if existing is not None:
            db.delete(existing)
        request.session.flash(_("The link has been removed."), "success")
    elif existing is None:
        if object_id not in {i.object_id for i in source.candidates(request, group)}:
            raise HTTPNotFound()
        db.add(WorkingGroupLink(group_id=group.id, source=source.name, object_id=object_id))
        request.session.flash(_("The link has been added."), "success")
    return HTTPSeeOther(location=request.route_path("working_group", id=group.id) + "#linked")


# -- the organisation's workspace ----------------------------------------------------------------

def workspace_section(request, organisation, role):
    from hub.organizations.public import groups_of
    from hub.shell import render_snippet

    return render_snippet(request, "hub:templates/organizations/groups_section.pt", {
        "groups": groups_of(request, organisation.id)})


def includeme(config):
    config.add_route("working_groups", "/working-groups")
    config.add_route("working_group_new", "/working-groups/new")
    config.add_route("working_group", "/working-groups/{id}")
    config.add_route("working_group_edit", "/working-groups/{id}/edit")
    config.add_route("working_group_delete", "/working-groups/{id}/delete")
    config.add_route("working_group_membership", "/working-groups/{id}/membership")
    config.add_route("working_group_announce", "/working-groups/{id}/announcements")
    config.add_route("working_group_links", "/working-groups/{id}/links")
    config.scan("hub.organizations.groups")
