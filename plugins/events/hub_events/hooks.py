"""Hook implementations of the events plugin."""
from pathlib import Path

from hub import hookimpl
from hub.contributions import NavItem
from hub.security import PUBLIC
from hub_events.i18n import _


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        return [NavItem(_("Events"), route="events.index", permission=PUBLIC, order=20,
                        match=("events.",))]
    return None


@hookimpl
def hub_migrations():
    return str(Path(__file__).parent / "migrations")
