"""JSON API: /api/v1/events..."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.view import view_config
from sqlalchemy.orm import selectinload
from webob.multidict import MultiDict

from hub.api import api_error
from hub.api.openapi import error_response
from hub.security import AUTHENTICATED, PUBLIC
from hub_events import services
from hub_events.forms import read_event_form
from hub_events.i18n import _
from hub_events.models import CONFIRMED, NOT_PUBLIC, Event, Registration
from hub_events.permissions import MANAGE
from hub_events.services import RegistrationError
from hub_events.views import PAGE_SIZE, Filters, can_manage, event_query, may_run_event


def event_json(request, event: Event, registration: Registration | None = None) -> dict:
    data = {
        "id": event.id, "title": event.title, "summary": event.summary,
        "description": event.description, "kind": event.kind, "topics": event.topic_slugs,
        "stakeholders": list(event.stakeholders or []),
        "speakers": event.speakers, "organisation_id": event.organisation_id,
        "starts_at": event.starts_at.isoformat(), "ends_at": event.ends_at.isoformat(),
        "venue": event.venue, "address": event.address,
        "accessibility": list(event.accessibility or []),
        "capacity": event.capacity, "places_left": event.places_left,
        "audience": event.audience, "approval_required": event.approval_required,
        "state": event.state, "questions": event.question_list,
        "registration_open": services.registration_closed_reason(event) is None,
        "url": services.event_url(request, event),
    }
    if (registration is not None and registration.status == CONFIRMED) or can_manage(request):
        data["online_url"] = event.online_url
    if event.recording_published:
        data["recording"] = {"video_url": event.video_url, "embed_url": event.embed_url,
                             "captions_url": event.captions_url}
    return data


def registration_json(request, registration: Registration, event: Event) -> dict:
    return {"id": registration.id, "event_id": event.id, "event_title": event.title,
            "starts_at": event.starts_at.isoformat(), "status": registration.status,
            "offered_until": registration.offered_until.isoformat()
            if registration.offered_until else None,
            "created_at": registration.created_at.isoformat()}


def api_event(request) -> Event:
    event_id = request.matchdict.get("id", "")
    event = request.dbsession.get(Event, int(event_id)) if str(event_id).isdigit() else None
    if event is None or (event.state in NOT_PUBLIC and not may_run_event(request, event)):
        raise api_error(404, "not_found", request.localizer.translate(_("No such event.")))
    return event


@view_config(route_name="events.api.events", renderer="json", permission=PUBLIC,
             request_method="GET")
def list_events(request):
    filters = Filters.from_request(request.GET)
    stmt = event_query(filters)
    total = request.dbsession.scalar(stmt.with_only_columns(sa.func.count(Event.id)))
    events = request.dbsession.scalars(
        stmt.options(selectinload(Event.topics)).order_by(Event.starts_at, Event.id)
        .limit(PAGE_SIZE).offset((filters.page - 1) * PAGE_SIZE)).all()
    return {"items": [event_json(request, e) for e in events], "total": total,
            "page": filters.page, "page_size": PAGE_SIZE}


def _form_data(body: dict) -> MultiDict:
    data = MultiDict()
    for key, value in body.items():
        if key in ("accessibility", "topics", "stakeholders") and isinstance(value, list):
            for item in value:
                data.add(key, str(item))
        elif isinstance(value, bool):
            data.add(key, "1" if value else "")
        elif value is not None:
            data.add(key, str(value))
    return data


def _organisation_event(request, body: dict):
    """A representative's or editor's event: for their own organisation only, submitted for
    the staff's review, with only the fields an organisation sets (403 otherwise)."""
    from hub.organizations.access import acts_for
    from hub_events.organisations import ORGANISATION_FIELDS, submit

    org_id = body.get("organisation_id")
    if isinstance(org_id, bool) or not isinstance(org_id, int) \
            or not acts_for(request, org_id):
        raise api_error(403, "forbidden", request.localizer.translate(_(
            "You may create events only for an organisation you represent "
            "(organisation_id).")))
    data = {k: v for k, v in body.items() if k in ORGANISATION_FIELDS}
    data.setdefault("kind", "lecture")
    data.setdefault("venue", "address")
    data.setdefault("audience", "public")
    data.update(state="draft", organisation_id=org_id)
    _raw, clean, errors = read_event_form(request, None, _form_data(data))
    if errors:
        raise api_error(422, "validation_failed",
                        request.localizer.translate(_("The event is not valid.")),
                        fields={k: request.shell.translate(v) for k, v in errors.items()})
    event = Event(created_by_id=request.identity.id, taken=0, organisation_id=org_id)
    for key in ORGANISATION_FIELDS:
        setattr(event, key, clean[key])
    event.organisers = [request.identity]
    request.dbsession.add(event)
    request.dbsession.flush()
    submit(request, event)
    request.response.status_int = 201
    return event_json(request, event)


@view_config(route_name="events.api.events", renderer="json", permission=AUTHENTICATED,
             request_method="POST")
def create_event(request):
    try:
        body = request.json_body
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise api_error(422, "validation_failed",
                        request.localizer.translate(_("Send a JSON object.")))
    if not can_manage(request):
        return _organisation_event(request, body)
    body.setdefault("state", "published")
    body.setdefault("kind", "lecture")
    body.setdefault("venue", "address")
    body.setdefault("audience", "public")
    _raw, clean, errors = read_event_form(request, None, _form_data(body))
    if errors:
        raise api_error(422, "validation_failed",
                        request.localizer.translate(_("The event is not valid.")),
                        fields={k: request.shell.translate(v) for k, v in errors.items()})
    from hub_events.manage import EVENT_FIELDS

    event = Event(created_by_id=request.identity.id, taken=0)
    for key in EVENT_FIELDS:
        setattr(event, key, clean[key])
    request.dbsession.add(event)
    request.dbsession.flush()
    problem = services.sync_room(request, event, None, request.identity)
    if problem:
        request.tm.doom()
        raise api_error(409, "room_unavailable", request.shell.translate(problem))
    request.response.status_int = 201
    return event_json(request, event)


@view_config(route_name="events.api.publish", renderer="json", permission=MANAGE,
             request_method="POST")
def publish_event(request):
    """Staff publish an event (submitted by an organisation, or a draft)."""
    from hub_events.organisations import publish

    event = api_event(request)
    if event.state not in NOT_PUBLIC:
        raise api_error(409, "not_publishable", request.localizer.translate(
            _("Only a draft or a submitted event can be published.")))
    problem = publish(request, event)
    if problem:
        request.tm.doom()
        raise api_error(409, "room_unavailable", request.shell.translate(problem))
    return event_json(request, event)


@view_config(route_name="events.api.event", renderer="json", permission=PUBLIC,
             request_method="GET")
def get_event(request):
    event = api_event(request)
    mine = services.registration_of(request.dbsession, event.id, request.identity)
    data = event_json(request, event, mine)
    data["programme"] = [{"title": t.title, "speaker": t.speaker,
                          "starts_at": t.starts_at.isoformat(), "ends_at": t.ends_at.isoformat()}
                         for t in event.talks]
    data["my_registration"] = registration_json(request, mine, event) if mine else None
    return data


@view_config(route_name="events.api.registrations", renderer="json", permission=AUTHENTICATED,
             request_method="POST")
def register(request):
    event = api_event(request)
    user = request.identity
    try:
        body = request.json_body if request.body else {}
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise api_error(422, "validation_failed",
                        request.localizer.translate(_("Send a JSON object.")))
    needs = body.get("needs") if isinstance(body.get("needs"), dict) else {}
    try:
        registration = services.register(
            request, event.id, user=user, email=user.email, name=user.name,
            answer=services.format_answers(event, body.get("answers")
                                           if isinstance(body.get("answers"), list) else []),
            needs=needs, needs_consent_source="api",
            # The version of the consent text (GET /api/v1/consent/purposes) the person
            # agreed to; needs without it are refused.
            needs_consent_version=body.get("needs_consent")
            if isinstance(body.get("needs_consent"), str) else None,
            privacy_accepted=bool(body.get("privacy_accepted")), language=user.language)
    except RegistrationError as exc:
        request.tm.doom()
        code = {"duplicate": "already_registered", "closed": "registration_closed"}.get(
            exc.code, "validation_failed")
        raise api_error(exc.status, code, request.shell.translate(exc.message)) from None
    request.response.status_int = 201
    return registration_json(request, registration, event)


@view_config(route_name="events.api.registrations", renderer="json", permission=AUTHENTICATED,
             request_method="DELETE")
def cancel(request):
    event = api_event(request)
    mine = services.registration_of(request.dbsession, event.id, request.identity)
    if mine is None:
        raise api_error(404, "not_found", request.localizer.translate(
            _("You have no registration for this event.")))
    services.cancel(request, mine)
    mine = services.refresh(request.dbsession, mine)
    return registration_json(request, mine, event)


@view_config(route_name="events.api.mine", renderer="json", permission=AUTHENTICATED,
             request_method="GET")
def my_registrations(request):
    rows = request.dbsession.execute(
        sa.select(Registration, Event).join(Event, Event.id == Registration.event_id)
        .where(Registration.user_id == request.identity.id)
        .order_by(Event.starts_at.desc()).limit(500)).all()
    return {"items": [registration_json(request, r, e) for r, e in rows]}


# -- OpenAPI ---------------------------------------------------------------------------------

def openapi() -> dict:
    event_ref = {"$ref": "#/components/schemas/Event"}
    registration_ref = {"$ref": "#/components/schemas/EventRegistration"}
    id_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    filters = [
        {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(
            ("lecture", "seminar", "workshop", "conference", "meeting"))}},
        {"name": "topic", "in": "query", "schema": {"type": "string"},
         "description": "Slug of a topic of the shared taxonomy (GET /api/v1/topics)"},
        {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
        {"name": "mode", "in": "query", "schema": {"type": "string",
                                                   "enum": ["online", "in_person"]}},
        {"name": "access", "in": "query", "schema": {"type": "array", "items": {
            "type": "string"}}, "style": "form", "explode": True},
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    ]
    return {
        "paths": {
            "/events": {
                "get": {"tags": ["events"], "summary": "Upcoming events", "parameters": filters,
                        "responses": {"200": {"description": "A page of events", "content": {
                            "application/json": {"schema": {"type": "object", "properties": {
                                "items": {"type": "array", "items": event_ref},
                                "total": {"type": "integer"}, "page": {"type": "integer"},
                                "page_size": {"type": "integer"}}}}}}}},
                "post": {"tags": ["events"],
                         "summary": "Create an event: staff (published unless a state is "
                                    "given), or a representative or editor of the "
                                    "organisation_id (submitted for review, not public)",
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/EventInput"}}}},
                         "responses": {"201": {"description": "Created", "content": {
                             "application/json": {"schema": event_ref}}},
                             "403": error_response("Not allowed"),
                             "409": error_response("Room not free"),
                             "422": error_response("Invalid event")}},
            },
            "/events/{id}": {
                "get": {"tags": ["events"], "summary": "One event", "parameters": [id_param],
                        "responses": {"200": {"description": "The event", "content": {
                            "application/json": {"schema": event_ref}}},
                            "404": error_response("No such event")}},
            },
            "/events/{id}/publish": {
                "post": {"tags": ["events"], "summary": "Publish a submitted event (staff)",
                         "parameters": [id_param],
                         "responses": {"200": {"description": "Published", "content": {
                             "application/json": {"schema": event_ref}}},
                             "403": error_response("Not allowed"),
                             "404": error_response("No such event"),
                             "409": error_response("Not a draft or submitted, or room not free")}},
            },
            "/events/{id}/registrations": {
                "post": {"tags": ["events"], "summary": "Register (signed-in user)",
                         "parameters": [id_param],
                         "requestBody": {"content": {"application/json": {"schema": {
                             "type": "object", "properties": {
                                 "answers": {"type": "array", "items": {"type": "string"},
                                             "description": "In the order of the event's "
                                                            "questions"},
                                 "privacy_accepted": {"type": "boolean"},
                                 "needs": {"type": "object", "properties": {
                                     "sign_language": {"type": "boolean"},
                                     "assistant": {"type": "boolean"},
                                     "step_free": {"type": "boolean"},
                                     "note": {"type": "string"}}},
                                 "needs_consent": {
                                     "type": "string",
                                     "description": "Required with needs: the text version "
                                                    "of the purpose "
                                                    "events.accommodation_needs (explicit "
                                                    "consent) the person agreed to"}}}}}},
                         "responses": {"201": {"description": "Registered: status confirmed, "
                                                              "waitlisted or pending",
                                               "content": {"application/json": {
                                                   "schema": registration_ref}}},
                                       "404": error_response("No such event"),
                                       "409": error_response("Already registered"),
                                       "422": error_response("Registration closed or invalid")}},
                "delete": {"tags": ["events"], "summary": "Cancel my registration",
                           "parameters": [id_param],
                           "responses": {"200": {"description": "Cancelled", "content": {
                               "application/json": {"schema": registration_ref}}},
                               "404": error_response("No registration")}},
            },
            "/events/registrations": {
                "get": {"tags": ["events"], "summary": "My registrations",
                        "responses": {"200": {"description": "My registrations", "content": {
                            "application/json": {"schema": {"type": "object", "properties": {
                                "items": {"type": "array", "items": registration_ref}}}}}}}},
            },
        },
        "components": {"schemas": {
            "Event": {"type": "object", "properties": {
                "id": {"type": "integer"}, "title": {"type": "string"},
                "summary": {"type": "string"}, "description": {"type": "string"},
                "kind": {"type": "string"},
                "topics": {"type": "array", "items": {"type": "string"},
                           "description": "Slugs of the shared topics"},
                "stakeholders": {"type": "array", "items": {"type": "string"},
                                 "description": "Stakeholder types the event is meant for "
                                                "(empty: everyone)"},
                "speakers": {"type": "string"},
                "organisation_id": {"type": "integer", "nullable": True},
                "starts_at": {"type": "string", "format": "date-time"},
                "ends_at": {"type": "string", "format": "date-time"},
                "venue": {"type": "string", "enum": ["room", "address", "online", "hybrid"]},
                "address": {"type": "string"},
                "accessibility": {"type": "array", "items": {"type": "string"}},
                "capacity": {"type": "integer", "nullable": True},
                "places_left": {"type": "integer", "nullable": True},
                "audience": {"type": "string", "enum": ["public", "members"]},
                "approval_required": {"type": "boolean"}, "state": {"type": "string"},
                "questions": {"type": "array", "items": {"type": "string"}},
                "registration_open": {"type": "boolean"},
                "url": {"type": "string", "format": "uri"},
                "online_url": {"type": "string", "description": "Only for registered people"},
            }},
            "EventInput": {"type": "object", "required": ["title", "starts_at", "ends_at"],
                           "properties": {
                               "title": {"type": "string"}, "summary": {"type": "string"},
                               "description": {"type": "string"}, "kind": {"type": "string"},
                               "topics": {"type": "array", "items": {"type": "string"}},
                               "stakeholders": {"type": "array",
                                                "items": {"type": "string"}},
                               "starts_at": {"type": "string", "format": "date-time"},
                               "ends_at": {"type": "string", "format": "date-time"},
                               "venue": {"type": "string"}, "address": {"type": "string"},
                               "online_url": {"type": "string"},
                               "capacity": {"type": "integer"},
                               "room_id": {"type": "integer"},
                               "audience": {"type": "string"},
                               "approval_required": {"type": "boolean"},
                               "organisation_id": {"type": "integer"},
                               "state": {"type": "string"}}},
            "EventRegistration": {"type": "object", "properties": {
                "id": {"type": "integer"}, "event_id": {"type": "integer"},
                "event_title": {"type": "string"},
                "starts_at": {"type": "string", "format": "date-time"},
                "status": {"type": "string", "enum": ["confirmed", "waitlisted", "pending",
                                                      "offered", "cancelled", "rejected",
                                                      "unverified"]},
                "offered_until": {"type": "string", "format": "date-time", "nullable": True},
                "created_at": {"type": "string", "format": "date-time"}}},
        }},
    }
