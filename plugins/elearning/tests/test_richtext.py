"""Course and lesson texts use the rich-text editor; the server sanitises them; a lesson is
previewed in both languages before it is saved."""
import re

import sqlalchemy as sa

from hub.testing import html_text
from hub_elearning.models import Lesson


def _rich(html):
    return {m.group(1): m.group(0) for m in re.finditer(r'<textarea[^>]*name="(\w+)"[^>]*>', html)
            if "data-hub-richtext" in m.group(0)}


def test_course_and_lesson_texts_are_rich_text_fields(elearning, users, course):
    c, article, video, quiz = course
    elearning.login(users.staff)
    for url, names in ((f"/elearning/manage/courses/{c.id}", ["description", "description_en"]),
                       ("/elearning/manage/new", ["description", "description_en"]),
                       (f"/elearning/manage/lessons/{article.id}", ["body", "body_en"]),
                       (f"/elearning/manage/lessons/{video.id}", ["body", "body_en"])):
        page = elearning.get(url)
        fields = _rich(page.text)
        assert sorted(fields) == names, url
        assert 'lang="cs"' in fields[names[0]] and 'lang="en"' in fields[names[1]]
        assert page.text.count('id="hub-richtext-template"') == 1
        assert ">Tučně<" in page.text  # the toolbar in the reader's language
    # a video's transcript stays plain text
    assert 'name="transcript"' in page.text and "transcript" not in _rich(page.text)


def test_lesson_bodies_are_sanitised_when_saved(elearning, users, course, dbsession):
    c, article, *_ = course
    elearning.login(users.staff)
    form = elearning.get(f"/elearning/manage/lessons/{article.id}").forms["lesson-form"]
    form["body"] = ('<h2>Část</h2><img src="/media/3/schema.png" alt="Schéma">'
                    '<img src="https://cdn.example/x.png" alt="cizí"><img src="/media/4/a.png">'
                    '<p onmouseover="alert(1)">text</p><script>alert(2)</script>')
    form.submit().follow()
    dbsession.refresh(article)
    assert article.body == ('<h2>Část</h2><img src="/media/3/schema.png" alt="Schéma">'
                            "<p>text</p>")


def test_a_lesson_is_previewed_in_both_languages_without_saving(elearning, users, course,
                                                               dbsession):
    c, article, *_ = course
    elearning.login(users.staff)
    form = elearning.get(f"/elearning/manage/lessons/{article.id}").forms["lesson-form"]
    form["title"] = "Nový název"
    form["body"] = "<p>Česky <em>kurzívou</em></p><script>alert(1)</script>"
    page = form.submit("preview")
    text = html_text(page)
    assert "Náhled (zatím neuloženo)" in text and "Česky" in text and "Anglicky" in text
    assert "<em>kurzívou</em>" in page.text and "<script>alert" not in page.text
    assert "anglicky mluvící studující český text" in text  # no English version yet
    # the English version shows the Czech text marked as Czech
    english = page.text.split('<article lang="en">', 1)[1].split("</article>", 1)[0]
    assert '<p lang="cs"><strong>Nový název</strong></p>' in english
    assert page.forms["lesson-form"]["title"].value == "Nový název"
    dbsession.refresh(article)
    assert article.title == "První článek" and article.body == "<p>Text článku</p>"

    form = page.forms["lesson-form"]
    form["title_en"], form["body_en"] = "New title", "<p>In <strong>English</strong></p>"
    page = form.submit("preview")
    english = page.text.split('<article lang="en">', 1)[1].split("</article>", 1)[0]
    assert "<strong>New title</strong>" in english and "In <strong>English</strong>" in english
    assert "lang=" not in english  # everything is in English now
    assert "anglicky mluvící studující" not in html_text(page)

    form = page.forms["lesson-form"]
    form["title"] = ""
    page = form.submit("preview", status=422)
    assert 'href="#field-title"' in page.text and "Náhled (zatím neuloženo)" not in page.text
    assert dbsession.scalar(sa.select(Lesson.title).where(Lesson.id == article.id)) == \
        "První článek"


def test_an_image_shown_in_a_course_or_lesson_cannot_be_deleted(
        make_app, dbsession, course, users, hook_request):
    from hub.media import MediaItem, usages

    image = MediaItem(kind="image", title="Schéma", alt="Schéma léčby", is_public=True,
                      file_key="media/2026/12/abcdefghijklmnopqrstuvwxyz", file_name="s.png",
                      content_type="image/png", size=10, sha256="0" * 64)
    dbsession.add(image)
    dbsession.flush()
    c, article, _video, _quiz = course
    shown = f'<p>Viz</p><img src="/media/{image.id}/s.png" alt="Schéma léčby">'
    c.description_en = shown
    article.body = shown
    dbsession.flush()
    request = hook_request(users.staff, app=make_app("elearning"))
    assert [request.localizer.translate(u) for u in usages(request, image)] == [
        f"Obrázek v kurzu {c.title}", f"Obrázek v lekci {article.title}"]
