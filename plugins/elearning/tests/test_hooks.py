"""Contributions to the shell, GDPR, CRM, search and demo data."""
import pytest
import sqlalchemy as sa
from pyramid.request import Request
from pyramid.scripting import prepare

from hub_elearning import hooks
from hub_elearning.models import (
    Certificate,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    QuizAttempt,
    QuizReset,
)


def _complete(client, c, article, video, quiz, lesson_url):
    client.post_form(lesson_url(c, article) + "/complete", {})
    client.post_form(lesson_url(c, video) + "/complete", {})
    single, short = quiz.questions
    right = next(ch for ch in single.choices if ch.is_correct)
    client.post_form(lesson_url(c, quiz) + "/quiz",
                     {f"q{single.id}": str(right.id), f"q{short.id}": "Praha"})


@pytest.fixture
def hook_request(elearning, dbsession):
    """An anonymous request of the elearning app using the test's session."""
    env = prepare(request=Request.blank("/", base_url="https://hub.example.org"),
                  registry=elearning.app.registry)
    request = env["request"]
    request.dbsession = dbsession
    yield request
    env["closer"]()


def test_navigation_widgets_and_profile(elearning, course, users, lesson_url):
    c, article, video, quiz = course
    page = elearning.get("/")
    assert "Online kurzy" in page.text and c.title in page.text  # home widget
    elearning.login(users.member)
    elearning.post_form(lesson_url(c, article) + "/complete", {})
    page = elearning.get("/my")
    assert "Moje kurzy" in page.text and "33 %" in page.text
    assert "/elearning/manage" not in page.text
    elearning.login(users.staff)
    assert "/elearning/manage" in elearning.get("/elearning").text


def test_personal_data_export_and_erase(
        elearning, course, users, dbsession, lesson_url, hook_request):
    c, article, video, quiz = course
    elearning.login(users.member)
    _complete(elearning, c, article, video, quiz, lesson_url)
    request = hook_request
    exported = hooks.hub_personal_data_export(request, users.member)
    assert exported["Online courses"][0]["course"] == c.title
    assert len(exported["Completed lessons"]) == 3
    assert exported["Quiz attempts"][0]["score"] == 100
    assert exported["Certificates"][0]["name"] == "Marie Členová"
    hooks.hub_personal_data_erase(request, users.member)
    for model in (Enrolment, LessonProgress, QuizAttempt, QuizReset, Certificate):
        assert dbsession.scalar(sa.select(sa.func.count(model.id)).where(
            model.user_id == users.member.id)) == 0
    assert set(hooks.hub_personal_data_tables()) == {
        "elearning_enrolment", "elearning_lesson_progress", "elearning_quiz_attempt",
        "elearning_quiz_reset", "elearning_certificate"}


def test_segment_criterion_completed_course_and_activity(
        elearning, course, users, dbsession, lesson_url, hook_request):
    c, article, video, quiz = course
    elearning.login(users.member)
    _complete(elearning, c, article, video, quiz, lesson_url)
    elearning.login(users.representative)
    elearning.post_form(lesson_url(c, article) + "/complete", {})
    completed, started = hooks.hub_segment_criteria()
    request = hook_request
    assert (str(c.id), c.title) in completed.options(request)
    assert set(dbsession.scalars(completed.user_ids(request, str(c.id)))) == {users.member.id}
    assert set(dbsession.scalars(started.user_ids(request, str(c.id)))) == {
        users.member.id, users.representative.id}
    assert list(dbsession.scalars(completed.user_ids(request, "nonsense"))) == []


def test_activity_and_search_through_the_app(
        elearning, course, users, dbsession, lesson_url, hook_request):
    c, article, video, quiz = course
    elearning.login(users.member)
    _complete(elearning, c, article, video, quiz, lesson_url)
    request = hook_request
    kinds = [e["title"] for e in hooks.hub_activity(request, users.member)]
    assert any("Dokončil(a) kurz" in k for k in kinds)
    from hub.search.query import search

    assert [r.title for r in search(request, "pacienty").results] == [c.title]


def test_demo_data_is_idempotent_and_scales(dbsession):
    hooks.hub_demo_data(dbsession, 1)
    count = dbsession.scalar(sa.select(sa.func.count(Course.id)))
    hooks.hub_demo_data(dbsession, 1)
    assert dbsession.scalar(sa.select(sa.func.count(Course.id))) == count == 3
    titles = set(dbsession.scalars(sa.select(Course.title)))
    assert "Jak vést pacientskou organizaci" in titles and "Připomínkování legislativy" in titles
    hooks.hub_demo_data(dbsession, 2)
    assert dbsession.scalar(sa.select(sa.func.count(Course.id))) == 3 + 2
    assert dbsession.scalar(sa.select(sa.func.count(Lesson.id)).where(
        Lesson.course_id.in_(sa.select(Course.id).where(
            Course.slug.like("kurz-pro-pacienty-%"))))) == 2 * 20
    hooks.hub_demo_data(dbsession, 2)
    assert dbsession.scalar(sa.select(sa.func.count(Course.id))) == 3 + 2
    course = dbsession.scalar(sa.select(Course).where(
        Course.slug == "jak-vest-pacientskou-organizaci"))
    assert course.topic_slugs == ["fundraising", "volunteering"]


def test_profile_section_lists_my_courses(elearning, course, users, lesson_url):
    c, article, video, quiz = course
    elearning.login(users.member)
    assert "Zatím jste nezačali žádný kurz." in elearning.get("/profile").text
    elearning.post_form(lesson_url(c, article) + "/complete", {})
    page = elearning.get("/profile")
    assert "Moje kurzy" in page.text and c.title in page.text


def test_search_finds_courses_however_czech_is_typed(elearning, make_course):
    make_course(slug="prava", title="Práva pacientů v praxi")
    make_course(slug="skryty", title="Práva pacientů – sdílený odkazem", visibility="link")
    make_course(slug="koncept", title="Práva pacientů – koncept", published=False)
    for query in ("prava pacientu", "práva pacientů", "PRAVA PAC"):
        page = elearning.get("/search", {"q": query})
        assert "Práva pacientů v praxi" in page.text, query
        assert "sdílený odkazem" not in page.text and "koncept" not in page.text
    elearning.set_cookie("hub_lang", "en")
    assert "Online course" in elearning.get("/search", {"q": "prava pacientu"}).text
