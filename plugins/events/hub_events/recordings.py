"""Event recordings kept in the core's media library and played by the hub's own player.

An event's ``recording_media_id`` names an audio or video item of the library. The item
may stay private in the library: the event serves it from its own addresses
(``/events/<id>/recording/...``) under the same rules that decide whether the recording
is shown on the event's page: the event is visible and its recording published, which
needs every speaker's release (``hub_events.release``). Captions are required to publish
a hosted recording, as for lessons; a CHECK cannot see the library's caption table, so
``recording_problem`` enforces it for the form and the API, and the page plays a hosted
recording only while it has captions.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from hub import media
from hub.dates import language
from hub.media import MediaItem
from hub.security import PUBLIC
from hub_events.i18n import _
from hub_events.models import Event


def media_problem(request, media_id):
    """Why ``media_id`` cannot be an event's recording (``None`` when it can)."""
    item = media.get_media(request.dbsession, media_id)
    if item is None or item.kind not in ("audio", "video"):
        return _("Choose a video or audio recording of the media library.")
    return None


def recording_problem(request, media_id):
    """Why a recording with the library item ``media_id`` cannot be published now."""
    problem = media_problem(request, media_id)
    if problem is not None:
        return problem
    if not media.get_media(request.dbsession, media_id).captions:
        return _("The recording in the media library has no captions. Add captions in the "
                 "library before publishing the recording.")
    return None


def hosted_recording(request, event: Event):
    """The library item the event's page plays, or ``None``."""
    if not (event.recording_published and event.recording_media_id):
        return None
    item = media.get_media(request.dbsession, event.recording_media_id)
    if item is None or not item.is_playable or not item.captions:
        return None
    return item


def preload_hosted(dbsession, events) -> list:
    """Read in one statement (captions in one more) the library items that
    ``hosted_recording`` would read for ``events``, one by one. Keep the returned list while
    using them: the session's identity map holds the items only as long as they are
    referenced, and ``media.get_media`` then finds them without SQL."""
    ids = {e.recording_media_id for e in events
           if e.recording_published and e.recording_media_id}
    if not ids:
        return []
    return dbsession.scalars(sa.select(MediaItem).where(MediaItem.id.in_(ids))
                             .options(selectinload(MediaItem.captions))).all()


def player(request, event: Event, item) -> dict:
    """The core player's variables with the event's own addresses."""
    return media.player_sources(
        request, item, language(request),
        file_url=request.route_path("events.recording_file", id=event.id,
                                    name=item.file_name or "recording"),
        caption_url=lambda lang: request.route_path("events.recording_captions",
                                                    id=event.id, lang=lang))


def _shown(request):
    from hub_events.views import get_event

    event = get_event(request)  # 404 for an event the visitor may not see
    item = hosted_recording(request, event)
    if item is None:
        raise HTTPNotFound()
    return item


@view_config(route_name="events.recording_file", permission=PUBLIC,
             request_method=("GET", "HEAD"))
def recording_file(request):
    return media.media_response(request, _shown(request))


@view_config(route_name="events.recording_captions", permission=PUBLIC,
             request_method=("GET", "HEAD"))
def recording_captions(request):
    return media.caption_response(request, _shown(request), request.matchdict["lang"])


def usage(request, item) -> list:
    """``hub_media_usage``: the events whose recording is ``item``."""
    events = request.dbsession.scalars(
        sa.select(Event).where(Event.recording_media_id == item.id).order_by(Event.id)).all()
    return [_("Recording of the event \u201c${title}\u201d", mapping={"title": e.title})
            for e in events]


def recording_choices(request) -> list[tuple[str, str]]:
    return [(str(i.id), i.title + (" " + request.localizer.translate(_("(no captions)"))
                                   if not i.captions else ""))
            for i in media.playable_choices(request)]
