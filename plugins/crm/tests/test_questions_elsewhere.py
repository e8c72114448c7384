"""Another plugin that takes the public's questions replaces "Ask the hub"."""
import pytest

from hub import hookimpl

ELSEWHERE = "https://hub.example.org/poradna"


class TakesQuestions:
    """Stands in for a plugin (counselling) answering ``hub_crm_questions_url``."""

    @hookimpl
    def hub_crm_questions_url(self, request):
        return ELSEWHERE


TAKES_QUESTIONS = TakesQuestions()

@pytest.fixture
def app_with_questions_elsewhere(make_app):
    # Its own app (a setting no other test uses): the plugin registered here stays in it.
    app = make_app("crm", **{"hub.site_name": "Hub s poradnou jinde"})
    pm = app.registry["hub.pm"]
    if not pm.is_registered(TAKES_QUESTIONS):
        pm.register(TAKES_QUESTIONS, name="takes-questions")
    return app


def test_ask_page_and_menu_item_without_another_place_to_ask(client):
    page = client.get("/crm/ask")
    assert page.status_int == 200 and 'href="/crm/ask"' in page.text


def test_ask_redirects_and_menu_item_goes_when_another_plugin_takes_questions(
        app_with_questions_elsewhere, make_testapp):
    client = make_testapp(app_with_questions_elsewhere)
    assert client.get("/crm/ask", status=303).location == ELSEWHERE
    posted = client.post_form("/crm/ask", {"name": "Jana", "email": "jana@example.org",
                                           "subject": "Dotaz", "message": "Text",
                                           "agree": "1"}, status=303)
    assert posted.location == ELSEWHERE
    home = client.get("/")
    assert "/crm/ask" not in home.text and 'href="/crm"' in home.text
