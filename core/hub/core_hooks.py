"""The core's own contributions, registered through the same hooks as any plugin."""
from __future__ import annotations

from hub.contributions import NavItem
from hub.i18n import _
from hub.markers import hookimpl
from hub.security import AUTHENTICATED, PUBLIC


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        return [NavItem(_("Home"), route="home", permission=PUBLIC, order=0)]
    if menu == "user":
        return [NavItem(_("My hub"), route="dashboard", permission=AUTHENTICATED, order=0)]
    if menu == "footer":
        return [NavItem(_("Accessibility statement"), route="accessibility", permission=PUBLIC,
                        order=10)]
    return None
