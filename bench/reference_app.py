"""The reference: a bare Pyramid + Chameleon page of about the size of a portal page.

Portal pages are reported as a ratio of this page's throughput, measured in the same run on
the same machine, so the figures do not drift with the machine.
"""
from pyramid.config import Configurator

ITEMS = [{"title": f"Item {i}", "href": f"/items/{i}", "summary": "A short summary line."}
         for i in range(20)]


def page(request):
    return {"items": ITEMS}


def make_app():
    with Configurator() as config:
        config.include("pyramid_chameleon")
        config.add_route("page", "/")
        config.add_view(page, route_name="page", renderer="bench:templates/reference.pt")
        return config.make_wsgi_app()


app = make_app()
