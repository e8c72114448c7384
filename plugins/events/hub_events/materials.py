"""An event's materials: documents of the core's media library, beside free-text lines.

Staff pick documents of the library on the event form (``material_ids``); the event's
page and API list them with their title in the page's language, type, size and the
library's address. The library serves a file to visitors only when it is public, so only
public documents can be chosen (the form says to make a private one public first), and a
document made private later drops off the event's page rather than linking to a 404.
A document an event lists cannot be deleted from the library (``hub_media_usage``; the
foreign key RESTRICTs it too). The free-text ``Event.materials`` stays for external links.
"""
from __future__ import annotations

import sqlalchemy as sa

from hub import media
from hub.dates import language
from hub.media import MediaItem
from hub.params import format_size, is_id
from hub_events.i18n import _
from hub_events.models import Event, EventMaterial

MAX_MATERIALS = 50
# The library keeps PDFs as documents; the type people read beside the link.
TYPE_NAMES = {"application/pdf": "PDF"}


def document_choices(request, chosen=()) -> tuple:
    """``(id, label)`` of the library's documents, private ones marked, and the ones
    already ``chosen`` (ids as text) kept even beyond the list's limit."""
    items = list(request.dbsession.scalars(
        sa.select(MediaItem).where(MediaItem.kind == "document")
        .order_by(MediaItem.title, MediaItem.id).limit(500)))
    listed = {str(i.id) for i in items}
    missing = [int(c) for c in chosen if is_id(c) and c not in listed]
    if missing:
        items += request.dbsession.scalars(
            sa.select(MediaItem).where(MediaItem.id.in_(missing))).all()
    private = request.localizer.translate(_("(not public)"))
    return tuple((str(i.id), i.title if i.is_public else f"{i.title} {private}")
                 for i in items)


def read_material_ids(request, ids: list[str], errors: dict, field="material_ids") -> list[int]:
    """The chosen documents' ids in order; an error for anything else than a public
    document of the library."""
    if not ids:
        return []
    if len(ids) > MAX_MATERIALS:
        errors[field] = _("Choose at most ${n} documents.", mapping={"n": MAX_MATERIALS})
        return []
    wanted = [int(i) for i in ids if is_id(i)]
    found = {i.id: i for i in request.dbsession.scalars(
        sa.select(MediaItem).where(MediaItem.id.in_(wanted)))} if wanted else {}
    chosen = []
    for raw in ids:
        item = found.get(int(raw)) if is_id(raw) else None
        if item is None or item.kind != "document":
            errors[field] = _("Choose documents of the media library.")
            return []
        if not item.is_public:
            errors[field] = _("The document \u201c${title}\u201d is not public, so visitors "
                              "could not open it. Make the document public in the media "
                              "library first.", mapping={"title": item.title})
            return []
        chosen.append(item.id)
    return chosen


def material_ids(dbsession, event_id: int) -> list[int]:
    return list(dbsession.scalars(
        sa.select(EventMaterial.media_id).where(EventMaterial.event_id == event_id)
        .order_by(EventMaterial.position, EventMaterial.id)))


def set_materials(dbsession, event: Event, ids: list[int]) -> None:
    """Make the event's documents exactly ``ids``, in this order."""
    rows = {m.media_id: m for m in dbsession.scalars(
        sa.select(EventMaterial).where(EventMaterial.event_id == event.id))}
    for media_id, row in rows.items():
        if media_id not in ids:
            dbsession.delete(row)
    for position, media_id in enumerate(ids):
        row = rows.get(media_id)
        if row is None:
            dbsession.add(EventMaterial(event_id=event.id, media_id=media_id,
                                        position=position))
        else:
            row.position = position
    dbsession.flush()


def documents_of(request, event_ids) -> dict[int, list[MediaItem]]:
    """The public documents of each event (one statement for any number of events)."""
    ids = list(event_ids)
    if not ids:
        return {}
    rows = request.dbsession.execute(
        sa.select(EventMaterial.event_id, MediaItem)
        .join(MediaItem, MediaItem.id == EventMaterial.media_id)
        .where(EventMaterial.event_id.in_(ids), MediaItem.is_public.is_(True))
        .order_by(EventMaterial.event_id, EventMaterial.position, EventMaterial.id)).all()
    found: dict[int, list[MediaItem]] = {}
    for event_id, item in rows:
        found.setdefault(event_id, []).append(item)
    return found


def shown(request, event: Event) -> list[dict]:
    """The documents the event's page lists."""
    lang = language(request)
    return [{"title": item.translated("title", lang),
             "lang": item.language_of("title", lang),
             "url": media.media_url(request, item),
             "type": type_name(item), "size": format_size(item.size)}
            for item in documents_of(request, [event.id]).get(event.id, [])]


def type_name(item: MediaItem) -> str:
    return TYPE_NAMES.get(item.content_type) or \
        (item.file_name.rsplit(".", 1)[-1].upper() if "." in item.file_name else "")


def documents_json(request, items: list[MediaItem]) -> list[dict]:
    lang = language(request)
    return [{"id": item.id, "title": item.translated("title", lang),
             "url": request.route_url("media.file", id=item.id,
                                      name=item.file_name or "file"),
             "content_type": item.content_type, "size": item.size} for item in items]


def copy_materials(dbsession, source: Event, copy: Event) -> None:
    set_materials(dbsession, copy, material_ids(dbsession, source.id))


def usage(request, item) -> list:
    """``hub_media_usage``: the events listing ``item`` among their materials."""
    events = request.dbsession.scalars(
        sa.select(Event).join(EventMaterial, EventMaterial.event_id == Event.id)
        .where(EventMaterial.media_id == item.id).order_by(Event.id)).all()
    return [_("Material of the event \u201c${title}\u201d", mapping={"title": e.title})
            for e in events]


# -- the API's schema ------------------------------------------------------------------------

MATERIALS_SCHEMA = {
    "type": "array", "description": "Public documents of the media library",
    "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"},
        "url": {"type": "string", "format": "uri"}, "content_type": {"type": "string"},
        "size": {"type": "integer", "description": "Bytes"}}}}


def material_ids_schema(max_id: int) -> dict:
    return {"type": "array", "maxItems": MAX_MATERIALS, "uniqueItems": True,
            "items": {"type": "integer", "minimum": 1, "maximum": max_id},
            "description": "Public documents of the media library (/media) listed as the "
                           "event's materials, in this order (staff only)"}
