"""``/api/v1/media``: the library for API clients and the hub's own editor.

``GET`` lists items (staff: all, others: public ones only), filtered by ``kind`` and a
title search ``q``; an item carries ``url`` and ``alt`` in the request's language and the
English texts under ``translations``. Staff create items with a multipart body (``file``
and the fields) or a JSON body naming a finished resumable upload (``upload``), change
them with ``PATCH`` and delete them (409 while a plugin uses the item).
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from hub.api import api_error, json_body
from hub.api.collections import (
    collection,
    collection_schema,
    page_of,
    paging_parameters,
    read_paging,
)
from hub.api.openapi import error_response, json_content, ref
from hub.dates import language
from hub.i18n import _
from hub.media import MANAGE
from hub.media import services as media
from hub.media.models import CAPTION_LANGUAGES, KINDS, MediaItem
from hub.security import PUBLIC
from hub.translations import read_translations, translations_json, translations_schema

LIMITS = {"title": 200, "alt": 500, "transcript": 200000}
TRUE = ("1", "true", "on", "yes")


def _t(request, message) -> str:
    return request.localizer.translate(message)


def item_json(request, item: MediaItem) -> dict:
    lang = language(request)
    return {
        "id": item.id, "kind": item.kind, "title": item.translated("title", lang),
        "alt": item.translated("alt", lang), "transcript": item.translated("transcript", lang),
        "url": request.route_url("media.file", id=item.id, name=item.file_name or "file"),
        "file_name": item.file_name, "content_type": item.content_type, "size": item.size,
        "is_public": item.is_public,
        "poster_url": (request.route_url("media.file", id=item.poster.id,
                                         name=item.poster.file_name or "file")
                       if item.poster is not None else None),
        "captions": [{"language": c.language,
                      "url": request.route_url("media.caption", id=item.id, lang=c.language)}
                     for c in item.captions],
        "translations": translations_json(item),
        "created_at": item.created_at.isoformat(),
        "updated_at": (item.updated_at or item.created_at).isoformat(),
    }


@view_config(route_name="media.api", request_method="GET", renderer="json", permission=PUBLIC)
def list_media(request):
    paging = read_paging(request)
    kind = request.GET.get("kind", "")
    if kind and kind not in KINDS:
        raise api_error(422, "validation_failed", _t(request, _("Choose one of the kinds.")),
                        fields={"kind": "invalid"})
    public = request.GET.get("public", "")
    if public not in ("", "1"):
        raise api_error(422, "validation_failed", _t(request, _("Leave it out or give 1.")),
                        fields={"public": "invalid"})
    stmt = sa.select(MediaItem).options(selectinload(MediaItem.poster),
                                        selectinload(MediaItem.captions))
    if public or not media.can_manage(request):
        stmt = stmt.where(MediaItem.is_public.is_(True))
    if kind:
        stmt = stmt.where(MediaItem.kind == kind)
    query = request.GET.get("q", "").strip()[:200]
    if query:
        from hub.admin.views import matches

        stmt = stmt.where(sa.or_(matches(request, MediaItem.title, query),
                                 matches(request, MediaItem.title_en, query)))
    rows, total = page_of(request.dbsession, stmt.order_by(
        MediaItem.created_at.desc(), MediaItem.id.desc()), paging)
    return collection([item_json(request, i) for i in rows], total, paging)


def _item(request, manage: bool = False) -> MediaItem:
    item = media.get_media(request.dbsession, request.matchdict["id"])
    if item is None or not (media.can_manage(request) if manage
                            else media.may_read(request, item)):
        raise api_error(404, "not_found", _t(request, _("No such file in the library.")))
    return item


@view_config(route_name="media.api_item", request_method="GET", renderer="json",
             permission=PUBLIC)
def get_item(request):
    return item_json(request, _item(request))


def _body(request) -> tuple[dict, object | None]:
    """The fields of a JSON or multipart body, and the posted file (multipart only)."""
    if (request.content_type or "").startswith("multipart/form-data"):
        post = request.POST
        data = {k: post.get(k) for k in ("upload", "title", "alt", "transcript")
                if isinstance(post.get(k), str)}
        english = {k: post.get(f"{k}_en") for k in ("title", "alt", "transcript")
                   if isinstance(post.get(f"{k}_en"), str)}
        if english:
            data["translations"] = {"en": english}
        if "is_public" in post:
            data["is_public"] = post.get("is_public", "").lower() in TRUE
        if "poster_id" in post:
            data["poster_id"] = post.get("poster_id") or None
        captions = {}
        for lang in CAPTION_LANGUAGES:
            value = post.get(f"captions_{lang}")
            if getattr(value, "file", None) is not None:
                captions[lang] = value.file.read()
            elif isinstance(value, str):
                captions[lang] = value
        if captions:
            data["captions"] = captions
        upload = post.get("file")
        return data, upload if getattr(upload, "file", None) is not None else None
    return json_body(request), None


def _apply(request, item: MediaItem, data: dict, errors: dict) -> None:
    """Copy the body's fields onto ``item``, collecting errors by field."""
    translate = request.localizer.translate
    for name, limit in LIMITS.items():
        if name not in data:
            continue
        value = data[name]
        if not isinstance(value, str):
            errors[name] = "must be a string"
        elif len(value.strip()) > limit:
            errors[name] = f"at most {limit} characters"
        else:
            setattr(item, name, value.strip())
    values, problems = read_translations(data, LIMITS)
    errors.update(problems)
    for key, value in values.items():
        setattr(item, key, value)
    if "is_public" in data:
        if isinstance(data["is_public"], bool):
            item.is_public = data["is_public"]
        else:
            errors["is_public"] = "must be true or false"
    if "poster_id" in data:
        poster = data["poster_id"]
        if item.kind != "video" and poster is not None:
            errors["poster_id"] = translate(_("Only a video has a poster."))
        else:
            try:
                media.choose_poster(request.dbsession, item, poster)
            except media.MediaError as exc:
                errors["poster_id"] = translate(exc.message)
    if "captions" in data:
        captions = data["captions"]
        if not isinstance(captions, dict):
            errors["captions"] = "must be an object"
        elif not item.is_playable and captions:
            errors["captions"] = translate(_("Only audio and video have captions."))
        else:
            for lang, text in captions.items():
                if lang not in CAPTION_LANGUAGES:
                    errors[f"captions.{lang}"] = "unknown language"
                elif not isinstance(text, str | bytes):
                    errors[f"captions.{lang}"] = "must be a string"
                else:
                    try:
                        media.set_caption(item, lang, text)
                    except media.MediaError as exc:
                        errors[f"captions.{lang}"] = translate(exc.message)
    if not item.title.strip():
        errors.setdefault("title", translate(_("Enter a title.")))
    if item.kind == "image" and not item.alt.strip():
        errors.setdefault("alt", translate(_(
            "Describe the image for people who cannot see it (alternative text).")))


def _refuse(request, errors: dict):
    request.tm.doom()
    first = next(iter(errors.values()))
    message = first if first and first[0].isupper() else _t(
        request, _("Some fields are not valid; nothing was saved."))
    return api_error(422, "validation_failed", message, fields=errors)


@view_config(route_name="media.api", request_method="POST", renderer="json", permission=MANAGE)
def create_item(request):
    data, upload = _body(request)
    token = data.get("upload") if isinstance(data.get("upload"), str) else ""
    if upload is None and not token:
        return _refuse(request, {"file": _t(request, _(
            "Send the file (multipart field file) or a finished upload (upload)."))})
    try:
        stored = media.store_upload(request, file=upload, token=token)
    except media.MediaError as exc:
        request.tm.doom()
        if exc.conflict:
            # The upload is unknown, not the sender's or not finished: the state of data.
            return api_error(409, "upload_unusable", _t(request, exc.message))
        return api_error(422, "validation_failed", _t(request, exc.message),
                         fields={"file": "invalid"})
    # Private unless the body says otherwise: publishing is a decision, never a default.
    item = MediaItem(created_by_id=request.identity.id, title="", is_public=False)
    media.apply_file(item, stored)
    errors: dict = {}
    with request.dbsession.no_autoflush:
        _apply(request, item, {k: v for k, v in data.items() if k != "upload"}, errors)
    if errors:
        return _refuse(request, errors)
    request.dbsession.add(item)
    request.dbsession.flush()
    request.response.status = 201
    request.response.headers["Location"] = request.route_url("media.api_item", id=item.id)
    return item_json(request, item)


@view_config(route_name="media.api_item", request_method="PATCH", renderer="json",
             permission=MANAGE)
def update_item(request):
    item = _item(request, manage=True)
    data = json_body(request)
    unknown = set(data) - {"title", "alt", "transcript", "translations", "is_public",
                           "poster_id", "captions"}
    errors: dict = {name: "unknown field" for name in sorted(unknown)}
    with request.dbsession.no_autoflush:  # a refused value must not reach the database
        _apply(request, item, data, errors)
    if errors:
        return _refuse(request, errors)
    request.dbsession.flush()
    return item_json(request, item)


@view_config(route_name="media.api_item", request_method="DELETE", renderer="json",
             permission=MANAGE)
def delete_item(request):
    item = _item(request, manage=True)
    uses = media.delete_item(request, item)
    if uses:
        request.tm.doom()
        return api_error(409, "in_use", _t(request, _(
            "The file is still used, so it cannot be deleted.")),
            uses=[_t(request, u) for u in uses])
    return {"deleted": True, "id": int(request.matchdict["id"])}


# -- the document ---------------------------------------------------------------------------

def openapi() -> dict:
    texts = {"title": {"type": "string", "maxLength": LIMITS["title"]},
             "alt": {"type": "string", "maxLength": LIMITS["alt"],
                     "description": "Alternative text of an image (required for images)."},
             "transcript": {"type": "string", "maxLength": LIMITS["transcript"]}}
    captions = {"type": "object", "additionalProperties": False,
                "description": "WebVTT text per language; an empty text removes the captions.",
                "properties": {lang: {"type": "string"} for lang in CAPTION_LANGUAGES}}
    changes = {"translations": translations_schema(LIMITS), "is_public": {"type": "boolean"},
               "poster_id": {"type": ["integer", "null"], "minimum": 1,
                             "description": "An image of the library (videos only)."},
               "captions": captions}
    item_id = [{"name": "id", "in": "path", "required": True,
                "schema": {"type": "integer", "minimum": 1}}]
    item = json_content(ref("MediaItem"))
    not_found = error_response("No such item (or not public)")
    return {
        "paths": {
            "/media": {
                "get": {
                    "operationId": "listMedia", "tags": ["media"],
                    "summary": "Files of the media library (staff: all; others: public ones)",
                    "parameters": [
                        *paging_parameters(),
                        {"name": "kind", "in": "query", "required": False,
                         "schema": {"type": "string", "enum": list(KINDS)}},
                        {"name": "q", "in": "query", "required": False,
                         "description": "Words of the title.",
                         "schema": {"type": "string", "maxLength": 200}},
                        {"name": "public", "in": "query", "required": False,
                         "description": "1: public items only (what a page may show), "
                                        "also for staff.",
                         "schema": {"type": "string", "enum": ["1"]}}],
                    "responses": {"200": {"description": "OK",
                                          "content": json_content(ref("MediaList"))},
                                  "422": error_response("Invalid input")}},
                "post": {
                    "operationId": "createMedia", "tags": ["media"],
                    "summary": "Add a file to the library (staff)",
                    "description": "A JSON body names a finished resumable upload "
                                   "(`upload`). A `multipart/form-data` body may send the "
                                   "file itself as `file` (up to 200 MB) with the same "
                                   "fields (`title_en`, `alt_en`, `transcript_en`, "
                                   "`captions_cs`, `captions_en` as text or files). The kind "
                                   "follows the file's content; an image needs `alt`. A file "
                                   "is private unless `is_public` is true.",
                    "requestBody": {"required": True, "content": json_content({
                        "type": "object", "additionalProperties": False,
                        "required": ["upload", "title"],
                        "properties": {"upload": {"type": "string", "minLength": 1,
                                                  "description": "Token of a finished "
                                                                 "resumable upload."},
                                       **texts, **changes}})},
                    "responses": {"201": {"description": "Created", "content": item},
                                  "401": error_response("Not authenticated"),
                                  "403": error_response("Not the library's staff"),
                                  "409": error_response("The upload cannot be used"),
                                  "413": error_response("Too large"),
                                  "422": error_response("Invalid input")}}},
            "/media/{id}": {
                "get": {
                    "operationId": "getMedia", "tags": ["media"],
                    "summary": "One file of the library", "parameters": item_id,
                    "responses": {"200": {"description": "OK", "content": item},
                                  "404": not_found}},
                "patch": {
                    "operationId": "updateMedia", "tags": ["media"],
                    "summary": "Change a file's texts, captions, poster or visibility (staff)",
                    "parameters": item_id,
                    "requestBody": {"required": True, "content": json_content({
                        "type": "object", "additionalProperties": False,
                        "properties": {**texts, **changes}})},
                    "responses": {"200": {"description": "OK", "content": item},
                                  "404": not_found, "422": error_response("Invalid input")}},
                "delete": {
                    "operationId": "deleteMedia", "tags": ["media"],
                    "summary": "Delete a file (staff); refused while a page uses it",
                    "parameters": item_id,
                    "responses": {"200": {"description": "Deleted", "content": json_content({
                        "type": "object", "required": ["deleted", "id"],
                        "properties": {"deleted": {"type": "boolean"},
                                       "id": {"type": "integer"}}})},
                        "404": not_found,
                        "409": error_response("Still used (details.uses says where)")}}},
        },
        "components": {"schemas": {
            "MediaItem": {
                "type": "object",
                "required": ["id", "kind", "title", "alt", "transcript", "url", "file_name",
                             "content_type", "size", "is_public", "poster_url", "captions",
                             "translations", "created_at", "updated_at"],
                "properties": {
                    "id": {"type": "integer"},
                    "kind": {"type": "string", "enum": list(KINDS)},
                    "title": {"type": "string"}, "alt": {"type": "string"},
                    "transcript": {"type": "string"},
                    "url": {"type": "string", "format": "uri"},
                    "file_name": {"type": "string"}, "content_type": {"type": "string"},
                    "size": {"type": "integer", "minimum": 0},
                    "is_public": {"type": "boolean"},
                    "poster_url": {"type": ["string", "null"]},
                    "captions": {"type": "array", "items": {
                        "type": "object", "required": ["language", "url"],
                        "properties": {"language": {"type": "string",
                                                    "enum": list(CAPTION_LANGUAGES)},
                                       "url": {"type": "string"}}}},
                    "translations": translations_schema(LIMITS),
                    "created_at": {"type": "string", "format": "date-time"},
                    "updated_at": {"type": "string", "format": "date-time"}}},
            "MediaList": collection_schema(ref("MediaItem")),
        }},
    }
