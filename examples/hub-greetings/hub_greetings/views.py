"""The page: the latest entries and, for people who may write, the form."""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from hub.dates import format_moment
from hub.security import PUBLIC
from hub_greetings import services
from hub_greetings.hooks import WRITE
from hub_greetings.i18n import _
from hub_greetings.models import TEXT_MAX

SHOWN = 50


def _page(request, text: str = "", error=None) -> dict:
    entries, total = services.latest_entries(request, SHOWN)
    return {
        "entries": [{"text": e.text, "created_at": e.created_at,
                     "when": format_moment(e.created_at, request.locale_name)}
                    for e in entries],
        "total": total, "text": text, "error": error, "text_max": TEXT_MAX,
        "may_write": request.has_permission(WRITE),
        "login_url": request.route_url("login", _query={"next": request.path}),
    }


@view_config(route_name="greetings.index", renderer="hub_greetings:templates/index.pt",
             permission=PUBLIC, request_method="GET")
def index(request):
    return _page(request)


@view_config(route_name="greetings.index", renderer="hub_greetings:templates/index.pt",
             permission=WRITE, request_method="POST")
def create(request):
    text = request.POST.get("text", "").strip()
    error = services.text_error(text)
    if error is not None:
        request.response.status_int = 422
        return _page(request, text, error)
    services.add_entry(request, text, request.identity)
    request.session.flash(_("Thank you, your entry has been added."), "success")
    return HTTPSeeOther(request.route_path("greetings.index"))
