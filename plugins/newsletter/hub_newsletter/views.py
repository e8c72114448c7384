"""Pages of the newsletter plugin."""
from pyramid.view import view_config

from hub.security import PUBLIC
from hub_newsletter.i18n import _


@view_config(route_name="newsletter.index", renderer="hub_newsletter:templates/index.pt",
             permission=PUBLIC)
def index(request):
    return {"breadcrumbs": [(_("Newsletters"), None)]}
