"""Writing, listing, filtering, paging, feeds, banners, pages, metadata and the API."""
import datetime as dt
import xml.etree.ElementTree as ET  # noqa: S405 (parsing our own feed in a test)

import sqlalchemy as sa
from webtest import Upload

from hub.db import utcnow
from hub.testing import html_text
from hub_news import services
from hub_news.models import Article, Banner, Page

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")

XSS = ('<script>alert("x")</script><img src=x onerror="alert(1)">'
       '<a href="javascript:alert(2)">odkaz</a><p style="color:red" onclick="alert(3)">ok</p>'
       '<iframe src="https://evil.example"></iframe>')


def assert_no_canary(text):
    for canary in ("<script>alert", "onerror=", "javascript:", "onclick=", "<iframe",
                   'style="color'):
        assert canary not in text, canary


def test_staff_writes_a_bilingual_article_with_image_and_topics(client, users, topics,
                                                                 dbsession):
    client.login(users.staff)
    form = client.get("/news/manage/new").forms["news-article"]
    form["title_cs"], form["title_en"] = "Nová poradna", "New advice service"
    form["perex_cs"], form["perex_en"] = "Poradna pro spolky.", "Advice for organisations."
    form["body_cs"] = "<p>Česky <strong>tučně</strong></p>" + XSS
    form["body_en"] = "<p>In English</p>" + XSS
    form["image"] = Upload("foto.png", PNG, "image/png")
    form["image_alt_cs"] = "Lidé u stolu"
    form["publish_at"] = "2020-01-01T10:00"
    for box in form.fields["topic"]:
        if box._value == str(topics["fundraising"].id):
            box.checked = True
    form.submit().follow()
    article = dbsession.scalar(sa.select(Article).where(Article.title_cs == "Nová poradna"))
    assert article.author_id == users.staff.id
    assert [t.slug for t in article.topics] == ["fundraising"]
    assert article.image_file and article.image_file.startswith("news/")  # shared storage
    assert article.publish_at == dt.datetime(2020, 1, 1, 9, 0, tzinfo=dt.UTC)
    assert_no_canary(article.body_cs + article.body_en)

    client.logout()
    page = client.get(f"/news/{article.id}")
    assert "<strong>tučně</strong>" in page.text
    assert_no_canary(page.text)
    assert 'alt="Lidé u stolu"' in page.text
    image = client.get(f"/news/{article.id}/image/{services.image_name(article)}")
    assert image.body == PNG and image.content_type == "image/png"
    # Open Graph and Twitter card metadata, share links without scripts
    assert '<meta property="og:title" content="Nová poradna">' in page.text
    assert 'property="og:image" content="https://hub.example.org/news/' in page.text
    assert '<meta name="twitter:card" content="summary_large_image">' in page.text
    assert "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fhub.example.org" \
        in page.text
    # No script of the networks: the page's only scripts are the hub's own.
    assert all(tag.get("src", "").startswith("/static/") for tag in page.html.find_all("script"))

    client.set_cookie("hub_lang", "en")
    page = client.get(f"/news/{article.id}")
    assert "New advice service" in page.text and "In English" in page.text
    assert_no_canary(client.get("/news/feed.atom").text)
    assert_no_canary(client.get(f"/api/v1/news/articles/{article.id}").text)


def test_article_form_errors_keep_the_input(client, users):
    client.login(users.staff)
    page = client.post_form("/news/manage/new", {
        "title_cs": "", "perex_cs": "Zachovaný perex", "image_url": "https://evil.example/x.png",
        "perex_en": "English", "publish_at": "zítra"}, status=422)
    text = page.text
    assert "hub-error-summary" in text and "Zachovaný perex" in text
    assert 'href="#news-article-title_cs"' in text
    assert 'href="#news-article-image_url"' in text
    assert 'href="#news-article-publish_at"' in text
    assert 'href="#news-article-title_en"' in text
    assert 'href="#news-article-image_alt_cs"' in text
    form = client.get("/news/manage/new").forms["news-article"]
    form["title_cs"] = "Soubor"
    form["image"] = Upload("x.png", b"not an image", "image/png")
    page = form.submit(status=422)
    assert 'href="#news-article-image"' in page.text


def test_members_cannot_write_news(client, users, make_article):
    article = make_article()
    client.login(users.member)
    client.get("/news/manage", status=403)
    client.post_form("/news/manage/new", {"title_cs": "X"}, status=403)
    client.post_form(f"/news/manage/{article.id}/delete", {}, status=403)
    client.get("/news/manage/banners", status=403)
    client.get("/news/manage/pages/about", status=403)


def test_list_filters_by_topic_and_pages(client, make_article, topics):
    now = utcnow()
    for i in range(12):
        make_article(title_cs=f"Článek číslo {i:02d}", publish_at=now - dt.timedelta(hours=i + 1),
                     topics=[topics["oncology"]] if i % 2 else [])
    first = html_text(client.get("/news"))
    assert "Článek číslo 00" in first and "Článek číslo 10" not in first
    second = html_text(client.get("/news?page=2"))
    assert "Článek číslo 10" in second and "Článek číslo 00" not in second
    filtered = html_text(client.get("/news?topic=oncology"))
    assert "Článek číslo 01" in filtered and "Článek číslo 00" not in filtered
    assert client.get("/news?page=abc").status_int == 200
    assert client.get("/news?topic=unknown").status_int == 200


def test_feeds_are_valid_atom_per_site_and_per_topic(client, make_article, topics):
    make_article(title_cs="Onkologie dnes", topics=[topics["oncology"]])
    make_article(title_cs="Jiná zpráva")
    feed = client.get("/news/topics/oncology/feed.atom")
    assert feed.content_type == "application/atom+xml"
    root = ET.fromstring(feed.body)  # noqa: S314
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.find("a:title", ns).text for e in root.findall("a:entry", ns)]
    assert titles == ["Onkologie dnes"]
    everything = ET.fromstring(client.get("/news/feed.atom").body)  # noqa: S314
    assert len(everything.findall("a:entry", ns)) == 2
    client.get("/news/topics/no-such-topic/feed.atom", status=404)
    rss = client.get("/news/topics/oncology/feed.rss")
    assert rss.content_type == "application/rss+xml"
    items = ET.fromstring(rss.body).findall("channel/item")  # noqa: S314
    assert [i.find("title").text for i in items] == ["Onkologie dnes"]
    assert len(ET.fromstring(client.get("/news/feed.rss").body)  # noqa: S314
               .findall("channel/item")) == 2


def test_banner_is_shown_only_between_start_and_end(client, users, dbsession):
    now = utcnow()
    dbsession.add_all([
        Banner(text_cs="Právě platné oznámení", starts_at=now - dt.timedelta(hours=1),
               ends_at=now + dt.timedelta(hours=1)),
        Banner(text_cs="Budoucí oznámení", starts_at=now + dt.timedelta(hours=1),
               ends_at=now + dt.timedelta(hours=2)),
        Banner(text_cs="Staré oznámení <script>alert(1)</script>",
               starts_at=now - dt.timedelta(hours=3), ends_at=now - dt.timedelta(hours=2)),
    ])
    dbsession.flush()
    page = client.get("/")
    assert "Právě platné oznámení" in page.text
    assert "Budoucí oznámení" not in page.text and "Staré oznámení" not in page.text

    client.login(users.staff)
    form = client.get("/news/manage/banners/new").forms["news-banner"]
    form["text_cs"] = "Nové <b>oznámení</b>"
    form["starts_at"], form["ends_at"] = "2030-01-02T10:00", "2030-01-01T10:00"
    page = form.submit(status=422)
    assert 'href="#news-banner-ends_at"' in page.text
    form = page.forms["news-banner"]
    form["ends_at"] = "2030-01-03T10:00"
    form.submit(status=303)
    banner = dbsession.scalar(sa.select(Banner).where(Banner.text_cs.like("Nové%")))
    assert banner.ends_at > banner.starts_at
    assert "Nové &lt;b&gt;oznámení&lt;/b&gt;" in client.get("/news/manage/banners").text


def test_static_pages_are_edited_by_staff_and_linked_from_the_footer(client, users, dbsession):
    assert "/news/pages/about" not in client.get("/").text
    client.get("/news/pages/about", status=404)
    client.login(users.staff)
    form = client.get("/news/manage/pages/about").forms["news-page"]
    form["title_cs"], form["title_en"] = "O hubu", "About the hub"
    form["body_cs"] = "<p>Kdo jsme</p><script>alert(1)</script>"
    form["body_en"] = "<p>Who we are</p>"
    form.submit().follow()
    client.logout()
    home = client.get("/")
    assert "/news/pages/about" in home.text
    page = client.get("/news/pages/about")
    assert "Kdo jsme" in page.text and "<script>alert" not in page.text
    assert '<meta property="og:type" content="website">' in page.text
    client.get("/news/pages/unknown", status=404)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Page)) == 1


def test_api_lists_published_articles_and_is_in_openapi(client, make_article, topics):
    make_article(title_cs="Pro API", topics=[topics["diabetes"]])
    body = client.get("/api/v1/news/articles?topic=diabetes").json
    assert body["total"] == 1 and body["items"][0]["title"]["cs"] == "Pro API"
    assert body["items"][0]["topics"] == ["diabetes"]
    error = client.get("/api/v1/news/articles?page=0", status=422).json
    assert error["error"]["code"] == "validation_failed"
    client.get("/api/v1/news/articles/999999", status=404)
    document = client.get("/api/v1/openapi.json").json
    assert "/news/articles/{id}" in document["paths"]
    assert document["servers"][0]["url"] == "/api/v1"


def test_api_pages_articles_with_next_offset(client, make_article):
    for n in range(3):
        make_article(title_cs=f"Článek {n}")
    first = client.get("/api/v1/news/articles", {"limit": 1}).json
    assert set(first) == {"items", "total", "limit", "offset", "next_offset"}
    assert (first["total"], first["limit"], first["offset"], first["next_offset"]) == (3, 1, 0, 1)
    second = client.get("/api/v1/news/articles", {"limit": 1,
                                                  "offset": first["next_offset"]}).json
    assert second["items"][0]["id"] != first["items"][0]["id"] and second["next_offset"] == 2
    # ?page= links keep working: page 3 of one article each is the last.
    third = client.get("/api/v1/news/articles", {"limit": 1, "page": 3}).json
    assert third["offset"] == 2 and third["next_offset"] is None
    assert client.get("/api/v1/news/articles").json["limit"] == 20


def test_home_widget_and_search(client, make_article):
    make_article(title_cs="Nejnovější zpráva", perex_cs="O fundraisingu")
    assert "Nejnovější zpráva" in client.get("/").text
    assert "Nejnovější zpráva" in client.get("/search", {"q": "fundraisingu"}).text


def test_personal_data_of_authors(news_app, users, make_article, dbsession):
    from hub_news import hooks

    article = make_article(author_id=users.staff.id)

    class Request:
        pass

    request = Request()
    request.dbsession = dbsession
    exported = hooks.hub_personal_data_export(request, users.staff)
    assert exported["News articles written"][0]["id"] == article.id
    hooks.hub_personal_data_erase(request, users.staff)
    dbsession.expire_all()
    assert dbsession.get(Article, article.id).author_id is None


def test_demo_data_is_idempotent(dbsession):
    from hub_news.demo import create_demo_data

    create_demo_data(dbsession)
    count = dbsession.scalar(sa.select(sa.func.count()).select_from(Article))
    create_demo_data(dbsession)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Article)) == count >= 6


def test_error_pages_do_not_touch_the_database(client, dbsession, news_app):
    from hub_news import hooks

    class Request:
        environ = {"hub.degraded": True}

        @property
        def dbsession(self):
            raise AssertionError("the database was used on an error page")

    assert hooks.hub_slot(Request(), "before_content", None) is None
    assert hooks.hub_slot(Request(), "head", None) is None
    assert hooks.hub_navigation(Request(), "footer") is None
    assert client.get("/news/999999", status=404).status_int == 404


def test_banner_links_cannot_run_scripts(client, users, dbsession):
    client.login(users.staff)
    page = client.post_form("/news/manage/banners/new", {
        "text_cs": "Oznámení", "link_url": "javascript:alert(1)", "level": "info",
        "starts_at": "2030-01-01T10:00", "ends_at": "2030-01-02T10:00"}, status=422)
    assert 'href="#news-banner-link_url"' in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Banner)) == 0


def test_footer_lists_the_accessibility_statement_once(client, users, dbsession):
    from hub.testing import html_text

    client.login(users.staff)
    form = client.get("/news/manage/pages/accessibility").forms["news-page"]
    form["title_cs"], form["title_en"] = "Přístupnost hubu", "Accessibility of the hub"
    form["body_cs"] = "<p>Bezbariérový vstup z Palackého náměstí.</p>"
    form.submit().follow()
    client.logout()
    home = client.get("/")
    footer = home.html.find("footer")
    links = [a["href"] for a in footer.find_all("a")]
    assert links.count("/accessibility") == 1
    assert "/news/pages/accessibility" not in links
    # the core's statement links to what staff wrote, and back
    statement = client.get("/accessibility")
    assert 'href="/news/pages/accessibility"' in statement.text
    assert "Přístupnost hubu" in html_text(statement)
    page = client.get("/news/pages/accessibility")
    assert "Bezbariérový vstup" in page.text and 'href="/accessibility"' in page.text


def test_topic_and_page_are_in_the_list_title(client, topics):
    import html
    import re

    def title(url):
        return html.unescape(re.search(r"<title>([^<]*)</title>", client.get(url).text).group(1))

    assert title("/news").startswith("Novinky |")
    oncology = title("/news?topic=oncology&page=2")
    assert oncology.startswith("Novinky – ") and "– strana 2 |" in oncology
    assert oncology != title("/news?page=2") != title("/news")
