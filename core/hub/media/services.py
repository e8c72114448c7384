"""What pages, the API and plugins do with the library: find, store, serve, check use."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy.orm import selectinload

from hub import storage as store
from hub.i18n import _
from hub.media.models import CAPTION_LANGUAGES, KINDS, MediaCaption, MediaItem
from hub.media.vtt import read_vtt
from hub.params import format_size
from hub.shell import flatten
from hub.uploads import UploadError, claim

NAMESPACE = "media"
MB = 1024 * 1024
IMAGE_MAX = 20 * MB
DOCUMENT_MAX = 50 * MB
# A file sent in the form or the API's multipart body is read into memory, so the body of
# those requests stays small; larger recordings come through the resumable upload.
FORM_MAX = 200 * MB

TYPES = {"image": store.IMAGES, "document": frozenset({store.PDF}),
         "audio": store.AUDIOS, "video": store.VIDEOS}
ALL_TYPES = frozenset().union(*TYPES.values())
KIND_LABELS = {"image": _("Image"), "document": _("Document (PDF)"), "audio": _("Audio"),
               "video": _("Video")}
LANGUAGE_LABELS = {"cs": _("Czech"), "en": _("English")}


class MediaError(Exception):
    """Input refused: ``field`` (or ``None``) and a translation string for people."""

    def __init__(self, field: str | None, message, conflict: bool = False):
        super().__init__(field)
        self.field = field
        self.message = message
        # The input was fine but cannot be used now (an unknown or unfinished upload).
        self.conflict = conflict


def kind_of(content_type: str) -> str:
    for kind in KINDS:
        if content_type in TYPES[kind]:
            return kind
    raise ValueError(content_type)


def max_size(registry, kind: str | None = None) -> int:
    """The largest file of ``kind`` (``None``: of any kind) the library accepts."""
    largest = registry.settings["hub.media.max_size"]
    limit = {"image": IMAGE_MAX, "document": DOCUMENT_MAX}.get(kind, largest)
    return min(limit, largest)


# -- finding and linking --------------------------------------------------------------------

def get_media(dbsession, media_id) -> MediaItem | None:
    """The item with ``media_id`` or ``None`` (also for ids that are not whole numbers)."""
    from hub.params import is_id

    if isinstance(media_id, int) and not isinstance(media_id, bool):
        media_id = str(media_id)
    if not is_id(media_id):
        return None
    return dbsession.get(MediaItem, int(media_id))


def media_url(request, item: MediaItem) -> str:
    """The core's address of the file: ``/media/<id>/<file name>``."""
    return request.route_path("media.file", id=item.id, name=item.file_name or "file")


def caption_url(request, item: MediaItem, language: str) -> str:
    return request.route_path("media.caption", id=item.id, lang=language)


def can_manage(request) -> bool:
    from hub.media import MANAGE

    return request.identity is not None and bool(request.has_permission(MANAGE))


def may_read(request, item: MediaItem) -> bool:
    """The core's own rule: public items for anyone, the rest for the library's staff."""
    return item.is_public or can_manage(request)


def media_response(request, item: MediaItem):
    """The file of ``item`` as a response: ranges (206, 416), ETag, Last-Modified,
    nosniff, shown in the browser. The caller has decided that the person may read it."""
    response = store.storage(request).file_response(
        request, item.file_key, item.file_name, item.content_type, inline=True,
        cache_control="public, max-age=3600" if item.is_public else "private, no-store")
    response.etag = item.sha256
    response.last_modified = item.updated_at or item.created_at
    # WebOb answers Range (206, 416) and If-None-Match (304) when the response is sent.
    return response


def caption_response(request, item: MediaItem, language: str):
    from pyramid.response import Response

    caption = item.caption(language)
    if caption is None:
        raise HTTPNotFound()
    response = Response(caption.vtt, content_type="text/vtt", charset="utf-8")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = ("public, max-age=3600" if item.is_public
                                         else "private, no-store")
    return response


# -- storing ------------------------------------------------------------------------------

def store_upload(request, *, file=None, token: str = "",
                 kind: str | None = None) -> store.StoredFile:
    """Store the posted file (a ``cgi.FieldStorage``-like object) or claim the resumable
    upload ``token``; ``kind`` restricts the types. Raises ``MediaError``."""
    allowed = TYPES[kind] if kind else ALL_TYPES
    largest = max_size(request.registry, kind)
    try:
        if token:
            # The file of a finished resumable upload (``hub.uploads``), moved here.
            stored = claim(request, token, namespace=NAMESPACE, max_size=largest,
                           allowed_types=allowed)
        elif file is not None and getattr(file, "file", None) is not None:
            stored = store.storage(request).save(
                file.file, namespace=NAMESPACE, filename=file.filename or "",
                content_type=getattr(file, "type", None),
                max_size=largest, allowed_types=allowed)
        else:
            raise MediaError("file", _("Choose a file."))
    except (store.StorageError, UploadError) as exc:
        raise MediaError("file", exc.message,
                         conflict=not isinstance(exc, store.StorageError)) from None
    if kind is None:
        # Any type was accepted up to the largest size; images and PDFs have lower limits.
        own = max_size(request.registry, kind_of(stored.content_type))
        if stored.size > own:
            store.storage(request).delete(stored.key)
            raise MediaError("file", _("The file is larger than ${size}.",
                                       mapping={"size": format_size(own)}))
    return stored


def apply_file(item: MediaItem, stored: store.StoredFile) -> None:
    item.kind = kind_of(stored.content_type)
    item.file_key, item.file_name = stored.key, stored.filename
    item.content_type, item.size, item.sha256 = (stored.content_type, stored.size,
                                                 stored.sha256)


def set_caption(item: MediaItem, language: str, text: str | bytes | None) -> None:
    """Replace the captions in ``language`` (``""`` removes them). Raises ``MediaError``
    with the field ``captions_<language>`` when the text is not valid WebVTT."""
    if language not in CAPTION_LANGUAGES:
        raise MediaError("captions", _("Captions can be in Czech or English."))
    field = f"captions_{language}"
    if text is None:
        return
    if not text.strip():
        existing = item.caption(language)
        if existing is not None:
            item.captions.remove(existing)
        return
    vtt, problem = read_vtt(text)
    if problem is not None:
        raise MediaError(field, problem)
    existing = item.caption(language)
    if existing is None:
        item.captions.append(MediaCaption(language=language, vtt=vtt))
    else:
        existing.vtt = vtt


def choose_poster(dbsession, item: MediaItem, poster_id) -> None:
    if poster_id in (None, "", 0):
        item.poster = None
        return
    poster = get_media(dbsession, poster_id)
    if poster is None or poster.kind != "image" or poster is item:
        raise MediaError("poster_id", _("Choose an image of the library."))
    item.poster = poster


def image_choices(request) -> list[MediaItem]:
    return request.dbsession.scalars(
        sa.select(MediaItem).where(MediaItem.kind == "image")
        .order_by(MediaItem.title, MediaItem.id).limit(500)).all()


def playable_choices(request) -> list[MediaItem]:
    """Audio and video items (with their captions), for plugins that offer a recording
    from the library."""
    return request.dbsession.scalars(
        sa.select(MediaItem).options(selectinload(MediaItem.captions))
        .where(MediaItem.kind.in_(("audio", "video")))
        .order_by(MediaItem.created_at.desc(), MediaItem.id.desc()).limit(500)).all()


# -- use and deletion ---------------------------------------------------------------------

def usages(request, item: MediaItem) -> list:
    """What still uses ``item``: descriptions (translation strings or text) from every
    plugin's ``hub_media_usage``."""
    return flatten(request.hooks.hub_media_usage(request=request, item=item))


def shown_in(item: MediaItem, *columns) -> sa.ColumnElement[bool]:
    """A condition true for rows whose HTML ``columns`` show ``item`` (its address,
    ``/media/<id>/``, as the sanitiser keeps it): for a plugin's ``hub_media_usage``."""
    address = f"%/media/{int(item.id)}/%"
    return sa.or_(*(column.like(address) for column in columns))


def delete_item(request, item: MediaItem) -> list:
    """Delete ``item`` and its file (after commit) unless something uses it; return the
    uses that prevented it (empty when deleted)."""
    used = usages(request, item)
    if used:
        return used
    key = item.file_key
    request.dbsession.delete(item)
    request.dbsession.flush()
    store.storage(request).delete(key)
    return []
