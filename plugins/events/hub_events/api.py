"""JSON API: /api/v1/events..."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.view import view_config
from sqlalchemy.orm import selectinload
from webob.multidict import MultiDict

from hub.api import api_error
from hub.api.collections import (
    collection,
    page_of,
    read_paging,
)
from hub.dates import language
from hub.security import AUTHENTICATED, PUBLIC
from hub.translations import read_translations, translations_json
from hub_events import materials, services
from hub_events.forms import (
    ENGLISH_FIELDS,
    TRANSLATED_FIELDS,
    read_event_form,
)
from hub_events.i18n import _
from hub_events.models import (
    CONFIRMED,
    NOT_PUBLIC,
    Event,
    Registration,
)
from hub_events.permissions import MANAGE
from hub_events.recordings import preload_hosted
from hub_events.services import RegistrationError
from hub_events.views import (
    PAGE_SIZE,
    Filters,
    can_manage,
    event_query,
    may_run_event,
)

MAX_LIMIT = 100
# Everyone's registrations were listed up to this many before paging, so it stays the default.
MINE_LIMIT = 500


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
    hosted = preload_hosted(request.dbsession, events)  # noqa: F841 (kept in the identity map)
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
