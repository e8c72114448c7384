"""The booking plugin's part of the site search: the rooms people can book."""
from __future__ import annotations

from hub.search import Document, SearchSource
from hub_booking.i18n import _
from hub_booking.models import Room


def room_documents(dbsession, rooms):
    """A document per language of the hub for every bookable room (the Czech text where
    there is no English one); the other language's texts find it too."""
    for room in rooms:
        if not room.is_active:
            continue
        for language, other in (("cs", "en"), ("en", "cs")):
            description = room.translated("description", language)
            location = room.translated("location", language)
            yield Document(key=room.id, language=language,
                           title=room.translated("name", language),
                           body="\n".join((description, location)),
                           extra="\n".join(room.translated(f, other) for f in Room.TRANSLATED),
                           summary=description or location, route="booking.room",
                           route_args={"id": room.id})


SOURCES = [
    SearchSource("booking.room", _("Room"), Room, room_documents,
                 fields=("name", "description", "location", "name_en", "description_en",
                         "location_en", "is_active"),
                 version="2"),
]
