"""Publishing states and buttons, revision history with restore, preview, banners ending."""
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import time_machine

from hub.db import utcnow
from hub.testing import html_text
from hub_news.models import Article, ArticleRevision

PRAGUE = ZoneInfo("Europe/Prague")


def _new_draft(client, dbsession, title="Koncept o očkování"):
    form = client.get("/news/manage/new").forms["news-article"]
    form["title_cs"], form["body_cs"] = title, "<p>První verze</p>"
    page = form.submit().follow()
    return dbsession.scalar(sa.select(Article).where(Article.title_cs == title)), page


def test_a_new_draft_says_how_to_publish_it_and_the_buttons_change_its_state(
        client, users, dbsession):
    client.login(users.staff)
    hint = html_text(client.get("/news/manage/new"))
    assert "saved as a draft" in hint or "uloží jako koncept" in hint
    article, page = _new_draft(client, dbsession)
    assert article.publish_at is None
    assert "Nikdo jiný ho zatím nevidí" in html_text(page)
    page = client.get(f"/news/{article.id}")
    assert "Stav: Koncept" in html_text(page)
    assert "news-unpublish" not in page.forms and "news-publish-now" in page.forms

    page = page.forms["news-publish-now"].submit("action").follow()
    dbsession.refresh(article)
    assert article.is_published()
    assert "Stav: Zveřejněno" in html_text(page)
    client.logout()
    assert "Koncept o očkování" in client.get("/news").text  # everyone sees it now

    client.login(users.staff)
    page = client.get(f"/news/{article.id}").forms["news-unpublish"].submit("action").follow()
    dbsession.refresh(article)
    assert article.publish_at is None and "Stav: Koncept" in html_text(page)
    client.logout()
    client.get(f"/news/{article.id}", status=404)


def test_scheduling_needs_a_future_time_and_the_article_appears_by_itself(
        client, users, dbsession):
    client.login(users.staff)
    article, _ = _new_draft(client, dbsession)
    form = client.get(f"/news/{article.id}").forms["news-schedule"]
    form["publish_at"] = "2020-01-01T09:00"
    page = form.submit("action", status=422)
    assert 'href="#news-publish-at"' in page.text and 'aria-invalid="true"' in page.text
    form = page.forms["news-schedule"]
    form["publish_at"] = "zítra ráno"
    page = form.submit("action", status=422)
    assert page.forms["news-schedule"]["publish_at"].value == "zítra ráno"

    when = (utcnow() + dt.timedelta(days=2)).astimezone(PRAGUE).replace(second=0, microsecond=0)
    form["publish_at"] = when.strftime("%Y-%m-%dT%H:%M")
    page = form.submit("action").follow()
    dbsession.refresh(article)
    assert article.publish_at == when
    assert "Stav: Naplánováno" in html_text(page)
    client.logout()
    client.get(f"/news/{article.id}", status=404)
    with time_machine.travel(when + dt.timedelta(minutes=1), tick=False):
        assert "Koncept o očkování" in client.get(f"/news/{article.id}").text


def test_publishing_is_for_editors_only_and_checks_the_action(client, users, make_article):
    article = make_article(publish_at=None)
    client.login(users.member)
    client.post_form(f"/news/manage/{article.id}/publish", {"action": "now"}, status=403)
    client.login(users.staff)
    client.post_form(f"/news/manage/{article.id}/publish", {"action": "smazat"}, status=422)
    client.post_form("/news/manage/999999/publish", {"action": "now"}, status=404)


def test_every_save_is_a_revision_and_restoring_one_adds_a_new_one(client, users, dbsession):
    client.login(users.staff)
    article, _ = _new_draft(client, dbsession)
    form = client.get(f"/news/manage/{article.id}").forms["news-article"]
    form["body_cs"] = "<p>Druhá verze</p><script>alert(1)</script>"
    form.submit().follow()
    form = client.get(f"/news/manage/{article.id}").forms["news-article"]
    form.submit().follow()  # nothing changed: no new revision
    numbers = dbsession.scalars(sa.select(ArticleRevision.number).where(
        ArticleRevision.article_id == article.id).order_by(ArticleRevision.number)).all()
    assert numbers == [1, 2]

    history = client.get(f"/news/manage/{article.id}/revisions")
    assert "Historie verzí" in history.text
    first = client.get(f"/news/manage/{article.id}/revisions/1")
    assert "První verze" in first.text
    second = client.get(f"/news/manage/{article.id}/revisions/2")
    assert "Druhá verze" in second.text and "<script>alert" not in second.text
    page = first.forms["news-restore"].submit().follow()
    assert "obnovena jako verze 3" in html_text(page)
    dbsession.refresh(article)
    assert article.body_cs == "<p>První verze</p>"
    third = dbsession.scalar(sa.select(ArticleRevision).where(
        ArticleRevision.article_id == article.id, ArticleRevision.number == 3))
    assert third.restored_from == 1 and third.author_id == users.staff.id
    client.get(f"/news/manage/{article.id}/revisions/99", status=404)
    client.get(f"/news/manage/{article.id}/revisions/99999999999999999999", status=404)
    client.login(users.member)
    client.get(f"/news/manage/{article.id}/revisions", status=403)
    client.post_form(f"/news/manage/{article.id}/revisions/1/restore", {}, status=403)


def test_preview_shows_both_languages_sanitised_without_saving(client, users, dbsession):
    client.login(users.staff)
    form = client.get("/news/manage/new").forms["news-article"]
    form["title_cs"], form["body_cs"] = "Náhled", "<p>Česky <em>kurzívou</em></p><script>x</script>"
    page = form.submit("preview")
    text = html_text(page)
    assert "Náhled (zatím neuloženo)" in text and "Anglicky" in text
    assert "<em>kurzívou</em>" in page.text and "<script>x" not in page.text
    assert "Anglická verze chybí" in text  # English readers would get the Czech one
    assert page.forms["news-article"]["title_cs"].value == "Náhled"
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Article)) == 0
    form = page.forms["news-article"]
    form["title_en"], form["body_en"] = "Preview", "<p>In <strong>English</strong></p>"
    page = form.submit("preview")
    assert '<article lang="en"' in page.text and "In <strong>English</strong>" in page.text


def test_a_banner_hides_itself_when_it_ends(client, users, dbsession):
    client.login(users.staff)
    form = client.get("/news/manage/banners/new").forms["news-banner"]
    form["text_cs"] = "Ve středu 2. prosince bude hub mimo provoz."
    form["starts_at"], form["ends_at"] = "2026-11-30T08:00", "2026-12-02T20:00"
    form.submit(status=303)
    # A member's pages are made per request (an anonymous visitor's may be kept a minute).
    client.login(users.member)
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, 0, tzinfo=PRAGUE), tick=False):
        assert "bude hub mimo provoz" in client.get("/").text
    with time_machine.travel(dt.datetime(2026, 12, 2, 19, 59, tzinfo=PRAGUE), tick=False):
        assert "bude hub mimo provoz" in client.get("/").text
    with time_machine.travel(dt.datetime(2026, 12, 2, 20, 0, tzinfo=PRAGUE), tick=False):
        assert "bude hub mimo provoz" not in client.get("/").text
    with time_machine.travel(dt.datetime(2026, 12, 7, 9, 0, tzinfo=PRAGUE), tick=False):
        assert "bude hub mimo provoz" not in client.get("/").text
