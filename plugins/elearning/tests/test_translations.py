"""Courses, sections and lessons in Czech and English."""
import pytest
import sqlalchemy as sa
from pyramid.request import Request
from pyramid.scripting import prepare

from hub import migrate
from hub_elearning import hooks
from hub_elearning.models import Course, Lesson, Section


def _translate(course, article):
    """English texts for the course, its section and its article (the video stays Czech)."""
    course.title_en = "Course for patients"
    course.summary_en = "Summary in English"
    course.description_en = "<p>Description in English</p>"
    course.sections[0].title_en = "Introduction"
    article.title_en = "First article"
    article.body_en = "<p>Text of the article</p>"


def test_english_pages_show_english_texts_and_mark_czech_ones(elearning, course, dbsession,
                                                             lesson_url):
    c, article, video, quiz = course
    _translate(c, article)
    dbsession.flush()
    elearning.set_cookie("hub_lang", "en")
    page = elearning.get(f"/elearning/courses/{c.slug}")
    assert "<h1>Course for patients</h1>" in page.text
    assert "Summary in English" in page.text and "Description in English" in page.text
    assert '<h3 id="section-' in page.text and ">Introduction</h3>" in page.text
    assert ">First article</a>" in page.text and "První článek" not in page.text
    # The video has no English title: the Czech one is marked as Czech.
    assert f'href="{lesson_url(c, video)}" lang="cs">Video</a>' in page.text
    assert "Kurz pro pacienty" not in page.text
    catalogue = elearning.get("/elearning")
    assert ">Course for patients</a></h3>" in catalogue.text
    assert '<h3 lang="cs">' not in catalogue.text
    lesson = elearning.get(lesson_url(c, article))
    assert "<h1>First article</h1>" in lesson.text and "Text of the article" in lesson.text
    assert "Text článku" not in lesson.text
    # In Czech, the Czech texts without any lang attribute.
    elearning.set_cookie("hub_lang", "cs")
    page = elearning.get(f"/elearning/courses/{c.slug}")
    assert "<h1>Kurz pro pacienty</h1>" in page.text and "Course for patients" not in page.text
    assert 'lang="cs"' not in page.text.split("<main", 1)[1]


def test_untranslated_course_falls_back_to_czech_marked_as_czech(elearning, course,
                                                                  lesson_url):
    c, article, video, quiz = course
    elearning.set_cookie("hub_lang", "en")
    page = elearning.get(f"/elearning/courses/{c.slug}")
    assert '<h1 lang="cs">Kurz pro pacienty</h1>' in page.text
    assert '<p class="hub-lead" lang="cs">Shrnutí</p>' in page.text
    assert '<div class="el-richtext" lang="cs"><p>Popis</p></div>' in page.text
    catalogue = elearning.get("/elearning")
    assert '<h3 lang="cs"><a href="/elearning/courses/kurz">Kurz pro pacienty</a></h3>' \
        in catalogue.text
    lesson = elearning.get(lesson_url(c, article))
    assert '<h1 lang="cs">První článek</h1>' in lesson.text
    assert '<div class="el-richtext" lang="cs"><p>Text článku</p></div>' in lesson.text


def test_my_courses_and_home_widget_in_english(elearning, course, users, dbsession,
                                               lesson_url):
    c, article, video, quiz = course
    elearning.login(users.member)
    elearning.post_form(lesson_url(c, article) + "/complete", {})
    c.title_en = "Course for patients"
    dbsession.flush()
    elearning.set_cookie("hub_lang", "en")
    assert ">Course for patients</a>" in elearning.get("/elearning/my").text
    assert ">Course for patients</a>" in elearning.get("/my").text
    elearning.reset()
    elearning.set_cookie("hub_lang", "en")
    assert ">Course for patients</a>" in elearning.get("/").text


def test_api_answers_in_the_requested_language_with_translations(elearning, course,
                                                                  dbsession):
    c, article, video, quiz = course
    _translate(c, article)
    dbsession.flush()
    english = {"Accept-Language": "en"}
    listed = elearning.get("/api/v1/elearning/courses", headers=english).json["items"][0]
    assert listed["title"] == "Course for patients"
    assert listed["summary"] == "Summary in English"
    assert listed["translations"] == {"en": {"title": "Course for patients",
                                             "summary": "Summary in English"}}
    detail = elearning.get(f"/api/v1/elearning/courses/{c.slug}", headers=english).json
    assert detail["title"] == "Course for patients"
    assert detail["description_html"] == "<p>Description in English</p>"
    assert detail["translations"]["en"]["description"] == "<p>Description in English</p>"
    section = detail["sections"][0]
    assert section["title"] == "Introduction"
    assert section["translations"] == {"en": {"title": "Introduction"}}
    lessons = {item["id"]: item for item in section["lessons"]}
    assert lessons[article.id]["title"] == "First article"
    assert lessons[video.id]["title"] == "Video" and lessons[video.id]["translations"] == {
        "en": {}}
    czech = elearning.get(f"/api/v1/elearning/courses/{c.slug}",
                          headers={"Accept-Language": "cs"}).json
    assert czech["title"] == "Kurz pro pacienty" and czech["sections"][0]["title"] == "Úvod"
    assert czech["translations"]["en"]["title"] == "Course for patients"
    # The English title is found by the catalogue's search too.
    found = elearning.get("/api/v1/elearning/courses", {"q": "for patients"}).json
    assert [item["slug"] for item in found["items"]] == [c.slug]


def test_openapi_documents_the_translations(elearning):
    schemas = elearning.get("/api/v1/openapi.json").json["components"]["schemas"]
    course = schemas["ElearningCourse"]["properties"]["translations"]
    assert set(course["properties"]["en"]["properties"]) == {"title", "summary", "description"}
    assert course["properties"]["en"]["properties"]["title"]["maxLength"] == 200
    lesson = schemas["ElearningLesson"]["properties"]["translations"]
    assert set(lesson["properties"]["en"]["properties"]) == {"title"}


def test_staff_forms_save_the_english_versions(elearning, users, dbsession):
    elearning.login(users.staff)
    page = elearning.get("/elearning/manage/new")
    assert "<legend>Anglická verze</legend>" in page.text
    form = page.forms["course-form"]
    form["title"] = "Jak vést spolek"
    form["title_en"] = "How to run an association"
    form["summary_en"] = "For committees"
    form["description_en"] = '<p onclick="x()">About</p>'
    edit = form.submit().follow()
    course = dbsession.scalars(sa.select(Course)).one()
    assert (course.title_en, course.summary_en) == ("How to run an association",
                                                    "For committees")
    assert course.description_en == "<p>About</p>"  # cleaned like the Czech one
    assert edit.forms["course-form"]["title_en"].value == "How to run an association"
    elearning.post_form(f"/elearning/manage/courses/{course.id}/sections",
                        {"title": "Úvod", "title_en": "Introduction"})
    section = dbsession.scalars(sa.select(Section)).one()
    assert section.title_en == "Introduction"
    elearning.post_form(f"/elearning/manage/sections/{section.id}",
                        {"title": "Začátek", "title_en": "Beginning"})
    dbsession.expire_all()
    assert (section.title, section.title_en) == ("Začátek", "Beginning")
    page = elearning.get(f"/elearning/manage/sections/{section.id}/lessons/new?kind=article")
    form = page.forms["lesson-form"]
    form["title"] = "První lekce"
    form["body"] = "<p>Vítejte</p>"
    form["title_en"] = "First lesson"
    form["body_en"] = "<p>Welcome</p>"
    form.submit().follow()
    lesson = dbsession.scalars(sa.select(Lesson)).one()
    assert (lesson.title_en, lesson.body_en) == ("First lesson", "<p>Welcome</p>")
    page = elearning.get(f"/elearning/manage/lessons/{lesson.id}")
    assert page.forms["lesson-form"]["title_en"].value == "First lesson"


def test_english_fields_are_checked_and_kept_on_errors(elearning, users, course, dbsession):
    c, article, *_ = course
    elearning.login(users.staff)
    page = elearning.get(f"/elearning/manage/courses/{c.id}")
    form = page.forms["course-form"]
    form["title_en"] = "x" * 201
    form["summary_en"] = "Kept summary"
    page = form.submit(status=422)
    assert 'href="#field-title_en"' in page.text
    assert page.forms["course-form"]["summary_en"].value == "Kept summary"
    dbsession.expire_all()
    assert c.title_en == "" and c.summary_en == ""
    page = elearning.get(f"/elearning/manage/lessons/{article.id}")
    form = page.forms["lesson-form"]
    form["title"] = ""
    form["title_en"] = "Kept title"
    page = form.submit(status=422)
    assert page.forms["lesson-form"]["title_en"].value == "Kept title"


@pytest.fixture
def staff_request(elearning, dbsession):
    env = prepare(request=Request.blank("/", base_url="https://hub.example.org"),
                  registry=elearning.app.registry)
    request = env["request"]
    request.dbsession = dbsession
    yield request
    env["closer"]()


def test_missing_translations_of_published_content(make_course, dbsession, staff_request):
    done, done_article, done_video, done_quiz = make_course(slug="hotovy", title="Přeložený")
    _translate(done, done_article)
    done_video.title_en, done_quiz.title_en = "Video", "Quiz"
    todo, *_ = make_course(slug="todo", title="Nepřeložený")
    make_course(slug="draft", title="Koncept", published=False)
    dbsession.flush()
    found = hooks.hub_translations_missing(staff_request)
    titles = {item.title: item for item in found}
    assert "Přeložený" not in titles and "Koncept" not in titles
    assert not any("Přeložený" in title for title in titles)
    assert not any("Koncept" in title for title in titles)
    assert titles["Nepřeložený"].fields == ("title", "summary", "description")
    assert titles["Nepřeložený"].url == f"/elearning/manage/courses/{todo.id}"
    assert titles["Úvod (Nepřeložený)"].fields == ("title",)
    assert titles["První článek (Nepřeložený)"].fields == ("title", "body")
    assert titles["Video (Nepřeložený)"].fields == ("title",)  # an empty text needs nothing
    # A section readers do not see (no published lesson) waits.
    dbsession.add(Section(course_id=todo.id, title="Prázdný", position=2))
    dbsession.flush()
    dbsession.expire(todo, ["sections"])
    titles = {item.title for item in hooks.hub_translations_missing(staff_request)}
    assert "Úvod (Nepřeložený)" in titles and "Prázdný (Nepřeložený)" not in titles
    assert [section.title for section in todo.sections] == ["Úvod", "Prázdný"]


def test_staff_page_of_missing_translations_lists_courses(elearning, course, users):
    elearning.login(users.staff)
    page = elearning.get("/admin/translations")
    assert "Kurz pro pacienty" in page.text and "Oddíl kurzu" in page.text


def test_search_finds_the_english_version(elearning, course, dbsession):
    c, article, *_ = course
    _translate(c, article)
    dbsession.flush()
    elearning.set_cookie("hub_lang", "en")
    page = elearning.get("/search", {"q": "course patients"})
    assert "Course for patients" in page.text


def test_demo_courses_have_english_versions_but_one(dbsession):
    hooks.hub_demo_data(dbsession, 2)
    courses = {c.slug: c for c in dbsession.scalars(sa.select(Course))}
    assert courses["prava-pacientu-pro-cleny"].title_en == "Patients' rights in practice"
    assert courses["kurz-pro-pacienty-1"].title_en == "Course for patients 1"
    assert courses["jak-vest-pacientskou-organizaci"].title_en == ""
    lessons = dbsession.scalars(sa.select(Lesson).where(Lesson.title_en == "")).all()
    assert {lesson.course_id for lesson in lessons} == {
        courses["jak-vest-pacientskou-organizaci"].id}
    assert not any(c.missing_translations() for c in courses.values()
                   if c.slug != "jak-vest-pacientskou-organizaci")


BEFORE = "8c4f2a6e1d70"  # the last revision without English versions


@pytest.fixture
def empty_registry(migration_registry):
    return migration_registry("elearning")


def test_migration_adds_english_columns_and_keeps_the_rows(empty_registry):
    registry = empty_registry
    migrate.upgrade(registry, "head", branch="core")
    migrate.upgrade(registry, BEFORE, branch="elearning")
    engine = registry["hub.dbengine"]
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO elearning_course (slug, title, summary, description, level, language, "
            "duration_minutes, visibility, link_token, completion_rule, is_published, "
            "created_at, updated_at) VALUES ('k', 'K', '', '', 'beginner', 'cs', 0, 'public', "
            "'t', 'all_lessons', :p, '2026-01-01 10:00:00', '2026-01-01 10:00:00')"),
            {"p": True})
        conn.execute(sa.text("INSERT INTO elearning_section (course_id, title, position) "
                             "SELECT id, 'Úvod', 1 FROM elearning_course"))
        conn.execute(sa.text(
            "INSERT INTO elearning_lesson (course_id, section_id, kind, title, position, "
            "is_published, is_preview, duration_minutes, body, video_url, embed_url, "
            "file_key, file_name, file_type, captions_vtt, captions_url, "
            "captions_language, transcript, pass_mark, max_attempts, source_event_id) "
            "SELECT c.id, s.id, 'article', 'A', 1, :p, :p, 5, '<p>x</p>', '', '', '', '', '', "
            "'', '', 'cs', '', 60, 1, '' FROM elearning_course c JOIN elearning_section s "
            "ON s.course_id = c.id"), {"p": True})
    migrate.upgrade(registry, "head", branch="elearning")
    with engine.connect() as conn:
        assert conn.execute(sa.text(
            "SELECT title_en, summary_en, description_en FROM elearning_course")).one() == (
            "", "", "")
        assert conn.execute(sa.text("SELECT title_en FROM elearning_section")).scalar() == ""
        assert tuple(conn.execute(sa.text(
            "SELECT title_en, body_en FROM elearning_lesson")).one()) == ("", "")
    migrate.downgrade(registry, "elearning", BEFORE)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("elearning_lesson")}
    assert "title_en" not in columns and "body_en" not in columns
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM elearning_lesson")).scalar() == 1


def test_completion_is_announced_with_the_title_in_the_learners_language(
        elearning, course, users, dbsession, lesson_url):
    from hub.notifications.models import Notification

    c, article, video, quiz = course
    c.title_en = "Course for patients"
    users.member.language = "en"
    dbsession.flush()
    elearning.login(users.member)
    elearning.post_form(lesson_url(c, article) + "/complete", {})
    elearning.post_form(lesson_url(c, video) + "/complete", {})
    single, short = quiz.questions
    right = next(ch for ch in single.choices if ch.is_correct)
    elearning.post_form(lesson_url(c, quiz) + "/quiz",
                        {f"q{single.id}": str(right.id), f"q{short.id}": "Praha"})
    subjects = dbsession.scalars(sa.select(Notification.subject).where(
        Notification.user_id == users.member.id)).all()
    assert subjects == ["You have completed the course Course for patients"]


def test_suggestions_are_in_the_persons_language(make_course, dbsession, users,
                                                 staff_request):
    c, *_ = make_course(topics=("diabetes",))
    c.title_en, c.summary_en = "Course for patients", "In English"
    dbsession.flush()
    staff_request.locale_name = "en"
    found = hooks.hub_for_you(staff_request, users.member, {"diabetes"})
    assert [(s.title, s.summary) for s in found] == [("Course for patients", "In English")]


def test_migration_gives_issued_certificates_the_english_title_of_the_same_course_title(
        empty_registry):
    from hub.accounts.models import User

    registry = empty_registry
    migrate.upgrade(registry, "head", branch="core")
    migrate.upgrade(registry, "3b9d7e5a1c42", branch="elearning")
    engine = registry["hub.dbengine"]
    with engine.begin() as conn:
        for slug, title in (("a", "Kurz A"), ("b", "Kurz B")):
            conn.execute(sa.text(
                "INSERT INTO elearning_course (slug, title, title_en, summary, summary_en, "
                "description, description_en, level, language, duration_minutes, visibility, "
                "link_token, completion_rule, is_published, created_at, updated_at) VALUES "
                "(:slug, :title, :en, '', '', '', '', 'beginner', 'cs', 0, 'public', :slug, "
                "'all_lessons', :p, '2026-01-01 10:00:00', '2026-01-01 10:00:00')"),
                {"slug": slug, "title": title, "en": f"Course {slug.upper()}", "p": True})
        conn.execute(User.__table__.insert().values(email="m@example.org", name="M"))
        # The certificate of course B was issued before the course was renamed.
        for code, slug, title in (("A1", "a", "Kurz A"), ("B1", "b", "Starý název")):
            conn.execute(sa.text(
                "INSERT INTO elearning_certificate (code, user_id, course_id, learner_name, "
                "course_title, issued_at) SELECT :code, u.id, c.id, 'M', :title, "
                "'2026-01-02 10:00:00' FROM \"user\" u, elearning_course c "
                "WHERE c.slug = :slug"), {"code": code, "slug": slug, "title": title})
    migrate.upgrade(registry, "head", branch="elearning")
    with engine.connect() as conn:
        assert dict(conn.execute(sa.text(
            "SELECT code, course_title_en FROM elearning_certificate")).all()) == {
            "A1": "Course A", "B1": ""}
    migrate.downgrade(registry, "elearning", "3b9d7e5a1c42")
    columns = {c["name"] for c in sa.inspect(engine).get_columns("elearning_certificate")}
    assert "course_title_en" not in columns
