"""Hooks the events plugin offers to other plugins."""
from hub.markers import hookspec


@hookspec
def hub_event_recordings(request):
    """Recordings of past events for reuse (e-learning imports them as video lessons):
    list of dict(event_id, title, date, video_url, embed_url, captions_url, transcript)."""


@hookspec
def hub_upcoming_events(request):
    """Upcoming public events for invitations (newsletter): list of dict(id, title,
    starts_at, url)."""


@hookspec
def hub_events_recording_withdrawn(request, event_id):
    """The recording of event ``event_id`` is no longer public (a speaker withdrew the
    release, or the organiser unpublished it), in the current transaction: unpublish every
    copy made from it at once. Implement it with ``@hookimpl(optionalhook=True)`` so the
    plugin also starts without the events plugin."""
