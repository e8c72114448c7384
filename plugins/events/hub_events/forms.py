"""Reading and checking the organiser's event form."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import object_session

from hub.dates import local_input, parse_local
from hub.organizations.models import Organisation
from hub.params import is_id
from hub.topics import STAKEHOLDER_TYPES, Topic
from hub_events.i18n import _
from hub_events.materials import material_ids, read_material_ids
from hub_events.models import ACCESSIBILITY, AUDIENCES, EVENT_STATES, KINDS, VENUES, Event
from hub_events.services import room_provider

EMBED_HOSTS = ("www.youtube-nocookie.com", "player.vimeo.com")  # allowed by the CSP
TEXT_FIELDS = {"title": 200, "summary": 500, "description": 20000, "speakers": 500,
               "address": 300, "accessibility_note": 2000,
               "online_url": 500, "questions": 1500, "privacy_notice": 5000, "video_url": 500,
               "embed_url": 500, "captions_url": 500, "transcript": 100000, "materials": 5000}
# Texts with an English version (``Event.TRANSLATED``), as long as their Czech ones.
TRANSLATED_FIELDS = {name: TEXT_FIELDS[name] for name in Event.TRANSLATED}
ENGLISH_FIELDS = tuple(f"{name}_en" for name in TRANSLATED_FIELDS)
TIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
URL_FIELDS = ("online_url", "video_url", "embed_url", "captions_url")


def parse_local_time(value: str) -> dt.datetime | None:
    """``hub.dates.parse_local``, but telling an empty field (``None``, the time is
    optional) from a wrong one (``ValueError``, shown as an error)."""
    if not (value or "").strip():
        return None
    parsed = parse_local(value)
    if parsed is None:
        raise ValueError(value)
    return parsed


def is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def form_values(event: Event | None) -> dict:
    """The form's initial values for ``event`` (or a new event)."""
    if event is None:
        # No venue is preselected: the organiser says where the event takes place.
        return {"kind": "lecture", "venue": "", "audience": "public", "state": "draft",
                "accessibility": [], "topics": [], "stakeholders": [], "capacity": "",
                "organisers": [], "material_ids": [],
                "organisation_id": "", "room_id": ""}
    values = {k: getattr(event, k) for k in (*TEXT_FIELDS, *ENGLISH_FIELDS)}
    values.update({k: local_input(getattr(event, k)) for k in TIME_FIELDS})
    values.update(kind=event.kind, venue=event.venue, audience=event.audience,
                  state=event.state, accessibility=list(event.accessibility or []),
                  topics=event.topic_slugs, stakeholders=list(event.stakeholders or []),
                  organisers=[str(u.id) for u in event.organisers],
                  capacity="" if event.capacity is None else str(event.capacity),
                  organisation_id=str(event.organisation_id or ""),
                  room_id=str(event.room_id or ""), approval_required=event.approval_required,
                  recording_published=event.recording_published,
                  recording_media_id=str(event.recording_media_id or ""),
                  material_ids=[str(i) for i in material_ids(object_session(event), event.id)])
    return values


def read_event_form(request, event: Event | None, data) -> tuple[dict, dict, dict]:
    """Return ``(raw values for re-display, cleaned values, errors by field)``."""
    raw = {k: (data.get(k) or "").strip() for k in (*TEXT_FIELDS, *ENGLISH_FIELDS)}
    raw.update({k: (data.get(k) or "").strip() for k in TIME_FIELDS})
    for key in ("kind", "venue", "audience", "state", "capacity", "organisation_id", "room_id",
                "recording_media_id"):
        raw[key] = (data.get(key) or "").strip()
    raw["accessibility"] = [a for a in data.getall("accessibility") if a in ACCESSIBILITY]
    raw["topics"] = list(dict.fromkeys(t.strip() for t in data.getall("topics") if t.strip()))
    raw["stakeholders"] = list(dict.fromkeys(data.getall("stakeholders")))
    raw["organisers"] = list(dict.fromkeys(data.getall("organisers")))
    raw["material_ids"] = list(dict.fromkeys(i.strip() for i in data.getall("material_ids")))
    raw["approval_required"] = data.get("approval_required") == "1"
    raw["recording_published"] = data.get("recording_published") == "1"
    errors: dict = {}
    clean: dict = {}
    for key, limit in TEXT_FIELDS.items():
        if len(raw[key]) > limit:
            errors[key] = _("This text is too long (at most ${n} characters).",
                            mapping={"n": limit})
        clean[key] = raw[key][:limit]
    for key, limit in TRANSLATED_FIELDS.items():
        english = f"{key}_en"
        if len(raw[english]) > limit:
            errors[english] = _("This text is too long (at most ${n} characters).",
                                mapping={"n": limit})
        clean[english] = raw[english][:limit]
    if not raw["title"]:
        errors["title"] = _("Enter a title.")
    for key, allowed in (("kind", KINDS), ("venue", VENUES), ("audience", AUDIENCES),
                         ("state", EVENT_STATES)):
        if raw[key] not in allowed:
            errors[key] = _("Choose one of the options.")
        clean[key] = raw[key]
    for key in TIME_FIELDS:
        try:
            clean[key] = parse_local_time(raw[key])
        except ValueError:
            errors[key] = _("Enter a date and time.")
            clean[key] = None
    for key in ("starts_at", "ends_at"):
        if clean[key] is None and key not in errors:
            errors[key] = _("Enter a date and time.")
    if clean["starts_at"] and clean["ends_at"] and clean["ends_at"] <= clean["starts_at"]:
        errors["ends_at"] = _("The event must end after it starts.")
    opens, closes = clean["registration_opens_at"], clean["registration_closes_at"]
    if opens and closes and closes <= opens:
        errors["registration_closes_at"] = _("Registration must close after it opens.")
    clean["capacity"] = None
    if raw["capacity"]:
        if raw["capacity"].isdigit() and int(raw["capacity"]) <= 100000:
            clean["capacity"] = int(raw["capacity"])
        else:
            errors["capacity"] = _("Enter a whole number of places, or leave it empty.")
    if event is not None and clean["capacity"] is not None and clean["capacity"] < event.taken:
        errors["capacity"] = _("${n} places are already taken; the limit cannot be lower.",
                               mapping={"n": event.taken})
    clean["organisation_id"] = None
    if raw["organisation_id"]:
        org = (request.dbsession.get(Organisation, int(raw["organisation_id"]))
               if is_id(raw["organisation_id"]) else None)
        if org is None:
            errors["organisation_id"] = _("Choose one of the options.")
        else:
            clean["organisation_id"] = org.id
    for key in URL_FIELDS:
        if clean[key] and not is_web_url(clean[key]):
            errors[key] = _("Enter a web address starting with https://.")
    if clean["embed_url"] and urlsplit(clean["embed_url"]).netloc not in EMBED_HOSTS:
        errors["embed_url"] = _("Embedded players can come from YouTube (youtube-nocookie.com) "
                                "or Vimeo (player.vimeo.com).")
    clean["accessibility"] = raw["accessibility"]
    clean["topics"] = _topics(request, raw["topics"], errors)
    clean["stakeholders"] = [s for s in raw["stakeholders"] if s in STAKEHOLDER_TYPES]
    if len(clean["stakeholders"]) != len(raw["stakeholders"]):
        errors["stakeholders"] = _("Choose one of the options.")
    clean["organisers"] = _organisers(request, event, raw["organisers"], errors)
    clean["approval_required"] = raw["approval_required"]
    clean["recording_published"] = raw["recording_published"]
    if clean["venue"] in ("online", "hybrid") and not clean["online_url"]:
        errors["online_url"] = _("Enter the stream or meeting link.")
    # A room stands in for the address only where the room is used (its name and location
    # become the address); with the venue "address" the room field is ignored.
    room_gives_address = clean["venue"] == "hybrid" and raw["room_id"]
    if clean["venue"] in ("address", "hybrid") and not clean["address"] and not room_gives_address:
        errors["address"] = _("Enter the address.")
    clean["room_id"] = None
    if clean["venue"] == "room" or (clean["venue"] == "hybrid" and raw["room_id"]):
        _check_room(request, raw, clean, errors)
    clean["material_ids"] = read_material_ids(request, raw["material_ids"], errors)
    clean["recording_media_id"] = None
    if raw["recording_media_id"]:
        from hub_events.recordings import media_problem

        problem = (media_problem(request, raw["recording_media_id"])
                   if is_id(raw["recording_media_id"])
                   else _("Choose a video or audio recording of the media library."))
        if problem:
            errors["recording_media_id"] = problem
        else:
            clean["recording_media_id"] = int(raw["recording_media_id"])
    if clean["recording_published"]:
        from hub_events.recordings import recording_problem

        hosted = clean["recording_media_id"]
        if not (clean["video_url"] or clean["embed_url"] or hosted):
            errors["recording_published"] = _("Add the video link or choose a recording "
                                              "from the media library before publishing "
                                              "the recording.")
        elif hosted and (problem := recording_problem(request, hosted)):
            errors["recording_published"] = problem
        else:
            from hub_events.release import publish_problem

            problem = publish_problem(request, event)
            if problem:
                errors["recording_published"] = problem
    return raw, clean, errors


def _organisers(request, event: Event | None, ids: list[str], errors: dict) -> list:
    """Chosen organisers: staff, or people who already organise the event."""
    from hub.accounts.models import User

    wanted = {int(i) for i in ids[:100] if i.isdigit()}
    found = request.dbsession.scalars(sa.select(User).where(User.id.in_(wanted))).all() \
        if wanted else []
    kept = {u.id for u in (event.organisers if event else [])}
    chosen = [u for u in found if u.id in kept or (u.is_active and u.role in ("staff", "admin"))]
    if len(chosen) != len(ids):
        errors["organisers"] = _("Choose one of the options.")
    return chosen


def _topics(request, slugs: list[str], errors: dict) -> list[Topic]:
    """The chosen topics of the core's taxonomy (active ones, or ones the event keeps)."""
    if not slugs:
        return []
    found = {t.slug: t for t in request.dbsession.scalars(
        sa.select(Topic).where(Topic.slug.in_(slugs[:100])))}
    if len(found) != len(slugs):
        errors["topics"] = _("Choose topics from the list.")
    return [found[s] for s in slugs if s in found]


def _check_room(request, raw, clean, errors) -> None:
    provider = room_provider(request)
    if provider is None:
        errors["room_id"] = _("Room booking is not available; choose another venue.")
        return
    room = provider.room(int(raw["room_id"])) if is_id(raw["room_id"]) else None
    if room is None:
        errors["room_id"] = _("Choose a room.")
        return
    clean["room_id"] = room["id"]
    if clean["capacity"] is None:
        clean["capacity"] = room["capacity"]
    elif clean["capacity"] > room["capacity"]:
        errors["capacity"] = _("The room holds ${n} people; the limit cannot be higher.",
                               mapping={"n": room["capacity"]})
    if not clean["address"]:
        clean["address"] = ", ".join(p for p in (room["name"], room.get("location") or "") if p)
    if not clean["accessibility"]:
        clean["accessibility"] = [a for a in room.get("accessibility") or []
                                  if a in ACCESSIBILITY]


def organisation_choices(request) -> list:
    return request.dbsession.execute(
        sa.select(Organisation.id, Organisation.name).order_by(Organisation.name)).all()
