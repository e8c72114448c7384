"""What Greetings adds to the rest of the hub."""
import sqlalchemy as sa

from hub import hookimpl
from hub.contributions import NavItem, Permission, Widget
from hub.security import PUBLIC
from hub.shell import render_snippet
from hub_greetings import services
from hub_greetings.i18n import _
from hub_greetings.models import Entry

WRITE = "greetings:entry:create"


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        return [NavItem(_("Greetings"), route="greetings.index", permission=PUBLIC, order=90)]
    return None


@hookimpl
def hub_dashboard_widgets(request):
    # The same for everyone: rendered once, again when greetings_entry changes.
    return [Widget("greetings.latest", _("Latest greeting"), render_latest, where="home",
                   order=80, permission=PUBLIC, cache_tables=("greetings_entry",))]


def render_latest(request):
    entries, _total = services.latest_entries(request, 1)
    if not entries:
        return None
    return render_snippet(request, "hub_greetings:templates/latest.pt", {"entry": entries[0]})


@hookimpl
def hub_permissions():
    return [Permission(WRITE, _("Write an entry"), ("member",))]


@hookimpl
def hub_personal_data_tables():
    return ["greetings_entry"]


@hookimpl
def hub_personal_data_export(request, user):
    entries = request.dbsession.scalars(
        sa.select(Entry).where(Entry.author_id == user.id).order_by(Entry.id)).all()
    return {_("Entries written"): [
        {"id": e.id, "text": e.text, "created_at": e.created_at.isoformat()}
        for e in entries]}


@hookimpl
def hub_personal_data_erase(request, user):
    """Entries are the page's content and stay; who wrote them is forgotten."""
    request.dbsession.execute(
        sa.update(Entry).where(Entry.author_id == user.id).values(author_id=None))


@hookimpl
def hub_openapi(request):
    from hub_greetings.api import openapi

    return openapi()
