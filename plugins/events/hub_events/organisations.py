"""Events by organisations: a representative or editor drafts an event of their
organisation, submits it for review, and hub staff publish it or return it with a comment.

An organisation's event stays off every public list until staff publish it (states
"draft" and "submitted" are not public, ``NOT_PUBLIC``); its room is reserved only then.
Once published, the organisation's representatives and editors run its registrations and
check-in on the organiser pages (``may_run``). Someone acts for their own organisation
only (``hub.organizations.access.acts_for``).
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config
from webob.multidict import MultiDict

from hub.accounts.models import User
from hub.notifications import notify
from hub.organizations.access import acts_for
from hub.organizations.models import Membership, Organisation
from hub.security import AUTHENTICATED
from hub.shell import render_snippet
from hub_events import services
from hub_events.forms import ENGLISH_FIELDS, form_values, read_event_form
from hub_events.i18n import _
from hub_events.models import HOLDS_PLACE, NOT_PUBLIC, Event, Registration
from hub_events.permissions import MANAGE
from hub_events.views import labels

REVIEW_KIND = "events.review"
# What an organisation sets on its event; the rest (state, recording, the hub's organisers)
# is the staff's.
ORGANISATION_FIELDS = ("title", "summary", "description", "kind", "topics", "speakers",
                       "starts_at", "ends_at", "venue", "room_id", "address", "accessibility",
                       "accessibility_note", "online_url", "capacity", "registration_opens_at",
                       "registration_closes_at", "audience", "approval_required", "questions",
                       "privacy_notice")
# The organisation's form also takes the English versions of its texts (the API takes them
# as ``translations``).
FORM_FIELDS = (*ORGANISATION_FIELDS, *ENGLISH_FIELDS)
EDITABLE_STATES = ("draft",)


def may_run(request, event: Event) -> bool:
    """Staff, or a representative or editor of the event's organisation (for its
    registrations, check-in and messages)."""
    if request.has_permission(MANAGE):
        return True
    return event.organisation_id is not None and acts_for(request, event.organisation_id)


def _organisation(request) -> Organisation:
    number = request.matchdict.get("org_id", "")
    organisation = request.dbsession.get(Organisation, int(number)) if number.isdigit() else None
    if organisation is None or not acts_for(request, organisation.id):
        raise HTTPNotFound()
    return organisation


def _event_of(request, organisation: Organisation) -> Event:
    event = request.dbsession.get(Event, int(request.matchdict["id"]))
    if event is None or event.organisation_id != organisation.id:
        raise HTTPNotFound()
    return event


def _form_page(request, organisation, event, values, errors, status=200):
    from hub_events.manage import event_fields, field_groups

    provider = services.room_provider(request)
    rooms = provider.rooms() if provider is not None else []
    fields = [f for f in event_fields(request, rooms, event, library=False)
              if f.name in FORM_FIELDS]
    workspace = request.route_path("organisation_workspace", id=organisation.id)
    response = render_to_response("hub_events:templates/organisation_form.pt", {
        "organisation": organisation, "event": event, "fields": fields, "values": values,
        "field_groups": field_groups(fields),
        "errors": errors, "labels": labels(request),
        "action": request.route_path("events.org_edit", org_id=organisation.id, id=event.id)
        if event else request.route_path("events.org_new", org_id=organisation.id),
        "breadcrumbs": [(organisation.name, workspace),
                        (event.title if event else _("New event"), None)]}, request=request)
    response.status_int = status
    return response


def _read(request, organisation, event):
    data = MultiDict()
    for key in FORM_FIELDS:
        for value in request.POST.getall(key):
            data.add(key, value)
    data["state"] = event.state if event else "draft"
    data["organisation_id"] = str(organisation.id)
    return read_event_form(request, event, data)


def _apply(request, organisation, event, clean) -> Event:
    if event is None:
        event = Event(created_by_id=request.identity.id, taken=0, state="draft",
                      organisation_id=organisation.id)
        request.dbsession.add(event)
        # The person who drafts it organises it: they see what organisers see.
        event.organisers = [request.identity]
    for key in FORM_FIELDS:
        setattr(event, key, clean[key])
    request.dbsession.flush()
    return event


@view_config(route_name="events.org_new", permission=AUTHENTICATED)
def organisation_new(request):
    organisation = _organisation(request)
    if request.method != "POST":
        return _form_page(request, organisation, None, form_values(None), {})
    raw, clean, errors = _read(request, organisation, None)
    if errors:
        request.tm.doom()
        return _form_page(request, organisation, None, raw, errors, status=422)
    event = _apply(request, organisation, None, clean)
    return _after_save(request, organisation, event)


@view_config(route_name="events.org_edit", permission=AUTHENTICATED)
def organisation_edit(request):
    organisation = _organisation(request)
    event = _event_of(request, organisation)
    if request.method != "POST":
        return _form_page(request, organisation, event, form_values(event), {})
    if event.state not in EDITABLE_STATES:
        request.session.flash(request.shell.translate(_(
            "The event is with the hub staff or published; ask them for changes.")), "error")
        return HTTPSeeOther(request.route_path("events.org_edit", org_id=organisation.id,
                                               id=event.id))
    raw, clean, errors = _read(request, organisation, event)
    if errors:
        request.tm.doom()
        return _form_page(request, organisation, event, raw, errors, status=422)
    event = _apply(request, organisation, services.lock_event(request.dbsession, event.id),
                   clean)
    return _after_save(request, organisation, event)


def _after_save(request, organisation, event):
    if request.POST.get("submit_for_review") == "1":
        submit(request, event)
        request.session.flash(request.shell.translate(_(
            "The event has been sent to the hub staff for review. You will be told when it "
            "is published or returned.")), "success")
    else:
        request.session.flash(request.shell.translate(_(
            "The draft is saved. Submit it for review when it is ready.")), "success")
    return HTTPSeeOther(request.route_path("events.org_edit", org_id=organisation.id,
                                           id=event.id))


# -- review -----------------------------------------------------------------------------------

def staff_reviewers(request) -> list[User]:
    return list(request.dbsession.scalars(sa.select(User).where(
        User.role.in_(("staff", "admin")), User.is_active.is_(True)).order_by(User.id)))


def acting_members(request, organisation_id: int) -> list[User]:
    return list(request.dbsession.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.organisation_id == organisation_id, Membership.active(),
            sa.or_(Membership.is_representative, Membership.is_editor),
            User.is_active.is_(True)).order_by(User.id)))


def submit(request, event: Event) -> None:
    event.state, event.review_comment = "submitted", ""
    organisation = request.dbsession.get(Organisation, event.organisation_id)
    for reviewer in staff_reviewers(request):
        notify(request, reviewer, REVIEW_KIND,
               _("Event to review: ${event} (${organisation})"),
               mapping={"event": event.title, "organisation": organisation.name},
               url=request.route_url("events.manage") + "#review")


def publish(request, event: Event):
    """Publish ``event`` (reserving its room); an error message when the room is not free."""
    event = services.lock_event(request.dbsession, event.id)
    previous = {k: getattr(event, k) for k in ("room_id", "starts_at", "ends_at", "venue")}
    event.state, event.review_comment = "published", ""
    problem = services.sync_room(request, event, previous, request.identity)
    if problem:
        return problem
    if event.organisation_id is not None:
        for person in acting_members(request, event.organisation_id):
            notify(request, person, REVIEW_KIND, _("Your event is published: ${event}"),
                   mapping={"event": event.title},
                   url=request.route_url("events.detail", id=event.id))
    return None


def return_to_organisation(request, event: Event, comment: str) -> None:
    event.state, event.review_comment = "draft", comment
    for person in acting_members(request, event.organisation_id):
        notify(request, person, REVIEW_KIND, _("Your event was returned: ${event}"),
               _("The hub staff returned the event with this comment:\n\n${comment}"),
               mapping={"event": event.title, "comment": comment},
               url=request.route_url("events.org_edit", org_id=event.organisation_id,
                                     id=event.id))


@view_config(route_name="events.review", permission=MANAGE, request_method="POST")
def review(request):
    event = request.dbsession.get(Event, int(request.matchdict["id"]))
    if event is None or event.state != "submitted":
        raise HTTPNotFound()
    back = HTTPSeeOther(request.route_path("events.manage") + "#review")
    action = request.POST.get("action")
    if action == "publish":
        problem = publish(request, event)
        if problem:
            request.tm.doom()
            request.session.flash(request.shell.translate(problem), "error")
            return back
        request.session.flash(request.shell.translate(_("The event is published.")),
                              "success")
    elif action == "return":
        comment = request.POST.get("comment", "").strip()[:2000]
        if not comment:
            return _review_page_with_error(request, event, _(
                "Write to the organisation what to change before returning the event."))
        return_to_organisation(request, event, comment)
        request.session.flash(request.shell.translate(_(
            "The event was returned to the organisation.")), "success")
    else:
        raise HTTPNotFound()
    return back


def _review_page_with_error(request, event: Event, message):
    """The staff's page again (422) with the event's comment field marked and the error
    summary linking to it (the core's form pattern); nothing is changed."""
    from hub_events.manage import manage

    request.tm.doom()
    values = manage(request)
    values["review_error"] = {"event": event.id, "message": message}
    response = render_to_response("hub_events:templates/manage.pt", values, request=request)
    response.status_int = 422
    return response


def waiting_for_review(request) -> list[tuple[Event, str]]:
    return list(request.dbsession.execute(
        sa.select(Event, Organisation.name)
        .join(Organisation, Organisation.id == Event.organisation_id)
        .where(Event.state == "submitted").order_by(Event.starts_at)).all())


# -- the organisation's workspace ---------------------------------------------------------------

def workspace_section(request, organisation, role):
    if role == "staff" and not request.has_permission(MANAGE):
        return None
    events = list(request.dbsession.scalars(
        sa.select(Event).where(Event.organisation_id == organisation.id)
        .order_by(Event.starts_at.desc()).limit(100)))
    counts: dict = {}
    if events:
        for event_id, status, count in request.dbsession.execute(
                sa.select(Registration.event_id, Registration.status, sa.func.count())
                .where(Registration.event_id.in_([e.id for e in events]))
                .group_by(Registration.event_id, Registration.status)):
            counts.setdefault(event_id, {})[status] = count
    return render_snippet(request, "hub_events:templates/organisation_section.pt", {
        "organisation": organisation, "events": events, "counts": counts,
        "holds_place": HOLDS_PLACE, "not_public": NOT_PUBLIC, "labels": labels(request),
        "acting": role != "staff"})
