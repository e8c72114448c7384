"""Czech is complete; user-entered text never turns into markup; "For you" shows only
what the user may see."""
import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from hub.db import utcnow
from hub.testing import html_text
from hub.topics.models import UserTopic


def test_czech_catalogue_has_no_empty_translation():
    from babel.messages.pofile import read_po

    import hub_news

    po = Path(hub_news.__file__).parent / "locale" / "cs" / "LC_MESSAGES" / "hub_news.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale="cs")
    ids = [m.id for m in catalog if m.id]
    assert len(ids) > 80
    assert [m.id for m in catalog if m.id and not m.string] == []


def test_pages_are_translated(client, make_article):
    make_article()
    assert "Novinky" in client.get("/news").text
    client.set_cookie("hub_lang", "en")
    page = client.get("/news")
    assert "All topics" in page.text and "Diabetes news" in page.text


CANARY = '<script>alert("canary")</script><img src=x onerror=alert(1)>'


def test_canaries_in_plain_fields_are_escaped_everywhere(client, users, make_article, topics):
    article = make_article(title_cs="Titulek " + CANARY, perex_cs="Perex " + CANARY,
                           title_en="", perex_en="", image_url="/static/x.png",
                           image_alt_cs='alt" onload="alert(1)', topics=[topics["oncology"]])
    client.login(users.staff)
    urls = ["/news", f"/news/{article.id}", "/", "/news/feed.atom", "/news/manage",
            f"/news/manage/{article.id}"]
    for url in urls:
        text = client.get(url).text
        assert "<script>alert(\"canary\")" not in text, url
        assert "<img src=x onerror" not in text, url
        assert 'onload="alert(1)"' not in text, url
    head = client.get(f"/news/{article.id}").text.split("</head>")[0]
    assert 'content="Titulek &lt;script&gt;' in head


def test_for_you_offers_only_published_articles_of_the_users_topics(client, users,
                                                                   make_article, topics,
                                                                   dbsession):
    from hub_news.hooks import hub_for_you

    make_article(title_cs="Onkologie zveřejněná", topics=[topics["oncology"]])
    make_article(title_cs="Onkologie naplánovaná", topics=[topics["oncology"]],
                 publish_at=utcnow() + dt.timedelta(days=1))
    make_article(title_cs="Onkologie koncept", topics=[topics["oncology"]], publish_at=None)
    make_article(title_cs="Diabetes zveřejněný", topics=[topics["diabetes"]])
    make_article(title_cs="Onkologie stará", topics=[topics["oncology"]],
                 publish_at=utcnow() - dt.timedelta(days=365))

    class Request:
        def route_path(self, name, **kw):
            return f"/news/{kw['id']}"

    request = Request()
    request.dbsession = dbsession
    titles = [s.title for s in hub_for_you(request, users.member, ["oncology"])]
    assert titles == ["Onkologie zveřejněná"]
    assert hub_for_you(request, users.member, []) == []

    dbsession.add(UserTopic(user_id=users.member.id, topic_id=topics["oncology"].id))
    dbsession.flush()
    client.login(users.member)
    text = html_text(client.get("/my"))
    assert "Onkologie zveřejněná" in text
    for hidden in ("naplánovaná", "koncept", "Diabetes zveřejněný"):
        assert hidden not in text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(UserTopic)) == 1


def test_for_you_respects_the_articles_audience(make_article, topics, users, dbsession):
    from hub.topics.models import UserStakeholder
    from hub_news.hooks import hub_for_you

    make_article(title_cs="Pro lékaře", topics=[topics["oncology"]], audiences=["doctor"])
    make_article(title_cs="Pro všechny", topics=[topics["oncology"]])

    class Request:
        def route_path(self, name, **kw):
            return f"/news/{kw['id']}"

    request = Request()
    request.dbsession = dbsession
    # no declared type: everything in the topics
    assert {s.title for s in hub_for_you(request, users.member, ["oncology"])} == {
        "Pro lékaře", "Pro všechny"}
    dbsession.add(UserStakeholder(user_id=users.member.id, type="patient"))
    dbsession.flush()
    assert [s.title for s in hub_for_you(request, users.member, ["oncology"])] == [
        "Pro všechny"]


def test_staff_sets_the_audience_in_the_form(client, users, dbsession):
    from hub_news.models import Article

    client.login(users.staff)
    form = client.get("/news/manage/new").forms["news-article"]
    form["title_cs"] = "Pro studenty"
    for box in form.fields["audience"]:
        if box._value == "medical_student":
            box.checked = True
    form.submit(status=303)
    article = dbsession.scalar(sa.select(Article).where(Article.title_cs == "Pro studenty"))
    assert article.audiences == ["medical_student"]
    client.post_form("/news/manage/new", {"title_cs": "X", "audience": "king"}, status=422)
