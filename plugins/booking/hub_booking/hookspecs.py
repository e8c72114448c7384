"""Hooks the booking plugin offers to other plugins."""
from hub.markers import hookspec


@hookspec(firstresult=True)
def hub_room_provider(request):
    """The hub's rooms for other plugins: an object with
    rooms() -> list[dict(id, name, capacity, location, accessibility: list[str])],
    room(room_id) -> dict | None,
    reserve(room_id, starts_at, ends_at, title, user, organisation_id=None)
        -> {"ok": True, "reservation_id": int} or {"ok": False, "message": str}
        (times aware datetimes; approved at once; a reservation for an organisation's
        event is the organisation's: it shows in its bookings and counts in its quota),
    release(reservation_id) -> None."""
