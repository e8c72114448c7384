"""The events plugin's part of the site search: published events."""
from __future__ import annotations

from hub.richtext import text_of
from hub.search import Document, SearchSource
from hub_events.i18n import _
from hub_events.models import Event


def event_documents(dbsession, events):
    for event in events:
        if event.state != "published":
            continue
        topics = "\n".join(f"{t.name_cs}, {t.name_en}" for t in event.topics)
        yield Document(key=event.id, title=event.title,
                       body="\n".join((event.summary, text_of(event.description),
                                       event.speakers)),
                       extra=topics, summary=event.summary, route="events.detail",
                       route_args={"id": event.id})


SOURCES = [
    SearchSource("events.event", _("Event"), Event, event_documents,
                 fields=("title", "summary", "description", "speakers", "state", "topics")),
]
