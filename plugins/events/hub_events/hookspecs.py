"""Hooks the events plugin calls and other plugins may answer."""
from hub.markers import hookspec


@hookspec(firstresult=True)
def hub_room_provider(request):
    """The hub's rooms for events (the booking plugin answers): an object with
    rooms() -> list[dict(id, name, capacity, location, accessibility: list[str])],
    room(room_id) -> dict | None,
    reserve(room_id, starts_at, ends_at, title, user, organisation_id=None)
        -> {"ok": True, "reservation_id": int} or {"ok": False, "message": str}
        (times aware datetimes; approved at once; a reservation for an organisation's
        event is the organisation's: it shows in its bookings and counts in its quota),
    release(reservation_id) -> None. Implement it with ``@hookimpl(optionalhook=True)``."""


@hookspec
def hub_events_recording_withdrawn(request, event_id):
    """The recording of event ``event_id`` is no longer public (a speaker withdrew the
    release, or the organiser unpublished it), in the current transaction: unpublish every
    copy made from it at once. Implement it with ``@hookimpl(optionalhook=True)`` so the
    plugin also starts without the events plugin."""
