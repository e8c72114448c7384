"""Whole pages kept for anonymous visitors (``cache_tables`` on a view) and for one person
(``cache_personal``, My hub)."""
import re

import pytest
import sqlalchemy as sa
import transaction
from pyramid.response import Response

from hub.organizations.models import Organisation
from hub.security import AUTHENTICATED, PUBLIC


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
    def mine(request):
        renders.append(f"mine:{request.identity.id}")
        request.response.text = f"<p>{request.identity.name}</p>" + "".join(
            f"<p>{name}</p>" for name in request.dbsession.scalars(
                sa.select(Organisation.name).order_by(Organisation.name)))
        return request.response

    config.add_route("mine", "/mine")
    config.add_view(mine, route_name="mine", permission=AUTHENTICATED,
                    cache_personal=lambda request: {"organisation"})
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


def test_a_personal_page_is_kept_per_person_until_its_tables_change(counted, users,
                                                                    dbsession):
    renders, client = counted
    member, staff = client().login(users.member), client().login(users.staff)
    assert users.member.name in member.get("/mine").text
    member.get("/mine")
    assert renders == [f"mine:{users.member.id}"]
    assert users.staff.name in staff.get("/mine").text  # never another person's page
    assert users.member.name not in staff.get("/mine").text
    dbsession.add(Organisation(name="New Organisation", slug="new-organisation"))
    transaction.commit()
    assert "New Organisation" in member.get("/mine").text
    assert renders.count(f"mine:{users.member.id}") == 2


def test_a_personal_page_is_rendered_when_a_message_waits_or_nobody_is_signed_in(
        counted, users):
    renders, client = counted
    member = client().login(users.member)
    member.get("/mine")
    member.get("/mine", {"x": "1"})  # another address, another page
    assert len(renders) == 2
    from hub.accounts.models import UserSession

    with member.app.registry["hub.dbsession_factory"]() as db:  # a message to show once
        row = db.scalars(sa.select(UserSession).where(
            UserSession.user_id == users.member.id)).one()
        row.data = {"_f_success": ["Saved."]}
        db.commit()
    member.get("/mine")
    assert len(renders) == 3
    client().get("/mine", status=302)  # signed out: the sign-in page, nothing kept shown
    member.logout()
    member.get("/mine", status=302)
    assert len(renders) == 3
