"""Hooks the e-learning plugin calls and other plugins may answer.

Implement them with ``@hookimpl(optionalhook=True)`` so the implementing plugin also starts
without the e-learning plugin."""
from hub.markers import hookspec


@hookspec
def hub_event_recordings(request):
    """Recordings of past events for reuse (e-learning imports them as video lessons; the
    events plugin answers): list of dict(event_id, title, date, video_url, embed_url,
    captions_url, transcript), optionally title_en (the English title, else none)."""
