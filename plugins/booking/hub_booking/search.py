"""The booking plugin's part of the site search: the rooms people can book."""
from __future__ import annotations

from hub.search import Document, SearchSource
from hub_booking.i18n import _
from hub_booking.models import Room


def room_documents(dbsession, rooms):
    for room in rooms:
        if not room.is_active:
            continue
        yield Document(key=room.id, title=room.name,
                       body="\n".join((room.description, room.location)),
                       summary=room.description or room.location, route="booking.room",
                       route_args={"id": room.id})


SOURCES = [
    SearchSource("booking.room", _("Room"), Room, room_documents,
                 fields=("name", "description", "location", "is_active")),
]
