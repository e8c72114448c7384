"""Greetings: a guest book, the example of a third-party plugin."""

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from hub import hookimpl
from hub.contributions import NavItem, Permission
from hub.security import PUBLIC


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        return [NavItem("Greetings", route="greetings.index", permission=PUBLIC, order=90)]
    return None


@hookimpl
def hub_permissions():
    return [Permission("greetings:greeting:create", "Write a greeting", ("member",))]


@view_config(route_name="greetings.index", renderer="hub_greetings:templates/index.pt",
             permission=PUBLIC, request_method="GET")
def index(request):
    from hub_greetings.models import Greeting

    greetings = request.dbsession.scalars(sa.select(Greeting).order_by(Greeting.id)).all()
    return {"greetings": greetings}


@view_config(route_name="greetings.index", permission="greetings:greeting:create",
             request_method="POST")
def create(request):
    from hub_greetings.models import Greeting

    text = request.POST.get("text", "").strip()[:200]
    if text:
        request.dbsession.add(Greeting(text=text))
    return HTTPSeeOther(request.route_path("greetings.index"))


def includeme(config):
    config.add_route("greetings.index", "", inherit_slash=True)
    config.scan("hub_greetings")
