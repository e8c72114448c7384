"""Pages of the events plugin."""
from pyramid.view import view_config

from hub.security import PUBLIC
from hub_events.i18n import _


@view_config(route_name="events.index", renderer="hub_events:templates/index.pt",
             permission=PUBLIC)
def index(request):
    return {"breadcrumbs": [(_("Educational events"), None)]}
