"""Hook implementations of the crm plugin."""
from pathlib import Path

from hub import hookimpl
from hub.contributions import NavItem
from hub.security import PUBLIC
from hub_crm.i18n import _


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        return [NavItem(_("Directory"), route="crm.index", permission=PUBLIC, order=40,
                        match=("crm.",))]
    return None


@hookimpl
def hub_migrations():
    return str(Path(__file__).parent / "migrations")
