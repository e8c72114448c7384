"""The events plugin's part of the site search: published events."""
from __future__ import annotations

from hub.richtext import text_of
from hub.search import Document, SearchSource
from hub_events.i18n import _
from hub_events.models import Event

LANGUAGES = ("cs", "en")


def event_documents(dbsession, events):
    """A Czech and an English document per published event (the English one with the Czech
    texts where nobody translated them); the other language's texts find it too."""
    for event in events:
        if event.state != "published":
            continue
        topics = "\n".join(f"{t.name_cs}, {t.name_en}" for t in event.topics)
        for language in LANGUAGES:
            other = "en" if language == "cs" else "cs"
            yield Document(key=event.id, language=language,
                           title=event.translated("title", language),
                           body="\n".join((event.translated("summary", language),
                                           text_of(event.translated("description", language)),
                                           event.speakers)),
                           extra="\n".join((topics, event.translated("title", other),
                                            event.translated("summary", other))),
                           summary=event.translated("summary", language),
                           route="events.detail", route_args={"id": event.id})


SOURCES = [
    SearchSource("events.event", _("Event"), Event, event_documents,
                 fields=("title", "summary", "description", "speakers", "state", "topics",
                         "title_en", "summary_en", "description_en")),
]
