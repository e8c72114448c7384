"""Pages of the booking plugin."""
from pyramid.view import view_config

from hub.security import PUBLIC
from hub_booking.i18n import _


@view_config(route_name="booking.index", renderer="hub_booking:templates/index.pt",
             permission=PUBLIC)
def index(request):
    return {"breadcrumbs": [(_("Rooms of the hub"), None)]}
