"""The media library: images, documents, audio and video kept on the storage service.

Staff upload and describe files at ``/admin/media`` (and ``/api/v1/media``): an image
always has an alternative text (a CHECK in the database), audio and video carry WebVTT
captions per language (``media_caption``, validated by ``hub.media.vtt``) and a
transcript, a video may have a poster image from the library. A file is served to anyone
at ``/media/<id>/<file name>`` only when staff marked it public; staff see every file.

For plugins (documented API)::

    from hub.media import (get_media, media_url, caption_url, media_response,
                           vtt_problem, usages)

- ``get_media(dbsession, id)``: the ``MediaItem`` or ``None``.
- ``media_url(request, item)``: ``/media/<id>/<file name>`` (served to anyone only for
  public items); ``caption_url(request, item, language)``: ``/media/<id>/captions/cs.vtt``.
- ``media_response(request, item)``: the file as a response with ``Accept-Ranges: bytes``,
  ETag (the SHA-256), Last-Modified, 206 for a Range and 416 out of range, its type,
  ``nosniff``, shown inline. A plugin that shows a non-public item under its own rules (a
  published event recording) serves it from its own view with this, after its own check;
  ``caption_response(request, item, language)`` likewise for captions.
- The player: ``metal:use-macro="load: hub:templates/media/player.pt"`` (macro
  ``player``) with the variables ``item`` and ``lang`` plays the item from the core's
  addresses. A plugin serving the file itself also defines ``media_player`` as
  ``player_sources(request, item, lang, file_url=..., caption_url=lambda language: ...)``.
  ``<video>`` (or ``<audio>``) with ``preload="metadata"``, the poster, one captions track
  per language (the page's language first and default), a download link and the
  transcript in a ``<details>``. Nothing is loaded from another site.
- ``vtt_problem(text)`` / ``read_vtt(data)``: the WebVTT check, with Czech and English
  messages.
- ``hub_media_usage(request, item)``: plugins list what uses an item; the library refuses
  to delete an item in use (a form message, 409 in the API). ``shown_in(item, *columns)``
  is the condition for rows whose rich text (HTML columns) shows the item.

Sizes: ``hub.media.max_size`` bounds audio and video (default 2 GiB); images at most
20 MB and documents 50 MB. A file sent in a form or a multipart body is read at most to
200 MB; larger ones are sent with the resumable upload (``hub.uploads``), whose token is
posted as ``upload`` instead of a file.
"""
from __future__ import annotations

from hub.media.models import CAPTION_LANGUAGES, KINDS, MediaCaption, MediaItem
from hub.media.services import (
    caption_response,
    caption_url,
    get_media,
    media_response,
    media_url,
    playable_choices,
    shown_in,
    usages,
)
from hub.media.vtt import read_vtt, vtt_problem

__all__ = ["CAPTION_LANGUAGES", "KINDS", "MANAGE", "MediaCaption", "MediaItem",
           "caption_response", "caption_url", "get_media", "media_response", "media_url",
           "playable_choices", "player_sources", "read_vtt", "shown_in", "usages",
           "vtt_problem"]

MANAGE = "hub:media"  # the library's staff (staff and admins)


def player_sources(request, item: MediaItem, lang: str, *, file_url: str | None = None,
                   caption_url=None, poster_url: str | None = None) -> dict:
    """What the player macro shows for ``item`` on a page in ``lang``: the core's
    addresses unless a plugin gives its own (``caption_url`` is ``f(language)``)."""
    from hub.media.services import LANGUAGE_LABELS
    from hub.media.services import caption_url as core_caption_url

    captions_at = caption_url or (lambda language: core_caption_url(request, item, language))
    ordered = sorted(item.captions, key=lambda c: (c.language != lang, c.language))
    if poster_url is None and item.poster is not None and item.poster.is_public:
        poster_url = media_url(request, item.poster)
    transcript_lang = item.language_of("transcript", lang)
    return {
        "item": item, "lang": lang, "file_url": file_url or media_url(request, item),
        "poster_url": poster_url, "element": "video" if item.kind == "video" else "audio",
        "title": item.translated("title", lang),
        "tracks": [{"src": captions_at(c.language), "srclang": c.language,
                    "label": request.localizer.translate(LANGUAGE_LABELS[c.language]),
                    "default": i == 0} for i, c in enumerate(ordered)],
        "transcript": item.translated("transcript", lang),
        "transcript_lang": transcript_lang,
        "transcript_paragraphs": [p.strip() for p in item.translated("transcript", lang)
                                  .replace("\r\n", "\n").split("\n\n") if p.strip()],
    }


def includeme(config):
    from hub.media.services import FORM_MAX

    config.add_route("media.caption", r"/media/{id:\d+}/captions/{lang:(cs|en)}.vtt")
    config.add_route("media.file", r"/media/{id:\d+}/{name}")
    config.add_route("media.admin", "/admin/media")
    config.add_route("media.admin_new", "/admin/media/new")
    config.add_route("media.admin_edit", r"/admin/media/{id:\d+}")
    config.add_route("media.admin_delete", r"/admin/media/{id:\d+}/delete")
    config.add_api_route("media.api", "/media")
    config.add_api_route("media.api_item", r"/media/{id:\d+}")
    for name in ("media.admin_new", "media.admin_edit", "media.api", "media.api_item"):
        config.set_body_limit(name, FORM_MAX + 10 * 1024 * 1024)
    config.scan("hub.media.views")
    config.scan("hub.media.api")
