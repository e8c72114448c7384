"""Quizzes: answers hidden before submitting, attempts limited, scores stored."""
import re

import pytest
import sqlalchemy as sa

from hub_elearning.models import LessonProgress, QuizAttempt


def _answers(quiz, right=True):
    single, short = quiz.questions
    correct = next(c for c in single.choices if c.is_correct)
    wrong = next(c for c in single.choices if not c.is_correct)
    return {f"q{single.id}": str((correct if right else wrong).id),
            f"q{short.id}": " praha " if right else "Brno"}


def test_answers_are_not_in_the_page_before_submitting(elearning, course, users, lesson_url):
    c, article, video, quiz = course
    elearning.login(users.member)
    page = elearning.get(lesson_url(c, quiz))
    form = page.forms["quiz-form"]
    assert "Kolik je dva a dva?" in page.text
    # Feedback and accepted short answers stay on the server; choices look alike.
    assert "Správně jsou čtyři." not in page.text
    assert "Praha" not in page.text
    inputs = re.findall(r'<input id="c\d+"[^>]*>', page.text)
    assert len(inputs) == 2
    assert {re.sub(r'(id|value)="[^"]*"', "", i) for i in inputs} == {
        re.sub(r'(id|value)="[^"]*"', "", inputs[0])}
    assert "correct" not in " ".join(k for k in form.fields if k)


def test_course_api_never_contains_questions_or_answers(elearning, course):
    c, article, video, quiz = course
    body = elearning.get(f"/api/v1/elearning/courses/{c.slug}").text
    assert "SECRET-RIGHT" not in body and "Praha" not in body and "is_correct" not in body


def test_wrong_then_right_answers_with_feedback_and_stored_scores(
        elearning, course, users, dbsession, lesson_url):
    c, article, video, quiz = course
    elearning.login(users.member)
    url = lesson_url(c, quiz)
    elearning.post_form(url + "/quiz", _answers(quiz, right=False)).follow()
    page = elearning.get(url)
    # One attempt of two left: the score, but not yet the right answers (the default policy).
    assert "Nesplněno" in page.text and "Správně jsou čtyři." not in page.text
    elearning.post_form(url + "/quiz", _answers(quiz, right=True))
    page = elearning.get(url)
    assert "Správně jsou čtyři." in page.text
    attempts = dbsession.scalars(sa.select(QuizAttempt).where(
        QuizAttempt.user_id == users.member.id).order_by(QuizAttempt.number)).all()
    assert [(a.number, a.score, a.passed) for a in attempts] == [(1, 0, False), (2, 100, True)]
    assert dbsession.scalar(sa.select(LessonProgress.id).where(
        LessonProgress.user_id == users.member.id, LessonProgress.lesson_id == quiz.id))


def test_attempts_cannot_exceed_the_limit(elearning, course, users, dbsession, lesson_url):
    c, article, video, quiz = course  # two attempts
    elearning.login(users.member)
    url = lesson_url(c, quiz) + "/quiz"
    elearning.post_form(url, _answers(quiz, right=False))
    elearning.post_form(url, _answers(quiz, right=False))
    page = elearning.post_form(url, _answers(quiz, right=True), status=409)
    assert "pokusy" in page.text
    assert dbsession.scalar(sa.select(sa.func.count(QuizAttempt.id)).where(
        QuizAttempt.user_id == users.member.id)) == 2
    assert "quiz-form" not in elearning.get(lesson_url(c, quiz)).text


def test_the_database_rejects_an_attempt_above_the_limit(course, users, dbsession):
    c, article, video, quiz = course
    for number in (1, 2):
        dbsession.add(QuizAttempt(user_id=users.member.id, lesson_id=quiz.id, number=number,
                                  score=0, passed=False, answers={}))
    dbsession.flush()
    with pytest.raises(sa.exc.DBAPIError), dbsession.begin_nested():
        dbsession.add(QuizAttempt(user_id=users.member.id, lesson_id=quiz.id, number=3,
                                  score=0, passed=False, answers={}))
        dbsession.flush()
    with pytest.raises(sa.exc.IntegrityError), dbsession.begin_nested():
        dbsession.add(QuizAttempt(user_id=users.member.id, lesson_id=quiz.id, number=2,
                                  score=0, passed=False, answers={}))
        dbsession.flush()


def test_anonymous_visitors_see_the_quiz_but_cannot_submit(elearning, course, lesson_url):
    c, article, video, quiz = course
    page = elearning.get(lesson_url(c, quiz))
    assert "quiz-form" not in page.text
    elearning.post_form(lesson_url(c, quiz) + "/quiz", _answers(quiz), status=(302, 303, 403))


def test_submission_without_csrf_token_is_refused(elearning, course, users, lesson_url):
    c, article, video, quiz = course
    elearning.login(users.member)
    elearning.post(lesson_url(c, quiz) + "/quiz", _answers(quiz),
                   headers={"Origin": elearning.origin}, status=400)


def test_concurrent_submissions_cannot_take_more_than_the_last_attempt(
        committed_app, concurrent, course_builder):
    from hub.testing import HubTestApp, make_user

    app = committed_app("elearning")
    factory = app.registry["hub.dbsession_factory"]
    with factory() as db:
        user = make_user(db, "race@test.example")
        c, article, video, quiz = course_builder(db, max_attempts=1)
        course, quiz_id, answers = c.slug, quiz.id, _answers(quiz)
        db.commit()

    def client():
        return HubTestApp(app, extra_environ={"wsgi.url_scheme": "https",
                                              "HTTP_HOST": "hub.example.org"})

    # Render a page first: Chameleon compiles the layout on first use, which is not safe
    # from several threads at once (reported for the core).
    client().get(f"/elearning/courses/{course}")
    client().get("/nonexistent", status=404)

    def submit(i):
        client_ = client()
        client_.login(user)
        return client_.post_form(f"/elearning/courses/{course}/lessons/{quiz_id}/quiz",
                                 answers, expect_errors=True).status_int

    results = concurrent(8, submit)
    assert sorted(results) == [303] + [409] * 7, results
    with factory() as db:
        assert db.scalar(sa.select(sa.func.count(QuizAttempt.id))) == 1
