"""The files and captions at ``/media/...`` and the staff's library at ``/admin/media``."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from hub.accounts.forms import Field, Form
from hub.admin.views import matches
from hub.i18n import _
from hub.media import MANAGE
from hub.media import services as media
from hub.media.models import CAPTION_LANGUAGES, KINDS, MediaItem
from hub.params import format_size, page_param
from hub.security import PUBLIC

PAGE_SIZE = 30
UPLOAD_LABELS = {"image": _("Upload an image"), "document": _("Upload a document (PDF)"),
                 "audio": _("Upload an audio recording"),
                 "video": _("Upload a video recording")}
TYPE_HINTS = {"image": _("PNG, JPEG, WebP or GIF, at most 20 MB."),
              "document": _("PDF, at most 50 MB."),
              "audio": _("MP3, Ogg, M4A or WebM audio."),
              "video": _("MP4 or WebM video.")}
REPLACE_HINT = _("A new file replaces the current one; leave the field empty to keep it.")


# -- files for readers --------------------------------------------------------------------

def _readable(request) -> MediaItem:
    item = media.get_media(request.dbsession, request.matchdict["id"])
    if item is None or not media.may_read(request, item):
        raise HTTPNotFound()  # a private item is not there for those who may not read it
    return item


@view_config(route_name="media.file", permission=PUBLIC, request_method=("GET", "HEAD"))
def media_file(request):
    return media.media_response(request, _readable(request))


@view_config(route_name="media.caption", permission=PUBLIC, request_method=("GET", "HEAD"))
def media_caption(request):
    return media.caption_response(request, _readable(request), request.matchdict["lang"])


# -- the staff's library ------------------------------------------------------------------

@view_config(route_name="media.admin", renderer="hub:templates/media/list.pt",
             permission=MANAGE, request_method="GET")
def library(request):
    query = request.params.get("q", "").strip()[:200]
    kind = request.params.get("kind", "")
    stmt = sa.select(MediaItem).options(selectinload(MediaItem.captions))
    if kind in KINDS:
        stmt = stmt.where(MediaItem.kind == kind)
    else:
        kind = ""
    if query:
        stmt = stmt.where(sa.or_(matches(request, MediaItem.title, query),
                                 matches(request, MediaItem.title_en, query)))
    page = page_param(request)
    found = request.dbsession.scalars(
        stmt.order_by(MediaItem.created_at.desc(), MediaItem.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return {"items": found[:PAGE_SIZE], "query": query, "kind": kind, "page": page,
            "has_next": len(found) > PAGE_SIZE, "kinds": KINDS,
            "kind_labels": media.KIND_LABELS, "upload_labels": UPLOAD_LABELS,
            "size_text": format_size,
            "breadcrumbs": [(_("Media library"), None)]}


def _fields(request, kind: str, item: MediaItem | None) -> list[Field]:
    fields = [
        Field("title", _("Title"), maxlength=200),
        Field("title_en", _("Title in English"), required=False, maxlength=200),
    ]
    if kind == "image":
        fields += [
            Field("alt", _("Alternative text"), "textarea", maxlength=500,
                  hint=_("What the image shows, for people who cannot see it.")),
            Field("alt_en", _("Alternative text in English"), "textarea", required=False,
                  maxlength=500),
        ]
    if kind in ("audio", "video"):
        fields += [
            Field("transcript", _("Transcript"), "textarea", required=False, maxlength=200000,
                  hint=_("Everything that is said and heard, for people who cannot listen. "
                         "Separate paragraphs with an empty line.")),
            Field("transcript_en", _("Transcript in English"), "textarea", required=False,
                  maxlength=200000),
        ]
    if kind == "video":
        posters = [i for i in media.image_choices(request) if item is None or i.id != item.id]
        fields.append(Field("poster_id", _("Poster image"), "select", required=False,
                            maxlength=None,
                            options=(("", _("No poster")),
                                     *((str(i.id), i.title) for i in posters)),
                            hint=_("Shown before the video plays; a public image of the "
                                   "library.")))
    fields.append(Field(
        "is_public", _("Anyone may open the file"), "checkbox", required=False,
        hint=_("Images in articles and newsletters must be public. A photo or a recording "
               "of people stays private until they have agreed to its publication; a page "
               "that shows a file under its own rules (a published event recording) plays "
               "it anyway.")))
    return fields


def _values(item: MediaItem | None) -> dict:
    if item is None:
        # Publishing is a decision staff take for each file, never a default.
        return {"is_public": False, "poster_id": ""}
    values = {name: getattr(item, name) for name in
              ("title", "title_en", "alt", "alt_en", "transcript", "transcript_en",
               "is_public")}
    values["poster_id"] = str(item.poster_id or "")
    for language in CAPTION_LANGUAGES:
        caption = item.caption(language)
        values[f"captions_{language}"] = caption.vtt if caption is not None else ""
    return values


def _page(request, form: Form, kind: str, item: MediaItem | None, status: int = 200,
          uses: list | None = None):
    heading = UPLOAD_LABELS[kind] if item is None else item.title
    action = (request.route_path("media.admin_new", _query={"kind": kind}) if item is None
              else request.route_path("media.admin_edit", id=item.id))
    labels = {"file": _("File"), **{f.name: f.label for f in form.fields},
              "captions_cs": _("Captions in Czech"), "captions_en": _("Captions in English")}
    order = ["file", *(f.name for f in form.fields), "captions_cs", "captions_en"]
    summary = [(f"media-{name}", labels[name], form.errors[name]) for name in order
               if name in form.errors]
    values = {
        "summary": summary, "caption_labels": labels,
        "form": form, "form_id": "media-form", "kind": kind, "item": item,
        "heading": heading, "action": action, "uses": uses or [],
        "file_hint": " ".join(request.localizer.translate(t) for t in (
            TYPE_HINTS[kind], *(() if item is None else (REPLACE_HINT,)))),
        "kind_label": media.KIND_LABELS[kind],
        "caption_languages": CAPTION_LANGUAGES if kind in ("audio", "video") else (),
        "language_labels": media.LANGUAGE_LABELS,
        "file_url": media.media_url(request, item) if item is not None else None,
        "size_text": format_size,
        "breadcrumbs": [(_("Media library"), request.route_path("media.admin")),
                        (heading, None)],
    }
    response = render_to_response("hub:templates/media/form.pt", values, request=request)
    response.status_int = status
    return response


def _file_of(request, name: str):
    value = request.POST.get(name)
    return value if getattr(value, "file", None) is not None and value.filename else None


def save_item(request, item: MediaItem | None, kind: str):
    form = Form(request, _fields(request, kind, item), _values(item), id_prefix="media")
    values = form.read()
    for language in CAPTION_LANGUAGES:
        form.values[f"captions_{language}"] = request.POST.get(f"captions_{language}", "")
    upload = _file_of(request, "file")
    token = (request.POST.get("upload") or "").strip()
    new = item is None
    if new:
        item = MediaItem(kind=kind, created_by_id=request.identity.id)
    stored = None
    if upload is not None or token or new:
        try:
            stored = media.store_upload(request, file=upload, token=token, kind=kind)
        except media.MediaError as exc:
            form.error("file", exc.message)
    if kind in ("audio", "video"):
        for language in CAPTION_LANGUAGES:
            posted = _file_of(request, f"captions_{language}_file")
            text = posted.file.read() if posted is not None else \
                request.POST.get(f"captions_{language}", "")
            try:
                media.set_caption(item, language, text)
            except media.MediaError as exc:
                form.errors.setdefault(exc.field, exc.message)
    if kind == "video" and "poster_id" not in form.errors:
        try:
            media.choose_poster(request.dbsession, item, values.get("poster_id"))
        except media.MediaError as exc:
            form.error("poster_id", exc.message)
    if not form.ok:
        request.tm.doom()
        return _page(request, form, kind, None if new else item, status=422)
    for name in ("title", "title_en", "alt", "alt_en", "transcript", "transcript_en"):
        if name in values:
            setattr(item, name, values[name])
    item.is_public = bool(values.get("is_public"))
    if stored is not None:
        old_key = None if new else item.file_key
        media.apply_file(item, stored)
        if old_key:
            from hub.storage import storage

            storage(request).delete(old_key)
    if new:
        request.dbsession.add(item)
    request.dbsession.flush()
    request.session.flash(request.shell.translate(_("The file is saved in the library.")),
                          "success")
    return HTTPSeeOther(request.route_path("media.admin_edit", id=item.id))


def _kind_param(request) -> str:
    kind = request.params.get("kind", "")
    if kind not in KINDS:
        raise HTTPNotFound()
    return kind


@view_config(route_name="media.admin_new", permission=MANAGE, request_method="GET")
def new_form(request):
    kind = _kind_param(request)
    form = Form(request, _fields(request, kind, None), _values(None), id_prefix="media")
    return _page(request, form, kind, None)


@view_config(route_name="media.admin_new", permission=MANAGE, request_method="POST")
def create(request):
    return save_item(request, None, _kind_param(request))


def _item(request) -> MediaItem:
    item = media.get_media(request.dbsession, request.matchdict["id"])
    if item is None:
        raise HTTPNotFound()
    return item


@view_config(route_name="media.admin_edit", permission=MANAGE, request_method="GET")
def edit_form(request):
    item = _item(request)
    form = Form(request, _fields(request, item.kind, item), _values(item),
                id_prefix="media")
    return _page(request, form, item.kind, item, uses=media.usages(request, item))


@view_config(route_name="media.admin_edit", permission=MANAGE, request_method="POST")
def edit(request):
    item = _item(request)
    return save_item(request, item, item.kind)


@view_config(route_name="media.admin_delete", permission=MANAGE, request_method="POST")
def delete(request):
    item = _item(request)
    uses = media.delete_item(request, item)
    if uses:
        request.tm.doom()
        form = Form(request, _fields(request, item.kind, item), _values(item),
                    id_prefix="media")
        form.error(None, _("The file is still used, so it cannot be deleted. Remove it "
                           "from the places listed below first."))
        return _page(request, form, item.kind, item, status=409, uses=uses)
    request.session.flash(request.shell.translate(_("The file is deleted.")), "success")
    return HTTPSeeOther(request.route_path("media.admin"))
