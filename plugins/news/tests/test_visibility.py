"""Scheduled and draft articles are invisible before their time: pages, feeds, API,
search, the home page and "For you"."""
import datetime as dt
import json
from types import SimpleNamespace

from hub.db import utcnow
from hub.testing import html_text
from hub.topics.models import UserTopic


def test_scheduled_and_draft_articles_are_invisible_everywhere(client, users, make_article,
                                                               topics, dbsession):
    published = make_article(title_cs="Zveřejněný článek", topics=[topics["diabetes"]])
    scheduled = make_article(title_cs="Naplánovaný článek", title_en="Scheduled piece",
                             publish_at=utcnow() + dt.timedelta(hours=2),
                             topics=[topics["diabetes"]])
    draft = make_article(title_cs="Rozepsaný článek", title_en="Draft piece", publish_at=None,
                         topics=[topics["diabetes"]])
    hidden = ("Naplánovaný článek", "Rozepsaný článek", "Scheduled piece", "Draft piece")

    pages = [client.get("/news"), client.get("/news?topic=diabetes"), client.get("/"),
             client.get("/news/feed.atom"), client.get("/news/topics/diabetes/feed.atom"),
             client.get("/news/feed.rss"), client.get("/news/topics/diabetes/feed.rss"),
             client.get("/search", {"q": "článek"}), client.get("/api/v1/news/articles"),
             client.get("/api/v1/news/articles?topic=diabetes")]
    for page in pages:
        text = json.dumps(page.json, ensure_ascii=False) \
            if page.content_type == "application/json" else page.text
        assert "Zveřejněný článek" in text, page.request.url
        for title in hidden:
            assert title not in text, (title, page.request.url)
    for article in (scheduled, draft):
        client.get(f"/news/{article.id}", status=404)
        client.get(f"/api/v1/news/articles/{article.id}", status=404)
    client.get(f"/news/{published.id}", status=200)

    client.login(users.member)
    dbsession.add(UserTopic(user_id=users.member.id, topic_id=topics["diabetes"].id))
    dbsession.flush()
    dashboard = html_text(client.get("/my"))
    assert "Zveřejněný článek" in dashboard
    assert not any(title in dashboard for title in hidden)
    client.get(f"/news/{scheduled.id}", status=404)

    # editors preview what is not published yet
    client.login(users.staff)
    preview = client.get(f"/news/{scheduled.id}")
    assert "Naplánovaný článek" in preview.text and "news-notice" in preview.text


def test_a_scheduled_article_appears_when_its_time_comes(client, make_article, dbsession):
    article = make_article(title_cs="Brzy venku", publish_at=utcnow() + dt.timedelta(hours=1))
    client.get(f"/news/{article.id}", status=404)
    article.publish_at = utcnow() - dt.timedelta(seconds=1)
    dbsession.flush()
    assert "Brzy venku" in client.get(f"/news/{article.id}").text
    assert "Brzy venku" in client.get("/news/feed.atom").text


def test_uploaded_image_of_a_scheduled_article_is_not_served(client, users, make_article,
                                                            news_app):
    from hub_news import services

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    key = services.store_image(SimpleNamespace(registry=news_app.registry), png)
    assert key.startswith("news/")  # on the shared storage, not one machine's disk
    later = make_article(image_file=key, image_alt_cs="Obrázek",
                         publish_at=utcnow() + dt.timedelta(days=1))
    name = services.image_name(later)
    client.get(f"/news/{later.id}/image/{name}", status=404)
    client.login(users.staff)
    response = client.get(f"/news/{later.id}/image/{name}")
    assert response.content_type == "image/png" and response.body == png
    client.get(f"/news/{later.id}/image/other.png", status=404)
