"""Pages of the crm plugin."""
from pyramid.view import view_config

from hub.security import PUBLIC
from hub_crm.i18n import _


@view_config(route_name="crm.index", renderer="hub_crm:templates/index.pt",
             permission=PUBLIC)
def index(request):
    return {"breadcrumbs": [(_("Directory of organisations"), None)]}
