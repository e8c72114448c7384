"""Route matching by first segment gives Pyramid's own answer."""
import re

from pyramid.config import Configurator
from pyramid.interfaces import IRoutesMapper
from pyramid.request import Request
from pyramid.urldispatch import RoutesMapper

from hub.routing import FirstSegmentRoutesMapper, literal_first_segment


def pyramids_answer(routelist, request):
    plain = RoutesMapper()
    plain.routelist = routelist
    return plain(request)


def sample_paths(routelist):
    """A path for every route that can be generated with placeholder values."""
    paths = ["/", "//", "/nowhere", "/my/", "/events/", "/static", "/api", "/api/v1/x/y/z"]
    for route in routelist:
        names = re.findall(r"\{(\w+)", route.pattern) + re.findall(r"\*(\w+)", route.pattern)
        try:
            paths.append(route.generate({name: "1" for name in names}))
        except (KeyError, ValueError):
            continue
    return paths


def test_every_route_of_the_portal_is_found_as_pyramid_finds_it(registry):
    mapper = registry.getUtility(IRoutesMapper)
    assert isinstance(mapper, FirstSegmentRoutesMapper)
    paths = sample_paths(mapper.routelist)
    assert len(paths) > 300
    for path in paths:
        for method in ("GET", "POST"):
            request = Request.blank(path, method=method)
            request.registry = registry
            found, expected = mapper(request), pyramids_answer(mapper.routelist, request)
            assert found["route"] is expected["route"], path
            assert found["match"] == expected["match"], path


def test_pyramids_order_is_kept_across_segments():
    config = Configurator()
    config.include("hub.routing")
    config.add_route("top", "/top")
    config.add_route("any page", "/{page}")
    config.add_route("mine", "/my")
    config.add_route("star", "/files/*rest")
    config.commit()
    mapper = config.registry.getUtility(IRoutesMapper)
    assert mapper(Request.blank("/top"))["route"].name == "top"
    assert mapper(Request.blank("/my"))["route"].name == "any page"  # added first
    assert mapper(Request.blank("/files/a/b"))["match"] == {"rest": ("a", "b")}
    assert mapper(Request.blank("/nothing/here"))["route"] is None
    config.add_route("late", "/late/{x}")  # a route added later is found too
    config.commit()
    assert mapper(Request.blank("/late/1"))["route"].name == "late"


def test_literal_first_segments():
    assert literal_first_segment("/") == ""
    assert literal_first_segment("/my") == "my"
    assert literal_first_segment("api/v1/{id}") == "api"
    assert literal_first_segment("/{lang}/x") is None
    assert literal_first_segment("/*subpath") is None
    assert literal_first_segment("/file.{ext}") is None
    assert literal_first_segment("/:old") is None
