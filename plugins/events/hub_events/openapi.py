"""The events API in the assembled OpenAPI document."""
from __future__ import annotations

from hub.api.collections import collection_schema, paging_parameters
from hub.api.openapi import error_response
from hub.params import MAX_ID
from hub.topics.models import STAKEHOLDER_TYPES
from hub.translations import translations_schema
from hub_events import materials
from hub_events.api import MAX_LIMIT, MINE_LIMIT
from hub_events.forms import EMBED_HOSTS, TEXT_FIELDS, TRANSLATED_FIELDS
from hub_events.models import (
    ACCESSIBILITY,
    AUDIENCES,
    EVENT_STATES,
    KINDS,
    REGISTRATION_STATES,
    VENUES,
)
from hub_events.needs import NEEDS
from hub_events.views import MODES, PAGE_SIZE

MAX_CAPACITY = 100_000  # as hub_events.forms reads the capacity


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
