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
