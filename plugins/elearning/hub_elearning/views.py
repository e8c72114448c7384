"""Pages of the elearning plugin."""
from pyramid.view import view_config

from hub.security import PUBLIC
from hub_elearning.i18n import _


@view_config(route_name="elearning.index", renderer="hub_elearning:templates/index.pt",
             permission=PUBLIC)
def index(request):
    return {"breadcrumbs": [(_("Online courses"), None)]}
