"""Quiz policies staff choose per quiz: when the right answers show, how many attempts, and
new rounds of attempts for a learner who used them all (asked for by the learner, given by
staff from the course report). And a course's duration, which its lessons make up."""
import re

import sqlalchemy as sa

from hub.notifications.models import Notification
from hub_elearning.models import QuizAttempt, QuizReset


def _answers(quiz, right=True):
    single, short = quiz.questions
    correct = next(c for c in single.choices if c.is_correct)
    wrong = next(c for c in single.choices if not c.is_correct)
    return {f"q{single.id}": str((correct if right else wrong).id),
            f"q{short.id}": "Praha" if right else "Brno"}


def _text(page) -> str:
    """The page's words as a reader hears them, without markup."""
    return " ".join(re.sub(r"<[^>]+>", " ", page.text).split())


def _fail_all(client, c, quiz, lesson_url):
    for _n in range(quiz.max_attempts):
        client.post_form(lesson_url(c, quiz) + "/quiz", _answers(quiz, right=False))


def _set_policy(client, quiz, policy, max_attempts="2"):
    client.post_form(f"/elearning/manage/lessons/{quiz.id}", {
        "title": quiz.title, "pass_mark": "100", "max_attempts": max_attempts,
        "review_policy": policy})


def test_never_shows_the_score_but_not_the_answers_even_out_of_attempts(
        elearning, course, users, dbsession, lesson_url):
    c, article, video, quiz = course
    elearning.login(users.staff)
    _set_policy(elearning, quiz, "never")
    dbsession.refresh(quiz)
    assert quiz.review_policy == "never"
    elearning.login(users.member)
    _fail_all(elearning, c, quiz, lesson_url)
    page = elearning.get(lesson_url(c, quiz))
    assert "Nesplněno: 0 %" in page.text
    assert "Správná odpověď:" not in page.text and "Správně jsou čtyři." not in page.text


def test_after_passing_hides_the_answers_from_a_learner_out_of_attempts(
        elearning, course, users, dbsession, lesson_url):
    c, article, video, quiz = course
    elearning.login(users.staff)
    _set_policy(elearning, quiz, "after_passing")
    elearning.login(users.member)
    _fail_all(elearning, c, quiz, lesson_url)
    page = elearning.get(lesson_url(c, quiz))
    assert "Správná odpověď:" not in page.text
    assert "Správné odpovědi uvidíte, až test splníte." in page.text


def test_after_the_last_attempt_shows_the_right_answers_once_none_is_left(
        elearning, course, users, lesson_url):
    c, article, video, quiz = course  # two attempts, "after the last attempt" by default
    elearning.login(users.member)
    url = lesson_url(c, quiz)
    elearning.post_form(url + "/quiz", _answers(quiz, right=False))
    assert "Správná odpověď:" not in elearning.get(url).text
    elearning.post_form(url + "/quiz", _answers(quiz, right=False))
    text = _text(elearning.get(url))
    assert "Správná odpověď: Čtyři SECRET-RIGHT" in text and "Správná odpověď: Praha" in text


def test_the_lesson_form_rejects_an_unknown_policy(elearning, course, users, dbsession):
    c, article, video, quiz = course
    elearning.login(users.staff)
    page = elearning.post_form(f"/elearning/manage/lessons/{quiz.id}", {
        "title": quiz.title, "pass_mark": "100", "max_attempts": "2",
        "review_policy": "always"}, status=422)
    assert 'id="field-review_policy-error"' in page.text
    dbsession.refresh(quiz)
    assert quiz.review_policy == "after_last_attempt"


def test_a_learner_out_of_attempts_sees_why_and_asks_the_staff_for_new_ones(
        elearning, course, users, dbsession, lesson_url):
    c, article, video, quiz = course
    elearning.login(users.member)
    url = lesson_url(c, quiz)
    elearning.post_form(url + "/quiz", _answers(quiz, right=False))
    # Attempts left: nothing to ask for.
    elearning.post_form(url + "/reset-request", {"message": "Prosím"}).follow()
    assert dbsession.scalar(sa.select(sa.func.count(QuizReset.id))) == 0
    elearning.post_form(url + "/quiz", _answers(quiz, right=False))
    page = elearning.get(url)
    assert "quiz-form" not in page.text
    assert "Využili jste všechny pokusy (2) a potřebných 100 % jste nedosáhli." in page.text
    assert "Váš nejlepší výsledek byl 0 %." in page.text
    page.forms["reset-request-form"]["message"] = "Test jsem nestihla, prosím o nový pokus."
    page = page.forms["reset-request-form"].submit().follow()
    assert "O nové pokusy jste požádali" in page.text and "reset-request-form" not in page.text
    request = dbsession.scalars(sa.select(QuizReset)).one()
    assert (request.user_id, request.round, request.reset_at) == (users.member.id, 2, None)
    notes = dbsession.scalars(sa.select(Notification).where(
        Notification.kind == "elearning.reset_requested")).all()
    assert {n.user_id for n in notes} == {users.staff.id, users.admin.id}
    assert "Test jsem nestihla" in notes[0].body and "Marie Členová" in notes[0].body
    # Asking twice sends nothing more.
    elearning.post_form(url + "/reset-request", {"message": "Znovu"})
    assert dbsession.scalar(sa.select(sa.func.count(QuizReset.id))) == 1
    assert dbsession.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.kind == "elearning.reset_requested")) == 2


def test_staff_reset_from_the_report_gives_a_new_round_and_keeps_the_old_attempts(
        elearning, course, users, dbsession, lesson_url):
    c, article, video, quiz = course
    elearning.login(users.member)
    url = lesson_url(c, quiz)
    _fail_all(elearning, c, quiz, lesson_url)
    elearning.post_form(url + "/reset-request", {"message": ""})
    elearning.login(users.staff)
    report = elearning.get(f"/elearning/manage/courses/{c.id}/report")
    assert "Žádosti o nové pokusy v testech" in report.text and "bez pokusů" in report.text
    elearning.post_form(f"/elearning/manage/lessons/{quiz.id}/reset",
                        {"user_id": str(users.member.id)}).follow()
    reset = dbsession.scalars(sa.select(QuizReset)).one()
    assert reset.reset_at is not None and reset.reset_by_id == users.staff.id
    assert dbsession.scalar(sa.select(Notification.subject).where(
        Notification.kind == "elearning.attempts_reset",
        Notification.user_id == users.member.id)) == "Test Test můžete vyplnit znovu"
    report = elearning.get(f"/elearning/manage/courses/{c.id}/report")
    assert "Žádosti o nové pokusy v testech" not in report.text and "bez pokusů" not in report.text
    # Nothing to reset now: the learner has attempts again.
    elearning.post_form(f"/elearning/manage/lessons/{quiz.id}/reset",
                        {"user_id": str(users.member.id)})
    assert dbsession.scalar(sa.select(sa.func.count(QuizReset.id))) == 1

    elearning.login(users.member)
    page = elearning.get(url)
    assert "quiz-form" in page.text and "Zbývající pokusy: 2" in page.text
    assert "Správná odpověď:" not in page.text  # the new round's review waits again
    elearning.post_form(url + "/quiz", _answers(quiz, right=True))
    attempts = dbsession.scalars(sa.select(QuizAttempt).order_by(QuizAttempt.id)).all()
    assert [(a.round, a.number, a.passed) for a in attempts] == [
        (1, 1, False), (1, 2, False), (2, 1, True)]


def test_only_staff_reset_attempts_and_a_learner_cannot_for_a_quiz_passed(
        elearning, course, users, dbsession, lesson_url):
    c, article, video, quiz = course
    elearning.login(users.member)
    _fail_all(elearning, c, quiz, lesson_url)
    elearning.post_form(f"/elearning/manage/lessons/{quiz.id}/reset",
                        {"user_id": str(users.member.id)}, status=403)
    assert dbsession.scalar(sa.select(sa.func.count(QuizReset.id))) == 0
    elearning.login(users.staff)
    elearning.post_form(f"/elearning/manage/lessons/{quiz.id}/reset",
                        {"user_id": "999999"}, status=404)


def test_the_database_keeps_attempt_numbers_per_round(course, users, dbsession):
    c, article, video, quiz = course  # two attempts
    for round_, number in ((1, 1), (1, 2), (2, 1), (2, 2)):
        dbsession.add(QuizAttempt(user_id=users.member.id, lesson_id=quiz.id, round=round_,
                                  number=number, score=0, passed=False, answers={}))
    dbsession.flush()
    dbsession.add(QuizReset(user_id=users.member.id, lesson_id=quiz.id, round=2,
                            requested_at=None, reset_at=None))
    try:
        with dbsession.begin_nested():
            dbsession.flush()
    except sa.exc.IntegrityError:
        dbsession.expunge_all()
    else:
        raise AssertionError("a reset neither requested nor granted was stored")


def test_a_course_lasts_as_long_as_its_published_lessons(elearning, course, users, dbsession):
    c, article, video, quiz = course
    elearning.login(users.staff)
    for lesson, minutes in ((article, "15"), (video, "20")):
        elearning.post_form(f"/elearning/manage/lessons/{lesson.id}", {
            "title": lesson.title, "duration_minutes": minutes, "body": "<p>Text</p>",
            "transcript": "Dobrý den.", "captions_language": "cs",
            "video_url": "https://www.youtube.com/watch?v=abcdefgh"})
    dbsession.refresh(c)
    assert c.duration_minutes == 35
    page = elearning.get(f"/elearning/manage/courses/{c.id}")
    assert "Délka: 35 min, součet délek zveřejněných lekcí." in page.text
    assert 'name="duration_minutes"' not in page.forms["course-form"].text
    elearning.post_form(f"/elearning/manage/lessons/{video.id}/publish", {"publish": "0"})
    dbsession.refresh(c)
    assert c.duration_minutes == 15
    elearning.post_form(f"/elearning/manage/lessons/{article.id}/delete", {})
    dbsession.refresh(c)
    assert c.duration_minutes == 0
    assert "<dt>Délka</dt>" not in elearning.get(f"/elearning/courses/{c.slug}").text
