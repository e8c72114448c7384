"""The article and page forms switch on the rich-text editor; the server sanitises bodies."""
import re

import sqlalchemy as sa

from hub_news.models import Article, Page


def _rich_textareas(html):
    return {m.group(1): m.group(0) for m in re.finditer(r'<textarea[^>]*name="(\w+)"[^>]*>', html)
            if "data-hub-richtext" in m.group(0)}


def test_bodies_in_both_languages_are_rich_text_fields_with_translated_controls(client, users):
    client.login(users.staff)
    for url in ("/news/manage/new", "/news/manage/pages/about"):
        page = client.get(url)
        fields = _rich_textareas(page.text)
        assert sorted(fields) == ["body_cs", "body_en"], url
        assert 'lang="cs"' in fields["body_cs"] and 'lang="en"' in fields["body_en"]
        # one template of the toolbar per page, in the reader's language (Czech here)
        assert page.text.count('id="hub-richtext-template"') == 1
        template = page.text.split('id="hub-richtext-template"', 1)[1]
        assert 'role="toolbar" aria-label="Formátování textu"' in template
        assert ">Tučně<" in template and ">Číslovaný seznam<" in template
        assert 'aria-pressed="false"' in template
    # forms without rich text do not carry the editor
    page = client.get("/news/manage/banners/new")
    assert not _rich_textareas(page.text) and "hub-richtext-template" not in page.text


def test_the_server_sanitises_what_the_editor_or_anything_else_posts(client, users, dbsession):
    client.login(users.staff)
    form = client.get("/news/manage/new").forms["news-article"]
    form["title_cs"] = "Obrázky v textu"
    form["body_cs"] = ('<h2>Nadpis</h2><ul><li><p>bod</p></li></ul>'
                       '<img src="/media/12/graf.png" alt="Graf počtu členů">'
                       '<img src="/media/13/bez-popisu.png">'
                       '<img src="https://tracker.example/pixel.gif" alt="pixel">'
                       '<p onclick="alert(1)" style="color:red">text<script>alert(2)</script></p>'
                       '<a href="javascript:alert(3)">odkaz</a>')
    form.submit().follow()
    article = dbsession.scalar(sa.select(Article).where(Article.title_cs == "Obrázky v textu"))
    assert article.body_cs == (
        '<h2>Nadpis</h2><ul><li><p>bod</p></li></ul>'
        '<img src="/media/12/graf.png" alt="Graf počtu členů">'
        '<p>text</p><a rel="noopener noreferrer">odkaz</a>')
    page = client.get(f"/news/{article.id}")
    assert '<img src="/media/12/graf.png" alt="Graf počtu členů">' in page.text
    assert "tracker.example" not in page.text and "bez-popisu" not in page.text

    form = client.get("/news/manage/pages/about").forms["news-page"]
    form["title_cs"] = "O nás"
    form["body_cs"] = '<p>Ahoj<img src="//evil.example/x.png" alt="x"></p><style>p{}</style>'
    form.submit().follow()
    assert dbsession.scalar(sa.select(Page.body_cs).where(Page.slug == "about")) == "<p>Ahoj</p>"


def test_an_image_shown_in_an_article_or_page_cannot_be_deleted(
        news_app, users, dbsession, make_article, hook_request):
    from hub.media import MediaItem, usages
    from hub_news.models import Page

    image = MediaItem(kind="image", title="Plakát", alt="Plakát akce", is_public=True,
                      file_key="media/2026/12/abcdefghijklmnopqrstuvwxyz", file_name="p.png",
                      content_type="image/png", size=10, sha256="0" * 64)
    other = MediaItem(kind="image", title="Jiný", alt="Jiný obrázek", is_public=True,
                      file_key="media/2026/12/bcdefghijklmnopqrstuvwxyza", file_name="o.png",
                      content_type="image/png", size=10, sha256="1" * 64)
    dbsession.add_all([image, other])
    dbsession.flush()
    shown = f'<p>Text</p><img src="/media/{image.id}/p.png" alt="Plakát akce">'
    make_article(title_cs="S plakátem", body_en=shown)
    page = dbsession.scalars(sa.select(Page).where(Page.slug == "about")).first() \
        or Page(slug="about", title_cs="O nás")
    page.title_cs, page.body_cs = "O nás", shown
    dbsession.add(page)
    dbsession.flush()
    request = hook_request(users.staff, app=news_app)
    assert [request.localizer.translate(u) for u in usages(request, image)] == [
        "Obrázek v článku S plakátem", "Obrázek na stránce O nás"]
    assert usages(request, other) == []


def test_plain_text_of_a_body_unescapes_entities_and_separates_paragraphs(client, make_article):
    from hub_news.services import plain

    body = "<p>Tom &amp; Jerry &lt;3</p><p>Second</p>"
    assert plain(body) == "Tom & Jerry <3 Second"
    # Without a perex the page's description is the body's text, escaped once.
    article = make_article(perex_cs="", body_cs=body)
    page = client.get(f"/news/{article.id}")
    assert '<meta property="og:description" content="Tom &amp; Jerry &lt;3 Second">' \
        in page.text
    assert "&amp;amp;" not in page.text
