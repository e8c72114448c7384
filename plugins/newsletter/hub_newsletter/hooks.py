"""Hook implementations of the newsletter plugin."""
from pathlib import Path

from hub import hookimpl
from hub.contributions import NavItem
from hub.security import PUBLIC
from hub_newsletter.i18n import _


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        return [NavItem(_("Newsletter"), route="newsletter.index", permission=PUBLIC, order=50,
                        match=("newsletter.",))]
    return None


@hookimpl
def hub_migrations():
    return str(Path(__file__).parent / "migrations")
