import datetime as dt

import pytest

from hub.db import utcnow


@pytest.fixture
def news_app(make_app):
    return make_app("news")


@pytest.fixture
def client(news_app, make_testapp):
    return make_testapp(news_app)


@pytest.fixture
def topics(dbsession):
    import sqlalchemy as sa

    from hub.topics.demo import seed_topics
    from hub.topics.models import Topic

    seed_topics(dbsession)
    return {t.slug: t for t in dbsession.scalars(sa.select(Topic))}


@pytest.fixture
def make_article(dbsession):
    from hub_news.models import Article

    def _make(**values):
        data = {"title_cs": "Novinka o diabetu", "title_en": "Diabetes news",
                "perex_cs": "Krátce česky.", "perex_en": "In short.",
                "body_cs": "<p>Text česky.</p>", "body_en": "<p>English text.</p>",
                "publish_at": utcnow() - dt.timedelta(hours=1)}
        data.update(values)
        article = Article(**data)
        dbsession.add(article)
        dbsession.flush()
        return article

    return _make


def api_headers(client):
    return {"X-CSRF-Token": client.csrf_token, "Origin": "https://hub.example.org"}
