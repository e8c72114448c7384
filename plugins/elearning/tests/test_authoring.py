"""Staff authoring: courses, sections, lessons, questions, publication rules, imports."""
import sys
import types

import pytest
import sqlalchemy as sa
from webtest import Upload

from hub import hookimpl
from hub_elearning.models import Course, Lesson, Question

CAPTIONS = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nDobry den.\n"


def _create_course(client, **fields):
    data = {"title": "Nový kurz", "slug": "", "summary": "", "description": "",
            "level": "beginner", "language": "cs", "duration_minutes": "30",
            "visibility": "public", "completion_rule": "all_lessons", **fields}
    return client.post_form("/elearning/manage/new", data, **(
        {"status": 422} if not data["title"] else {}))


def test_members_cannot_manage_courses(elearning, course, users):
    c, *_ = course
    elearning.login(users.member)
    elearning.get("/elearning/manage", status=403)
    elearning.get(f"/elearning/manage/courses/{c.id}", status=403)
    elearning.post_form(f"/elearning/manage/courses/{c.id}/publish", {"publish": "0"},
                        status=403)
    elearning.get(f"/elearning/manage/courses/{c.id}/report.csv", status=403)


def test_staff_builds_and_publishes_a_course(elearning, users, dbsession):
    elearning.login(users.staff)
    response = _create_course(elearning, title="Jak vést spolek")
    course = dbsession.scalars(sa.select(Course)).one()
    assert course.slug == "jak-vest-spolek" and not course.is_published
    edit = response.location
    # No lesson yet: publishing is refused.
    elearning.post_form(f"/elearning/manage/courses/{course.id}/publish", {"publish": "1"})
    dbsession.expire_all()
    assert not course.is_published
    elearning.post_form(f"/elearning/manage/courses/{course.id}/sections", {"title": "Úvod"})
    section = course.sections[0]
    page = elearning.get(f"/elearning/manage/sections/{section.id}/lessons/new?kind=article")
    form = page.forms["lesson-form"]
    form["title"] = "První lekce"
    form["body"] = "<p>Vítejte</p>"
    form.submit().follow()
    lesson = section.lessons[0]
    elearning.post_form(f"/elearning/manage/lessons/{lesson.id}/publish", {"publish": "1"})
    elearning.post_form(f"/elearning/manage/courses/{course.id}/publish", {"publish": "1"})
    dbsession.expire_all()
    assert lesson.is_published and course.is_published
    assert "Jak vést spolek" in elearning.get(edit).text
    elearning.reset()
    assert "Jak vést spolek" in elearning.get("/elearning").text


def test_course_form_errors_are_shown_and_nothing_is_lost(elearning, users, course):
    elearning.login(users.staff)
    page = _create_course(elearning, title="", summary="Moje shrnutí")
    assert 'class="hub-error-summary"' in page.text and 'href="#field-title"' in page.text
    assert 'aria-describedby="field-title-error"' in page.text and "Moje shrnutí" in page.text
    assert 'aria-invalid="true"' in page.text
    assert '<p id="field-title-error" class="hub-error"><span class="visually-hidden">Chyba:' \
        in page.text
    c, *_ = course
    page = elearning.post_form("/elearning/manage/new", {
        "title": "Jiný", "slug": c.slug, "level": "beginner", "language": "cs",
        "visibility": "public", "completion_rule": "all_lessons"}, status=422)
    assert "Tuto adresu už používá jiný kurz." in page.text
    page = elearning.post_form("/elearning/manage/new", {
        "title": "Jiný", "level": "expert", "language": "cs", "visibility": "public",
        "completion_rule": "all_lessons"}, status=422)
    assert "Vyberte jednu z nabízených hodnot." in page.text


def test_videos_need_captions_and_a_transcript_to_be_published(elearning, users, course,
                                                              dbsession):
    c, article, video, quiz = course
    elearning.login(users.staff)
    section = video.section
    page = elearning.get(f"/elearning/manage/sections/{section.id}/lessons/new?kind=video")
    form = page.forms["lesson-form"]
    form["title"] = "Nové video"
    form["video_url"] = "https://www.youtube.com/watch?v=abcdefghijk"
    form.submit()
    lesson = dbsession.scalars(sa.select(Lesson).where(Lesson.title == "Nové video")).one()
    assert lesson.embed_url == "https://www.youtube-nocookie.com/embed/abcdefghijk"
    elearning.post_form(f"/elearning/manage/lessons/{lesson.id}/publish", {"publish": "1"})
    dbsession.refresh(lesson)
    assert not lesson.is_published
    page = elearning.get(f"/elearning/manage/lessons/{lesson.id}")
    assert "Video lze zveřejnit až s titulky." in page.text
    # The database refuses it too.
    with pytest.raises(sa.exc.IntegrityError), dbsession.begin_nested():
        lesson.is_published = True
        dbsession.flush()
    dbsession.refresh(lesson)
    form = page.forms["lesson-form"]
    form["captions"] = Upload("titulky.vtt", CAPTIONS, "text/vtt")
    form["transcript"] = "Dobrý den."
    form.submit()
    elearning.post_form(f"/elearning/manage/lessons/{lesson.id}/publish", {"publish": "1"})
    dbsession.refresh(lesson)
    assert lesson.is_published and lesson.captions_vtt.startswith("WEBVTT")


def test_lesson_form_rejects_unsafe_video_links_and_bad_files(elearning, users, course):
    c, article, video, quiz = course
    elearning.login(users.staff)
    page = elearning.get(f"/elearning/manage/lessons/{video.id}")
    form = page.forms["lesson-form"]
    form["video_url"] = "javascript:alert(1)"
    form["upload"] = Upload("x.exe", b"MZ", "application/octet-stream")
    form["captions"] = Upload("t.vtt", b"not captions", "text/vtt")
    page = form.submit(status=422)
    assert "Zadejte odkaz na YouTube nebo Vimeo, nebo https adresu." in page.text
    assert "Tento druh souboru není povolen." in page.text
    assert "Titulky musí být ve formátu WebVTT: první řádek musí být „WEBVTT“." in page.text


def test_document_lessons_serve_their_pdf(elearning, users, course, dbsession, lesson_url):
    c, article, video, quiz = course
    elearning.login(users.staff)
    page = elearning.get(f"/elearning/manage/sections/{article.section_id}/lessons/new"
                         "?kind=document")
    form = page.forms["lesson-form"]
    form["title"] = "Stanovy"
    form["upload"] = Upload("stanovy.pdf", b"not a pdf", "application/pdf")
    assert "Soubor není dokument PDF." in form.submit(status=422).text
    form = elearning.get(f"/elearning/manage/sections/{article.section_id}/lessons/new"
                         "?kind=document").forms["lesson-form"]
    form["title"] = "Stanovy"
    form["upload"] = Upload("stanovy.pdf", b"%PDF-1.4 test", "application/pdf")
    form.submit()
    lesson = dbsession.scalars(sa.select(Lesson).where(Lesson.title == "Stanovy")).one()
    elearning.post_form(f"/elearning/manage/lessons/{lesson.id}/publish", {"publish": "1"})
    elearning.reset()
    pdf = elearning.get(lesson_url(c, lesson) + "/file")
    assert pdf.body == b"%PDF-1.4 test" and pdf.content_type == "application/pdf"


def test_uploaded_videos_are_kept_on_the_storage_and_seekable(elearning, users, course,
                                                             dbsession, lesson_url):
    from hub.storage import get_store

    c, article, video, quiz = course
    elearning.login(users.staff)
    form = elearning.get(f"/elearning/manage/lessons/{video.id}").forms["lesson-form"]
    form["upload"] = Upload("film.mp4", b"MZ not a video", "video/mp4")
    assert "Soubor není video MP4 ani WebM." in form.submit(status=422).text
    movie = b"\x00\x00\x00\x20ftypisom" + bytes(range(256)) * 8
    form = elearning.get(f"/elearning/manage/lessons/{video.id}").forms["lesson-form"]
    form["upload"] = Upload("film.mp4", movie, "video/mp4")
    form["captions"] = Upload("film.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\nAhoj\n",
                              "text/vtt")
    form.submit()
    dbsession.refresh(video)
    assert video.file_key.startswith("elearning/")
    assert get_store(elearning.app.registry).read(video.file_key) == movie
    part = elearning.get(lesson_url(c, video) + "/file", headers={"Range": "bytes=16-31"},
                         status=206)
    assert part.body == movie[16:32] and part.content_type == "video/mp4"


def test_lessons_and_sections_are_reordered(elearning, users, course, dbsession):
    c, article, video, quiz = course
    elearning.login(users.staff)
    elearning.post_form(f"/elearning/manage/lessons/{quiz.id}/move", {"direction": "up"})
    dbsession.expire_all()
    assert [lesson.title for lesson in quiz.section.lessons] == ["První článek", "Test", "Video"]
    elearning.post_form(f"/elearning/manage/courses/{c.id}/sections", {"title": "Závěr"})
    last = c.sections[-1]
    elearning.post_form(f"/elearning/manage/sections/{last.id}/move", {"direction": "up"})
    dbsession.expire_all()
    assert [s.title for s in c.sections] == ["Závěr", "Úvod"]


def test_questions_are_validated(elearning, users, course, dbsession):
    c, article, video, quiz = course
    elearning.login(users.staff)
    url = f"/elearning/manage/lessons/{quiz.id}/questions"
    page = elearning.post_form(url, {"kind": "single", "text": "Otázka?",
                                     "choices": "*A\n*B"}, status=422)
    assert "Označte hvězdičkou právě jednu správnou možnost." in page.text
    elearning.post_form(url, {"kind": "multiple", "text": "Které?", "choices": "*A\n*B\nC",
                              "feedback": "A i B."})
    question = dbsession.scalars(sa.select(Question).where(Question.text == "Které?")).one()
    assert [(ch.text, ch.is_correct) for ch in question.choices] == [
        ("A", True), ("B", True), ("C", False)]


def test_report_and_csv_export(elearning, users, course, dbsession, lesson_url):
    c, article, video, quiz = course
    users.member.name = "=HYPERLINK(\"http://evil\")"
    dbsession.flush()
    elearning.login(users.member)
    elearning.post_form(lesson_url(c, article) + "/complete", {})
    elearning.login(users.staff)
    page = elearning.get(f"/elearning/manage/courses/{c.id}/report")
    assert "Míra dokončení" in page.text
    csv = elearning.get(f"/elearning/manage/courses/{c.id}/report.csv")
    assert csv.content_type == "text/csv"
    text = csv.body.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "member@test.example" in text


def test_csv_export_neutralises_quiz_titles_in_the_header(elearning, users, course, dbsession,
                                                          lesson_url):
    import csv
    import io

    c, article, video, quiz = course
    quiz.title = '=HYPERLINK("https://evil.example","Výsledky")'
    users.member.name = "@SUM(1+1)"
    dbsession.flush()
    elearning.login(users.member)
    elearning.post_form(lesson_url(c, article) + "/complete", {})
    elearning.login(users.staff)
    text = elearning.get(f"/elearning/manage/courses/{c.id}/report.csv").body.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text)))
    assert header[-1] == "'" + quiz.title
    assert row[0] == "'@SUM(1+1)"


# -- event recordings through the events plugin's hook ---------------------------------

def _recordings_plugin():
    impl = types.ModuleType("fake_events")

    @hookimpl
    def hub_event_recordings(request):
        return [{"event_id": 7, "title": "Kulatý stůl o lécích",
                 "title_en": "Round table on medicines", "date": "2026-10-01",
                 "video_url": "", "embed_url": "https://player.vimeo.com/video/123456789",
                 "captions_url": "https://media.example.org/7.vtt",
                 "transcript": "Přepis kulatého stolu."}]

    impl.hub_event_recordings = hub_event_recordings
    return impl


def test_staff_imports_an_event_recording_as_a_video_lesson(
        make_app, make_testapp, users, make_course, dbsession):
    app = make_app("elearning", **{"hub.site_name": "Hub se záznamy"})
    pm = app.registry["hub.pm"]
    impl = _recordings_plugin()
    if not pm.is_registered(sys.modules.get("fake_events", impl)):
        pm.register(impl, name="fake_events")
    client = make_testapp(app)
    c, article, video, quiz = make_course(slug="zaznamy")
    client.login(users.staff)
    page = client.get(f"/elearning/manage/courses/{c.id}/import")
    assert "Kulatý stůl o lécích" in page.text
    form = page.forms["import-form"]
    form["event_id"] = "7"
    form.submit()
    lesson = dbsession.scalars(sa.select(Lesson).where(Lesson.source_event_id == "7")).one()
    assert lesson.kind == "video" and not lesson.is_published
    assert lesson.embed_url == "https://player.vimeo.com/video/123456789"
    assert lesson.transcript == "Přepis kulatého stolu."
    assert lesson.title_en == "Round table on medicines"
    pm.unregister(name="fake_events")


def test_import_page_explains_when_events_are_not_enabled(elearning, users, course):
    c, *_ = course
    elearning.login(users.staff)
    page = elearning.get(f"/elearning/manage/courses/{c.id}/import")
    assert "Záznamy lze importovat, když je zapnutý modul akcí." in page.text


def test_import_page_uses_the_real_events_plugin_when_enabled(
        make_app, make_testapp, users, make_course):
    pytest.importorskip("hub_events")
    client = make_testapp(make_app("events", "elearning"))
    c, *_ = make_course(slug="s-akcemi")
    client.login(users.staff)
    page = client.get(f"/elearning/manage/courses/{c.id}")
    assert f"/elearning/manage/courses/{c.id}/import" in page.text
    page = client.get(f"/elearning/manage/courses/{c.id}/import")
    assert "Nejsou k dispozici žádné záznamy proběhlých akcí." in page.text
