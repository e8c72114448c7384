"""JSON API of the booking plugin (served under /api/v1/booking)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from hub.api import api_error, json_body
from hub.api.collections import (
    collection,
    collection_of,
    collection_schema,
    page_of,
    paging_parameters,
    read_paging,
)
from hub.api.openapi import error_response, ref
from hub.dates import language
from hub.db import utcnow
from hub.params import BadParameter
from hub.security import AUTHENTICATED, PUBLIC
from hub.translations import translations_schema
from hub_booking import services
from hub_booking.i18n import _
from hub_booking.models import ACCESSIBILITY_KEYS, STATUSES, ClosedPeriod, Reservation, Room
from hub_booking.services import FREQUENCIES, MAX_OCCURRENCES, BookingError, Conflict
from hub_booking.views import APPROVE, CREATE, announce, announce_cancellation, may_see

MAX_RANGE_DAYS = 92
MAX_ID = 2**31 - 1          # the database's integer
MAX_LIMIT, DEFAULT_LIMIT = 500, 100
ROOMS_LIMIT = 100
MAX_ATTENDEES = 10_000
# A room's texts kept in English too, with their limits (as the Czech columns).
ROOM_TRANSLATIONS = {"name": 200, "description": None, "location": 200}


def _t(request, message) -> str:
    return request.localizer.translate(message)


# The form's field names, as the API calls them.
API_FIELDS = {"start": "starts_at", "end": "ends_at", "date": "starts_at",
              "frequency": "recurrence.frequency", "interval": "recurrence.interval",
              "until": "recurrence.until", "organisation": "organisation_id"}


def _invalid(request, error: BookingError):
    field = API_FIELDS.get(error.field, error.field)
    details = {"field": field, "fields": {field: error.problem}} if field else {}
    return api_error(422, "validation_failed", _t(request, error.message), **details)


def whole_number(value, name: str, minimum: int, maximum: int, default=None, text=False):
    """An integer from JSON (a number, not a boolean or a string) or, with ``text``, from a
    query string or the path, within ``minimum``..``maximum``; ``BookingError`` naming the
    field and the range otherwise."""
    if value is None or value == "":
        return default
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif text and isinstance(value, str) and value.strip().lstrip("-").isdigit() \
            and len(value.strip()) <= 20:
        number = int(value.strip())
    if number is None or not minimum <= number <= maximum:
        raise BookingError(_("${field} must be a whole number from ${minimum} to ${maximum}.",
                             mapping={"field": name, "minimum": minimum,
                                      "maximum": maximum}), name)
    return number


def _path_id(request) -> int:
    return int(request.matchdict["id"])  # the core answered 404 unless it is an id


def _room(request) -> Room:
    room = request.dbsession.get(Room, _path_id(request))
    if room is None or not room.is_active:
        raise api_error(404, "not_found", _t(request, _("No such room.")))
    return room


def _public(reservation: Reservation) -> dict:
    return {"starts_at": reservation.starts_at.isoformat(),
            "ends_at": reservation.ends_at.isoformat(), "status": reservation.status}


@view_config(route_name="booking.api.rooms", renderer="json", permission=PUBLIC,
             request_method="GET")
def rooms(request):
    lang = language(request)
    return collection_of([{**r.as_dict(lang), "bookable_hours": _hours(r)}
                          for r in services.active_rooms(request)],
                         read_paging(request, ROOMS_LIMIT, ROOMS_LIMIT))


def _hours(room: Room) -> list[dict]:
    return [{"weekday": h.weekday, "opens_at": h.opens_at.strftime("%H:%M"),
             "closes_at": h.closes_at.strftime("%H:%M")} for h in room.hours]


@view_config(route_name="booking.api.availability", renderer="json", permission=PUBLIC,
             request_method="GET")
def availability(request):
    """Busy times of a room without personal details (pending ones block too)."""
    room = _room(request)
    try:
        start = (services.parse_iso(request.GET["from"], "from") if request.GET.get("from")
                 else utcnow())
        end = (services.parse_iso(request.GET["to"], "to") if request.GET.get("to")
               else start + dt.timedelta(days=7))
    except BookingError as error:
        return _invalid(request, error)
    if end <= start:
        return _invalid(request, BookingError(_("The end must be after the start."), "to"))
    if end - start > dt.timedelta(days=MAX_RANGE_DAYS):
        return _invalid(request, BookingError(
            _("Ask for at most ${days} days at once.", mapping={"days": MAX_RANGE_DAYS}), "to"))
    closed = request.dbsession.scalars(
        sa.select(ClosedPeriod).where(
            sa.or_(ClosedPeriod.room_id == room.id, ClosedPeriod.room_id.is_(None)),
            ClosedPeriod.starts_at < end, ClosedPeriod.ends_at > start)).all()
    return {"room_id": room.id, "from": start.isoformat(), "to": end.isoformat(),
            "timezone": "Europe/Prague", "bookable_hours": _hours(room),
            "busy": [_public(r) for r in services.busy(request, [room.id], start, end)],
            "closed": [{"starts_at": c.starts_at.isoformat(), "ends_at": c.ends_at.isoformat(),
                        "reason": c.reason} for c in closed]}


def _recurrence(data) -> services.Recurrence | None:
    rule = data.get("recurrence")
    if not rule:
        return None
    if not isinstance(rule, dict):
        raise BookingError(_("Choose how the booking repeats."), "recurrence")
    weekdays = rule.get("weekdays") or []
    if not isinstance(weekdays, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in weekdays):
        raise BookingError(_("Weekdays are numbers from 0 (Monday) to 6 (Sunday)."),
                           "recurrence.weekdays")
    interval = whole_number(rule.get("interval"), "recurrence.interval", 1, 12, 1)
    count = whole_number(rule.get("count"), "recurrence.count", 1, services.MAX_OCCURRENCES)
    until = None
    if rule.get("until") not in (None, ""):
        try:
            until = services.check_year(dt.date.fromisoformat(str(rule["until"])),
                                        "recurrence.until")
        except ValueError:
            raise BookingError(_("Enter a date as YYYY-MM-DD."), "recurrence.until") from None
    elif count is None:
        raise BookingError(_("Give the last day of the series (until) or the number of "
                             "occurrences (count)."), "recurrence.until")
    return services.Recurrence(str(rule.get("frequency", "")), interval, tuple(weekdays),
                               until, count)


def _owner(request, user_id):
    """Who a new booking is for: the caller, or (staff only) the person ``user_id``."""
    from hub.accounts.models import User

    if user_id is None or user_id == request.identity.id:
        return request.identity
    if not request.has_permission(APPROVE):
        raise BookingError(_("Only the hub staff can book for another person."), "user_id")
    owner = request.dbsession.get(User, user_id)
    if owner is None or not owner.is_active:
        raise BookingError(_("No such person."), "user_id")
    return owner


@view_config(route_name="booking.api.reservations", renderer="json", permission=CREATE,
             request_method="POST")
def create(request):
    data = json_body(request)
    try:
        if data.get("room_id") is None:
            raise BookingError(_("This field is missing."), "room_id", "missing")
        room_id = whole_number(data.get("room_id"), "room_id", 1, MAX_ID)
        attendees = whole_number(data.get("attendees"), "attendees", 0, MAX_ATTENDEES, 0)
        organisation_id = whole_number(data.get("organisation_id"), "organisation_id", 1,
                                       MAX_ID)
        recurrence = _recurrence(data)
        owner = _owner(request, whole_number(data.get("user_id"), "user_id", 1, MAX_ID))
    except BookingError as error:
        return _invalid(request, error)
    room = request.dbsession.get(Room, room_id) if room_id is not None else None
    if room is None or not room.is_active:
        return api_error(422, "validation_failed", _t(request, _("No such room.")),
                         field="room_id", fields={"room_id": "invalid"})
    try:
        starts_at = services.parse_iso(data.get("starts_at"), "starts_at")
        ends_at = services.parse_iso(data.get("ends_at"), "ends_at")
        if ends_at <= starts_at:
            raise BookingError(_("The end must be after the start."), "ends_at")
        start_local, end_local = services.local(starts_at), services.local(ends_at)
        if end_local.date() != start_local.date() and not (
                end_local.time() == dt.time(0)
                and end_local.date() == start_local.date() + dt.timedelta(days=1)):
            raise BookingError(_("A booking must start and end on the same day."), "ends_at")
        title = data.get("title")
        if title is None:
            raise BookingError(_("This field is missing."), "title", "missing")
        if not isinstance(title, str):
            raise BookingError(_("Enter a title."), "title")
        purpose = data.get("purpose") or ""
        if not isinstance(purpose, str):
            raise BookingError(_("The purpose must be text."), "purpose")
        actor = request.identity
        outcome = services.book(
            request, room, owner, first_day=start_local.date(),
            start=start_local.time().replace(tzinfo=None),
            end=end_local.time().replace(tzinfo=None), title=title, purpose=purpose.strip(),
            attendees=attendees, organisation_id=organisation_id, recurrence=recurrence,
            actor=actor, source="on_behalf" if owner.id != actor.id else "")
    except BookingError as error:
        return _invalid(request, error)
    except Conflict as conflict:
        existing = conflict.existing
        return api_error(
            409, "conflict", _t(request, services.conflict_message(request, conflict)),
            conflicting=_public(existing) if existing else None,
            suggestions=[{"starts_at": s.isoformat(), "ends_at": e.isoformat()}
                         for s, e in services.suggestions(request, room, conflict.starts_at,
                                                          conflict.ends_at)])
    announce(request, outcome, owner, request.identity)
    request.response.status = 201
    first = outcome.created[0]
    request.response.location = request.route_url("booking.api.reservation", id=first.id)
    return {"reservation": first.as_dict(),
            "occurrences": [r.as_dict() for r in outcome.created],
            "skipped": [{"starts_at": s.isoformat(), "ends_at": e.isoformat(),
                         "reason": _t(request, reason)} for s, e, reason in outcome.skipped]}


@view_config(route_name="booking.api.reservations", renderer="json", permission=AUTHENTICATED,
             request_method="GET")
def listing(request):
    """The caller's reservations; staff may ask for everyone's (``all=1``) and filter."""
    params = request.GET
    stmt = sa.select(Reservation).order_by(Reservation.starts_at)
    if not (params.get("all") == "1" and request.has_permission(APPROVE)):
        stmt = stmt.where(Reservation.user_id == request.identity.id)
    try:
        room_id = whole_number(params.get("room_id"), "room_id", 1, MAX_ID, text=True)
        user_id = whole_number(params.get("user_id"), "user_id", 1, MAX_ID, text=True)
        organisation_id = whole_number(params.get("organisation_id"), "organisation_id", 1,
                                       MAX_ID, text=True)
        paging = read_paging(request, DEFAULT_LIMIT, MAX_LIMIT)
    except BookingError as error:
        return _invalid(request, error)
    except BadParameter as error:
        return api_error(422, "validation_failed", _t(request, error.translatable),
                         field=error.name, fields={error.name: "invalid"})
    if room_id is not None:
        stmt = stmt.where(Reservation.room_id == room_id)
    if user_id is not None and request.has_permission(APPROVE):
        stmt = stmt.where(Reservation.user_id == user_id)
    if organisation_id is not None and request.has_permission(APPROVE):
        stmt = stmt.where(Reservation.organisation_id == organisation_id)
    if params.get("status"):
        if params["status"] not in STATUSES:
            return api_error(422, "validation_failed",
                             _t(request, _("Unknown status.")), field="status")
        stmt = stmt.where(Reservation.status == params["status"])
    try:
        if params.get("from"):
            stmt = stmt.where(Reservation.ends_at > services.parse_iso(params["from"], "from"))
        if params.get("to"):
            stmt = stmt.where(Reservation.starts_at < services.parse_iso(params["to"], "to"))
    except BookingError as error:
        return _invalid(request, error)
    rows, total = page_of(request.dbsession, stmt.options(selectinload(Reservation.room))
                          .order_by(Reservation.id), paging)
    lang = language(request)
    return collection([{**r.as_dict(), "room": r.room.translated("name", lang)}
                       for r in rows], total, paging)


def _reservation(request) -> Reservation:
    reservation = request.dbsession.get(Reservation, _path_id(request))
    if reservation is None or not may_see(request, reservation):
        raise api_error(404, "not_found", _t(request, _("No such booking.")))
    return reservation


@view_config(route_name="booking.api.reservation", renderer="json", permission=AUTHENTICATED,
             request_method="GET")
def detail(request):
    return {"reservation": _reservation(request).as_dict()}


@view_config(route_name="booking.api.reservation", renderer="json", permission=AUTHENTICATED,
             request_method="DELETE")
def delete(request):
    """Cancel a reservation (it stays in the history as cancelled)."""
    reservation = _reservation(request)
    if not services.cancel(request, reservation):
        return api_error(409, "not_active", _t(request, _("The booking is not active.")))
    announce_cancellation(request, reservation, 1)
    return {"reservation": reservation.as_dict()}


_ERROR = error_response()
_INVALID = error_response("Invalid input: the error names the field (``details.field``) "
                          "and the rule, e.g. the allowed range of a number")
_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_PATH_ID = {"name": "id", "in": "path", "required": True, "schema": _ID,
            "description": "A whole number; anything else is a 422"}


_ONE = {"type": "object", "required": ["reservation"],
        "properties": {"reservation": ref("BookingReservation")}}


def _query(name, schema, description=""):
    return {"name": name, "in": "query", "schema": schema, "description": description}


OPENAPI = {
    "paths": {
        "/booking/rooms": {"get": {
            "tags": ["booking"], "summary": "Rooms that can be booked",
            "description": "Names, descriptions and locations are in the language asked for "
                           "with Accept-Language (Czech where a room has no English text); "
                           "translations holds the English texts.",
            "operationId": "listBookingRooms",
            "parameters": paging_parameters(ROOMS_LIMIT, ROOMS_LIMIT),
            "responses": {"200": {"description": "Rooms", "content": {"application/json": {
                "schema": collection_schema(ref("BookingRoom"))}}},
                "422": _INVALID}}},
        "/booking/rooms/{id}/availability": {"get": {
            "tags": ["booking"], "summary": "Busy times of a room (no personal details)",
            "operationId": "getBookingRoomAvailability",
            "x-hub-collection": False,  # bounded by its from/to window, not paged
            "parameters": [
                _PATH_ID,
                {"name": "from", "in": "query", "schema": {"type": "string",
                                                           "format": "date-time"}},
                {"name": "to", "in": "query", "schema": {"type": "string",
                                                         "format": "date-time"}}],
            "responses": {"200": {"description": "Busy times", "content": {
                "application/json": {"schema": ref("BookingAvailability")}}},
                "404": _ERROR, "422": _INVALID}}},
        "/booking/reservations": {
            "get": {"tags": ["booking"], "summary": "My reservations (staff: all=1, filters)",
                    "operationId": "listBookingReservations",
                    "parameters": [
                        _query("all", {"type": "string", "enum": ["1"]},
                               "staff: everyone's reservations"),
                        _query("room_id", _ID),
                        _query("user_id", _ID, "staff only"),
                        _query("organisation_id", _ID, "staff only"),
                        _query("status", {"type": "string", "enum": list(STATUSES)}),
                        _query("from", {"type": "string", "format": "date-time"}),
                        _query("to", {"type": "string", "format": "date-time"}),
                        *paging_parameters(DEFAULT_LIMIT, MAX_LIMIT)],
                    "responses": {"200": {"description": "Reservations", "content": {
                        "application/json": {"schema": collection_schema(
                            ref("BookingListedReservation"))}}},
                        "401": _ERROR, "422": _INVALID}},
            "post": {"tags": ["booking"], "summary": "Book a room (once or recurring)",
                     "operationId": "createBookingReservation",
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": ref("BookingRequest")}}},
                     "responses": {"201": {"description": "Booked", "content": {
                         "application/json": {"schema": {"type": "object", "properties": {
                             "reservation": ref("BookingReservation"),
                             "occurrences": {"type": "array",
                                             "items": ref("BookingReservation")},
                             "skipped": {"type": "array", "items": {"type": "object"}}}}}}},
                         "409": _ERROR, "422": _INVALID}}},
        "/booking/reservations/{id}": {
            "get": {"tags": ["booking"], "summary": "One of my reservations",
                    "operationId": "getBookingReservation",
                    "parameters": [_PATH_ID],
                    "responses": {"200": {"description": "Reservation", "content": {
                        "application/json": {"schema": _ONE}}},
                        "404": _ERROR, "422": _INVALID}},
            "delete": {"tags": ["booking"], "summary": "Cancel a reservation",
                       "operationId": "cancelBookingReservation",
                       "parameters": [_PATH_ID],
                       "responses": {"200": {"description": "Cancelled", "content": {
                           "application/json": {"schema": _ONE}}},
                           "404": _ERROR, "409": _ERROR, "422": _INVALID}}},
    },
    "components": {"schemas": {
        "BookingRoom": {"type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "capacity": {"type": "integer"}, "location": {"type": "string"},
            "description": {"type": "string"},
            "equipment": {"type": "array", "items": {"type": "string"}},
            "accessibility": {"type": "array", "items": {"type": "string",
                                                          "enum": list(ACCESSIBILITY_KEYS)}},
            "requires_approval": {"type": "boolean"},
            "representatives_book_directly": {"type": "boolean"},
            "translations": translations_schema(ROOM_TRANSLATIONS),
            "bookable_hours": {"type": "array", "items": {"type": "object"}}}},
        "BookingAvailability": {"type": "object", "properties": {
            "room_id": {"type": "integer"}, "from": {"type": "string", "format": "date-time"},
            "to": {"type": "string", "format": "date-time"},
            "busy": {"type": "array", "items": {"type": "object", "properties": {
                "starts_at": {"type": "string", "format": "date-time"},
                "ends_at": {"type": "string", "format": "date-time"},
                "status": {"type": "string"}}}},
            "closed": {"type": "array", "items": {"type": "object"}}}},
        "BookingRequest": {"type": "object", "required": ["room_id", "starts_at", "ends_at",
                                                          "title"], "properties": {
            "room_id": {**_ID, "examples": [1],
                        "description": "id of an active room (GET /booking/rooms)"},
            "starts_at": {"type": "string", "format": "date-time",
                          "description": "ISO 8601 with an offset, within the room's "
                                         "bookable hours"},
            "ends_at": {"type": "string", "format": "date-time",
                        "description": "after starts_at, on the same local day (or its "
                                       "midnight)"},
            "title": {"type": "string", "minLength": 1, "maxLength": 200,
                      "description": "not only spaces"},
            "purpose": {"type": "string"},
            "attendees": {"type": "integer", "minimum": 0, "maximum": MAX_ATTENDEES,
                          "default": 0, "description": "at most the room's capacity"},
            "organisation_id": {**_ID, "examples": [1],
                                "description": "an organisation the person belongs to"},
            "user_id": {**_ID, "examples": [1],
                        "description": "staff only: book for this person (the booking is "
                                       "theirs and they are told)"},
            "recurrence": {
                "type": "object", "required": ["frequency"],
                "description": "repeat the booking; give until or count",
                "anyOf": [{"required": ["until"]}, {"required": ["count"]}],
                "properties": {
                    "frequency": {"type": "string", "enum": list(FREQUENCIES)},
                    "interval": {"type": "integer", "minimum": 1, "maximum": 12,
                                 "default": 1},
                    "weekdays": {"type": "array", "items": {"type": "integer", "minimum": 0,
                                                            "maximum": 6},
                                 "description": "0 is Monday; weekly only (default: the "
                                                "first day's weekday)"},
                    "until": {"type": "string", "format": "date",
                              "description": "last day; needed unless count is given"},
                    "count": {"type": "integer", "minimum": 1, "maximum": MAX_OCCURRENCES,
                              "description": "at most this many occurrences"}}}}},
        "BookingReservation": {"type": "object", "properties": {
            "id": {"type": "integer"}, "room_id": {"type": "integer"},
            "title": {"type": "string"}, "purpose": {"type": "string"},
            "attendees": {"type": "integer"},
            "starts_at": {"type": "string", "format": "date-time"},
            "ends_at": {"type": "string", "format": "date-time"},
            "status": {"type": "string", "enum": list(STATUSES)},
            "series_id": {"type": ["integer", "null"]},
            "organisation_id": {"type": ["integer", "null"]},
            "decision_reason": {"type": "string"}}},
        "BookingListedReservation": {"allOf": [ref("BookingReservation"), {
            "type": "object", "properties": {"room": {
                "type": "string", "description": "the room's name in the language asked for "
                                                 "with Accept-Language"}}}]},
    }},
}
