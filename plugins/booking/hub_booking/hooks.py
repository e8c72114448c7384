"""Hook implementations of the booking plugin."""
from pathlib import Path

from hub import hookimpl
from hub.contributions import NavItem
from hub.security import PUBLIC
from hub_booking.i18n import _


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        return [NavItem(_("Room booking"), route="booking.index", permission=PUBLIC, order=10,
                        match=("booking.",))]
    return None


@hookimpl
def hub_migrations():
    return str(Path(__file__).parent / "migrations")
