"""Every public page and widget of the news plugin reads a fixed number of SQL statements,
however many articles and topics there are (no query per row); what every page shows
(banners, footer pages) is read once and kept until it changes."""
import datetime as dt

import pytest

from hub.db import utcnow
from hub.testing import page_query_counts

# Statements of the news plugin per page (the core's own reads are not counted); the first
# page also reads the banners and the footer's pages, kept afterwards.
CAPS = {"list": 5, "list page 2": 3, "topic list": 3, "article": 3, "page": 1, "home": 1,
        "feed": 2, "api list": 3}


def _counts(client, connection, pages, clear=True) -> dict:
    return page_query_counts(client, connection, pages, "news_", cold=clear)


def _articles(make_article, topics, first, n):
    return [make_article(title_cs=f"Zpráva {i}", topics=[topics["oncology"], topics["diabetes"]],
                         publish_at=utcnow() - dt.timedelta(hours=1 + i))
            for i in range(first, first + n)]


@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_read_a_fixed_number_of_statements(client, make_article, topics, users,
                                                dbsession, connection, signed_in):
    from hub_news.models import Banner, Page

    if signed_in:
        client.login(users.member)
    article = _articles(make_article, topics, 0, 12)[0]  # two pages of the list
    dbsession.add(Page(slug="about", title_cs="O hubu", body_cs="<p>Kdo jsme</p>"))
    dbsession.add(Banner(text_cs="Oznámení", starts_at=utcnow() - dt.timedelta(hours=1),
                         ends_at=utcnow() + dt.timedelta(hours=1)))
    dbsession.flush()
    pages = {"list": "/news", "list page 2": "/news?page=2", "topic list": "/news?topic=oncology",
             "article": f"/news/{article.id}", "page": "/news/pages/about", "home": "/",
             "feed": "/news/feed.atom", "api list": "/api/v1/news/articles"}
    few = _counts(client, connection, pages)
    _articles(make_article, topics, 12, 30)
    many = _counts(client, connection, pages)
    assert many == few
    over = {name: n for name, n in many.items() if n > CAPS[name]}
    assert not over, (over, many)
    # once kept, the banners and the footer's pages cost no statement: a member's page reads
    # only the page itself, a visitor gets the whole page kept
    warm = _counts(client, connection, {"page": "/news/pages/about"}, clear=False)
    assert warm["page"] == (1 if signed_in else 0)
