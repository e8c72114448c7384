"""Articles and pages in English: what staff still have to translate, and the API in the
language a client asks for."""
import datetime as dt

from hub.db import utcnow
from hub.testing import html_text


def missing(news_app, bind_registry, dbsession):
    from hub.jobs import background_request
    from hub_news import hooks

    request = background_request(bind_registry(news_app.registry))
    request.dbsession = dbsession
    return {item.title: item for item in hooks.hub_translations_missing(request)}


def test_published_content_without_english_is_listed(news_app, bind_registry, dbsession,
                                                      make_article):
    from hub_news.models import Page

    translated = make_article(title_cs="Přeloženo")
    untitled = make_article(title_cs="Jen česky", title_en="", perex_en="", body_en="<p></p>")
    body_only = make_article(title_cs="Bez textu", body_en="")
    make_article(title_cs="Koncept", title_en="", publish_at=None)
    make_article(title_cs="Naplánováno", title_en="",
                 publish_at=utcnow() + dt.timedelta(days=1))
    dbsession.add_all([Page(slug="about", title_cs="O nás", body_cs="<p>Text</p>"),
                       Page(slug="privacy", title_cs="Soukromí", title_en="Privacy",
                            body_cs="<p>Text</p>", body_en="<p>Text</p>")])
    dbsession.flush()
    found = missing(news_app, bind_registry, dbsession)
    assert set(found) == {"Jen česky", "Bez textu", "O nás"}
    assert found["Jen česky"].fields == ("title", "perex", "body")
    assert found["Jen česky"].url == f"/news/manage/{untitled.id}"
    assert found["Bez textu"].fields == ("body",)
    assert found["Bez textu"].url == f"/news/manage/{body_only.id}"
    assert found["O nás"].fields == ("title", "body")
    assert found["O nás"].url == "/news/manage/pages/about"
    assert translated.title_cs not in found


def test_staff_page_lists_the_articles(client, users, make_article):
    article = make_article(title_cs="Jen česky", title_en="", perex_en="", body_en="")
    client.login(users.staff)
    page = client.get("/admin/translations")
    assert "Novinka" in html_text(page)
    assert page.html.find("a", string="Jen česky")["href"] == f"/news/manage/{article.id}"


def test_api_answers_in_the_language_of_accept_language(client, make_article):
    article = make_article()
    english = {"Accept-Language": "en"}
    item = client.get(f"/api/v1/news/articles/{article.id}", headers=english).json
    assert (item["title"]["en"], item["perex"]["en"]) == ("Diabetes news", "In short.")
    assert item["body"]["en"] == "<p>English text.</p>"
    listed = client.get("/api/v1/news/articles", headers=english).json
    assert listed["items"][0]["title"]["en"] == "Diabetes news"
    reply = client.get("/api/v1/news/articles/999999", headers=english, status=404)
    assert reply.json["error"]["message"] == "No published article with this id."
    # The header wins over the visitor's cookie.
    client.set_cookie("hub_lang", "cs")
    reply = client.get("/api/v1/news/articles/999999", headers=english, status=404)
    assert reply.json["error"]["message"] == "No published article with this id."
    reply = client.get("/api/v1/news/articles/999999", status=404)
    assert reply.json["error"]["message"] == "Zveřejněný článek s tímto id neexistuje."
