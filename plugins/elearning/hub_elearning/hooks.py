"""Hook implementations of the elearning plugin."""
from pathlib import Path

from hub import hookimpl
from hub.contributions import NavItem
from hub.security import PUBLIC
from hub_elearning.i18n import _


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        return [NavItem(_("E-learning"), route="elearning.index", permission=PUBLIC, order=30,
                        match=("elearning.",))]
    return None


@hookimpl
def hub_migrations():
    return str(Path(__file__).parent / "migrations")
