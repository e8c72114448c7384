"""Whole pages kept for anonymous visitors (``cache_tables`` on a view)."""
import re

import pytest
import sqlalchemy as sa
import transaction
from pyramid.response import Response

from hub.organizations.models import Organisation
from hub.security import PUBLIC


@pytest.fixture
def counted(base_settings, migrated_database, make_testapp):
    """A core-only app with two kept pages that count how often they are really rendered."""
    from hub.app import make_config

    config = make_config({**base_settings, "hub.plugins": "",
                          "hub.dbengine": migrated_database})
    renders = []

    def organisations(request):
        renders.append(request.path_qs)
        names = request.dbsession.scalars(sa.select(Organisation.name).order_by(
            Organisation.name)).all()
        return {"names": names, "widgets": []}

    def with_cookie(request):
        renders.append("cookie")
        response = Response("<p>own cookie</p>", content_type="text/html")
        response.set_cookie("flavour", "oat")
        return response

    config.add_route("kept", "/kept")
    config.add_view(organisations, route_name="kept", permission=PUBLIC,
                    renderer="hub:templates/home.pt", cache_tables=("organisation",))
    config.add_route("kept_cookie", "/kept-cookie")
    config.add_view(with_cookie, route_name="kept_cookie", permission=PUBLIC,
                    cache_tables=True)
    config.commit()
    app = config.make_wsgi_app()
    return renders, lambda: make_testapp(app)


def form_tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', html))


def test_visitors_share_one_rendering_with_their_own_csrf_tokens(counted):
    renders, client = counted
    first, second = client(), client()
    page_one = first.get("/kept")
    page_two = second.get("/kept")
    assert renders == ["/kept"]
    assert form_tokens(page_one.text) == {first.csrf_token}
    assert form_tokens(page_two.text) == {second.csrf_token}
    assert first.csrf_token != second.csrf_token
    assert "placeholder" not in page_two.text
    assert page_two.headers["X-Content-Type-Options"] == "nosniff"  # headers as always


def test_addresses_and_languages_are_kept_apart(counted):
    renders, client = counted
    visitor = client()
    visitor.get("/kept")
    visitor.get("/kept?page=2")
    visitor.get("/kept?page=2")
    english = client()
    english.set_cookie("hub_lang", "en")
    english.get("/kept")
    assert renders == ["/kept", "/kept?page=2", "/kept"]


def test_signed_in_people_get_their_own_rendering(counted, users):
    renders, client = counted
    client().get("/kept")
    member = client().login(users.member)
    member.get("/kept")
    member.get("/kept")
    assert len(renders) == 3


def test_a_change_to_a_table_of_the_page_renders_it_anew(counted, dbsession):
    renders, client = counted
    visitor = client()
    assert "Kept Organisation" not in visitor.get("/kept").text
    dbsession.add(Organisation(name="Kept Organisation", slug="kept-organisation"))
    transaction.commit()
    visitor.get("/kept")
    assert len(renders) == 2


def test_pages_with_cookies_of_their_own_are_not_shared(counted):
    renders, client = counted
    client().get("/kept-cookie")
    client().get("/kept-cookie")
    assert renders == ["cookie", "cookie"]
