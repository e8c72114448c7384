"""JSON API: /api/v1/events..."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.view import view_config
from sqlalchemy.orm import selectinload
from webob.multidict import MultiDict

from hub.api import api_error
from hub.api.collections import (
    collection,
    collection_schema,
    page_of,
    paging_parameters,
    read_paging,
)
from hub.api.openapi import error_response
from hub.dates import language
from hub.params import MAX_ID
from hub.security import AUTHENTICATED, PUBLIC
from hub.topics.models import STAKEHOLDER_TYPES
from hub.translations import read_translations, translations_json, translations_schema
from hub_events import materials, services
from hub_events.forms import (
    EMBED_HOSTS,
    ENGLISH_FIELDS,
    TEXT_FIELDS,
    TRANSLATED_FIELDS,
    read_event_form,
)
from hub_events.i18n import _
from hub_events.models import (
    ACCESSIBILITY,
    AUDIENCES,
    CONFIRMED,
    EVENT_STATES,
    KINDS,
    NOT_PUBLIC,
    REGISTRATION_STATES,
    VENUES,
    Event,
    Registration,
)
from hub_events.needs import NEEDS
from hub_events.permissions import MANAGE
from hub_events.services import RegistrationError
from hub_events.views import (
    MODES,
    PAGE_SIZE,
    Filters,
    can_manage,
    event_query,
    may_run_event,
)

MAX_LIMIT = 100
# Everyone's registrations were listed up to this many before paging, so it stays the default.
MINE_LIMIT = 500
MAX_CAPACITY = 100_000  # as hub_events.forms reads the capacity


def event_json(request, event: Event, registration: Registration | None = None,
               documents: list | None = None) -> dict:
    """``documents``: the event's public materials when the caller read them already."""
    lang = language(request)
    data = {
        "id": event.id, "title": event.translated("title", lang),
        "summary": event.translated("summary", lang),
        "description": event.translated("description", lang),
        "accessibility_note": event.translated("accessibility_note", lang),
        "translations": translations_json(event),
        "kind": event.kind, "topics": event.topic_slugs,
        "stakeholders": list(event.stakeholders or []),
        "speakers": event.speakers, "organisation_id": event.organisation_id,
        "starts_at": event.starts_at.isoformat(), "ends_at": event.ends_at.isoformat(),
        "venue": event.venue, "address": event.address,
        "accessibility": list(event.accessibility or []),
        "capacity": event.capacity, "places_left": event.places_left,
        "audience": event.audience, "approval_required": event.approval_required,
        "state": event.state, "questions": event.question_list,
        "privacy_notice": event.privacy_notice,
        "registration_open": services.registration_closed_reason(event) is None,
        "url": services.event_url(request, event),
        "materials": materials.documents_json(request, documents if documents is not None else
                                              materials.documents_of(request, [event.id])
                                              .get(event.id, [])),
    }
    if (registration is not None and registration.status == CONFIRMED) or can_manage(request):
        data["online_url"] = event.online_url
    if event.recording_published:
        data["recording"] = {"video_url": event.video_url, "embed_url": event.embed_url,
                             "captions_url": event.captions_url, "media": None}
        from hub_events.recordings import hosted_recording

        hosted = hosted_recording(request, event)
        if hosted is not None:
            data["recording"]["media"] = {
                "id": hosted.id, "content_type": hosted.content_type,
                "url": request.route_url("events.recording_file", id=event.id,
                                         name=hosted.file_name or "recording"),
                "captions": [{"language": c.language,
                              "url": request.route_url("events.recording_captions",
                                                       id=event.id, lang=c.language)}
                             for c in hosted.captions],
                "transcript": hosted.translated("transcript", lang)}
    return data


def registration_json(request, registration: Registration, event: Event) -> dict:
    return {"id": registration.id, "event_id": event.id,
            "event_title": event.translated("title", language(request)),
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
    paging = read_paging(request, PAGE_SIZE, MAX_LIMIT)
    filters = Filters.from_request(request.GET)
    events, total = page_of(request.dbsession, event_query(filters).options(
        selectinload(Event.topics)).order_by(Event.starts_at, Event.id), paging)
    documents = materials.documents_of(request, [e.id for e in events])
    return collection([event_json(request, e, documents=documents.get(e.id, []))
                       for e in events], total, paging)


def _form_data(body: dict) -> MultiDict:
    data = MultiDict()
    for key, value in body.items():
        if key in ("accessibility", "topics", "stakeholders", "material_ids") \
                and isinstance(value, list):
            for item in value:
                data.add(key, str(item))
        elif isinstance(value, bool):
            data.add(key, "1" if value else "")
        elif value is not None:
            data.add(key, str(value))
    return data


def _translations(request, body: dict) -> dict:
    """The English texts of a body's ``translations`` (422 when they are not valid)."""
    values, errors = read_translations(body, TRANSLATED_FIELDS)
    if errors:
        raise api_error(422, "validation_failed",
                        request.localizer.translate(_("The event is not valid.")),
                        fields=errors)
    return values


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
    for key, value in _translations(request, body).items():
        setattr(event, key, value)
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
    _translations(request, body)  # the English texts are checked before anything else
    # English texts come only as "translations", never as form fields of their own.
    body = {k: v for k, v in body.items() if k not in ENGLISH_FIELDS}
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
    for key, value in _translations(request, body).items():
        setattr(event, key, value)
    request.dbsession.add(event)
    request.dbsession.flush()
    materials.set_materials(request.dbsession, event, clean["material_ids"])
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
    lang = language(request)
    data["programme"] = [{"title": t.translated("title", lang), "speaker": t.speaker,
                          "starts_at": t.starts_at.isoformat(), "ends_at": t.ends_at.isoformat(),
                          "translations": translations_json(t)}
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
    paging = read_paging(request, MINE_LIMIT, MINE_LIMIT)
    mine = (sa.select(Registration, Event).join(Event, Event.id == Registration.event_id)
            .where(Registration.user_id == request.identity.id))
    total = request.dbsession.scalar(mine.with_only_columns(sa.func.count(Registration.id)))
    rows = request.dbsession.execute(
        mine.order_by(Event.starts_at.desc(), Registration.id.desc())
        .limit(paging.limit).offset(paging.offset)).all()
    return collection([registration_json(request, r, e) for r, e in rows], total, paging)


# -- OpenAPI ---------------------------------------------------------------------------------

def _text(name: str, description: str = "", **extra) -> dict:
    """A text field of the event form, as long as the form lets it be."""
    schema = {"type": "string", "maxLength": TEXT_FIELDS[name], **extra}
    return {**schema, "description": description} if description else schema


def _venue_is(*venues) -> dict:
    """An ``if`` that holds when the body names one of ``venues``."""
    return {"required": ["venue"], "properties": {"venue": {"enum": list(venues)}}}


def _event_input() -> dict:
    """What POST /events reads, with the rules of ``hub_events.forms.read_event_form``."""
    from hub_events.organisations import ORGANISATION_FIELDS

    web = {"format": "uri", "pattern": "^https?://"}
    moment = {"type": "string", "format": "date-time",
              "description": "ISO 8601 with an offset (without one: Prague time)"}
    return {
        "type": "object", "required": ["title", "starts_at", "ends_at"],
        "description": "Staff may set every field; a representative or editor of "
                       "organisation_id (which they then must give) only these: "
                       + ", ".join(ORGANISATION_FIELDS) + ".",
        "properties": {
            "title": _text("title", "not only spaces", minLength=1),
            "summary": _text("summary"), "description": _text("description"),
            "kind": {"type": "string", "enum": list(KINDS), "default": "lecture"},
            "topics": {"type": "array", "items": {"type": "string"},
                       "description": "Slugs of the shared topics (GET /api/v1/topics)"},
            "stakeholders": {"type": "array", "items": {"type": "string",
                                                        "enum": list(STAKEHOLDER_TYPES)},
                             "description": "Who the event is meant for (empty: everyone)"},
            "speakers": _text("speakers"),
            "starts_at": moment,
            "ends_at": {**moment, "description": "after starts_at"},
            "venue": {"type": "string", "enum": list(VENUES), "default": "address",
                      "description": "room: a bookable room (room_id); address: the "
                                     "address; online: online_url; hybrid: online_url and "
                                     "the address or a room"},
            "room_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID, "examples": [1],
                        "description": "An active room (GET /api/v1/booking/rooms), "
                                       "reserved for the event; used with the venue room or "
                                       "hybrid"},
            "address": _text("address", "Without it a room gives its name and location"),
            "accessibility": {"type": "array",
                              "items": {"type": "string", "enum": list(ACCESSIBILITY)}},
            "accessibility_note": _text("accessibility_note"),
            "translations": translations_schema(TRANSLATED_FIELDS),
            "online_url": _text("online_url", "The stream or meeting link", **web),
            "capacity": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_CAPACITY,
                         "description": "Places; none: no limit (a room: its capacity)"},
            "registration_opens_at": {**moment, "description": "None: open at once"},
            "registration_closes_at": {**moment, "description": "After registration_opens_at"},
            "audience": {"type": "string", "enum": list(AUDIENCES), "default": "public"},
            "approval_required": {"type": "boolean", "default": False},
            "questions": _text("questions", "Questions to registrants, one a line"),
            "privacy_notice": _text("privacy_notice",
                                    "Registrants must accept it (privacy_accepted)"),
            "organisation_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID,
                                "examples": [1],
                                "description": "The organisation that runs the event"},
            "state": {"type": "string", "enum": list(EVENT_STATES), "default": "published",
                      "description": "staff only; an organisation's event is submitted"},
            "video_url": _text("video_url", **web),
            "embed_url": _text("embed_url", "A player from " + " or ".join(EMBED_HOSTS),
                               **web),
            "captions_url": _text("captions_url", **web),
            "transcript": _text("transcript"),
            "materials": _text("materials", "Other materials: titles or links, one a line"),
            "material_ids": materials.material_ids_schema(MAX_ID),
            "recording_media_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID,
                                   "description": "A video or audio item of the media "
                                                  "library (/media), played by the hub"},
            "recording_published": {"type": "boolean", "default": False,
                                    "description": "Needs video_url, embed_url or "
                                                   "recording_media_id (whose item has "
                                                   "captions) and the speakers' releases"},
        },
        # No venue is the venue "address" (the one condition of the smallest body).
        "if": {"properties": {"venue": {"const": "address"}}},
        "then": {"required": ["address"]},
        "allOf": [
            {"if": _venue_is("room"), "then": {"required": ["room_id"]}},
            {"if": _venue_is("online", "hybrid"), "then": {"required": ["online_url"]}},
            {"if": _venue_is("hybrid"),
             "then": {"anyOf": [{"required": ["address"]}, {"required": ["room_id"]}]}},
            {"if": {"required": ["recording_published"],
                    "properties": {"recording_published": {"const": True}}},
             "then": {"anyOf": [{"required": ["video_url"]}, {"required": ["embed_url"]},
                                {"required": ["recording_media_id"]}]}},
        ],
    }


def _registration_input() -> dict:
    from hub_events.needs import ACCOMMODATION_NEEDS

    needs = {name: {"type": "boolean"} for name in NEEDS}
    needs["note"] = {"type": "string", "description": "First 500 characters are kept"}
    return {
        "type": "object", "required": ["privacy_accepted"],
        "properties": {
            "answers": {"type": "array", "items": {"type": "string"},
                        "description": "In the order of the event's questions"},
            "privacy_accepted": {"type": "boolean", "examples": [True],
                                 "description": "Whether the person accepted the event's "
                                                "privacy_notice; must be true when the "
                                                "event has one"},
            "needs": {"type": "object", "properties": needs},
            "needs_consent": {"type": "string",
                              "examples": [ACCOMMODATION_NEEDS.text_version],
                              "description": "Required with needs: the text version of the "
                                             "purpose events.accommodation_needs (explicit "
                                             "consent, GET /api/v1/consent/purposes) the "
                                             "person agreed to"},
        },
        "if": {"required": ["needs"]}, "then": {"required": ["needs_consent"]},
    }


def openapi() -> dict:
    event_ref = {"$ref": "#/components/schemas/Event"}
    registration_ref = {"$ref": "#/components/schemas/EventRegistration"}
    moment = {"type": "string", "format": "date-time"}
    id_param = {"name": "id", "in": "path", "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
    filters = [
        {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(KINDS)}},
        {"name": "topic", "in": "query", "schema": {"type": "string"},
         "description": "Slug of a topic of the shared taxonomy (GET /api/v1/topics)"},
        {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"},
         "description": "Events starting on this day (Prague) or later"},
        {"name": "mode", "in": "query", "schema": {"type": "string", "enum": list(MODES)}},
        {"name": "access", "in": "query", "schema": {"type": "array", "items": {
            "type": "string", "enum": list(ACCESSIBILITY)}}, "style": "form", "explode": True,
         "description": "Only events with all of these"},
        *paging_parameters(PAGE_SIZE, MAX_LIMIT),
    ]
    return {
        "paths": {
            "/events": {
                "get": {"tags": ["events"], "summary": "Upcoming events",
                        "operationId": "listEvents", "parameters": filters,
                        "responses": {"200": {"description": "A page of events", "content": {
                            "application/json": {"schema": collection_schema(event_ref)}}},
                            "422": error_response("Invalid paging")}},
                "post": {"tags": ["events"], "operationId": "createEvent",
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
                "get": {"tags": ["events"], "summary": "One event", "operationId": "getEvent",
                        "parameters": [id_param],
                        "responses": {"200": {"description": "The event", "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/"
                                                                     "EventDetail"}}}},
                            "404": error_response("No such event")}},
            },
            "/events/{id}/publish": {
                "post": {"tags": ["events"], "summary": "Publish a submitted event (staff)",
                         "description": "Takes no body.",
                         "operationId": "publishEvent", "parameters": [id_param],
                         "responses": {"200": {"description": "Published", "content": {
                             "application/json": {"schema": event_ref}}},
                             "403": error_response("Not allowed"),
                             "404": error_response("No such event"),
                             "409": error_response("Not a draft or submitted, or room not free")}},
            },
            "/events/{id}/registrations": {
                "post": {"tags": ["events"], "summary": "Register (signed-in user)",
                         "operationId": "registerForEvent", "parameters": [id_param],
                         "requestBody": {"content": {"application/json": {"schema": {
                             "$ref": "#/components/schemas/EventRegistrationInput"}}}},
                         "responses": {"201": {"description": "Registered: status confirmed, "
                                                              "waitlisted or pending",
                                               "content": {"application/json": {
                                                   "schema": registration_ref}}},
                                       "404": error_response("No such event"),
                                       "409": error_response("Already registered"),
                                       "422": error_response("Registration closed or invalid")}},
                "delete": {"tags": ["events"], "summary": "Cancel my registration",
                           "operationId": "cancelEventRegistration", "parameters": [id_param],
                           "responses": {"200": {"description": "Cancelled", "content": {
                               "application/json": {"schema": registration_ref}}},
                               "404": error_response("No registration")}},
            },
            "/events/registrations": {
                "get": {"tags": ["events"], "summary": "My registrations, latest event first",
                        "operationId": "listMyEventRegistrations",
                        "parameters": paging_parameters(MINE_LIMIT, MINE_LIMIT),
                        "responses": {"200": {"description": "My registrations", "content": {
                            "application/json": {"schema": collection_schema(
                                registration_ref)}}},
                            "422": error_response("Invalid paging")}},
            },
        },
        "components": {"schemas": {
            "Event": {"type": "object", "properties": {
                "id": {"type": "integer"}, "title": {"type": "string"},
                "summary": {"type": "string"}, "description": {"type": "string"},
                "accessibility_note": {"type": "string"},
                "translations": translations_schema(TRANSLATED_FIELDS),
                "kind": {"type": "string", "enum": list(KINDS)},
                "topics": {"type": "array", "items": {"type": "string"},
                           "description": "Slugs of the shared topics"},
                "stakeholders": {"type": "array",
                                 "items": {"type": "string", "enum": list(STAKEHOLDER_TYPES)},
                                 "description": "Stakeholder types the event is meant for "
                                                "(empty: everyone)"},
                "speakers": {"type": "string"},
                "organisation_id": {"type": ["integer", "null"]},
                "starts_at": moment, "ends_at": moment,
                "venue": {"type": "string", "enum": list(VENUES)},
                "address": {"type": "string"},
                "accessibility": {"type": "array",
                                  "items": {"type": "string", "enum": list(ACCESSIBILITY)}},
                "capacity": {"type": ["integer", "null"]},
                "places_left": {"type": ["integer", "null"]},
                "audience": {"type": "string", "enum": list(AUDIENCES)},
                "approval_required": {"type": "boolean"},
                "state": {"type": "string", "enum": list(EVENT_STATES)},
                "questions": {"type": "array", "items": {"type": "string"}},
                "privacy_notice": {"type": "string",
                                   "description": "To accept when registering (may be empty)"},
                "registration_open": {"type": "boolean"},
                "url": {"type": "string", "format": "uri"},
                "online_url": {"type": "string", "description": "Only for registered people"},
                "materials": materials.MATERIALS_SCHEMA,
                "recording": {"type": "object", "description": "Once published",
                              "properties": {"video_url": {"type": "string"},
                                             "embed_url": {"type": "string"},
                                             "captions_url": {"type": "string"},
                                             "media": {"oneOf": [
                                                 {"type": "null"},
                                                 {"type": "object", "properties": {
                                                     "id": {"type": "integer"},
                                                     "content_type": {"type": "string"},
                                                     "url": {"type": "string"},
                                                     "captions": {"type": "array", "items": {
                                                         "type": "object", "properties": {
                                                             "language": {"type": "string"},
                                                             "url": {"type": "string"}}}},
                                                     "transcript": {"type": "string"}}}],
                                                 "description": "A recording hosted by the "
                                                                "hub, with its captions"}}},
            }},
            "EventDetail": {"allOf": [event_ref, {"type": "object", "properties": {
                "programme": {"type": "array", "items": {"type": "object", "properties": {
                    "title": {"type": "string"}, "speaker": {"type": "string"},
                    "starts_at": moment, "ends_at": moment,
                    "translations": translations_schema({"title": 200})}}},
                "my_registration": {"oneOf": [registration_ref, {"type": "null"}]}}}]},
            "EventInput": _event_input(),
            "EventRegistrationInput": _registration_input(),
            "EventRegistration": {"type": "object", "properties": {
                "id": {"type": "integer"}, "event_id": {"type": "integer"},
                "event_title": {"type": "string"},
                "starts_at": moment,
                "status": {"type": "string", "enum": list(REGISTRATION_STATES)},
                "offered_until": {"type": ["string", "null"], "format": "date-time"},
                "created_at": moment}},
        }},
    }
