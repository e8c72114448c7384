"""Course reports for staff, and new rounds of quiz attempts: the learner's request and
the staff's reset from the report."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.csvexport import csv_response
from hub.notifications import notify
from hub.security import AUTHENTICATED
from hub_elearning import services
from hub_elearning.authoring import _course, _crumbs, _flash
from hub_elearning.i18n import _
from hub_elearning.models import (
    Enrolment,
    Lesson,
    LessonProgress,
    QuizAttempt,
    QuizReset,
)
from hub_elearning.services import MANAGE, REPORTS
from hub_elearning.views import _lesson_context, format_day, lesson_url

RESET_REQUESTED = "elearning.reset_requested"
ATTEMPTS_RESET = "elearning.attempts_reset"


def _rounds(db, course_id: int) -> tuple[dict, dict]:
    """Per (learner, quiz): the current round, and the attempts and passes in each round."""
    current = {(u, q): r for u, q, r in db.execute(
        sa.select(QuizReset.user_id, QuizReset.lesson_id, sa.func.max(QuizReset.round))
        .join(Lesson, Lesson.id == QuizReset.lesson_id)
        .where(Lesson.course_id == course_id, QuizReset.reset_at.is_not(None))
        .group_by(QuizReset.user_id, QuizReset.lesson_id)).all()}
    per_round = {(u, q, r): (n, passed or 0) for u, q, r, n, passed in db.execute(
        sa.select(QuizAttempt.user_id, QuizAttempt.lesson_id, QuizAttempt.round,
                  sa.func.count(QuizAttempt.id),
                  sa.func.sum(sa.case((QuizAttempt.passed.is_(True), 1), else_=0)))
        .join(Lesson, Lesson.id == QuizAttempt.lesson_id)
        .where(Lesson.course_id == course_id)
        .group_by(QuizAttempt.user_id, QuizAttempt.lesson_id, QuizAttempt.round)).all()}
    return current, per_round


def course_report(request, course) -> dict:
    """Learners, completion and quiz results of one course (a fixed number of queries),
    with the learners who used every attempt of a quiz without passing it."""
    from hub.accounts.models import User

    db = request.dbsession
    learners = db.execute(
        sa.select(Enrolment, User).join(User, User.id == Enrolment.user_id)
        .where(Enrolment.course_id == course.id).order_by(User.name, User.id)).all()
    done_counts = dict(db.execute(
        sa.select(LessonProgress.user_id, sa.func.count(LessonProgress.id))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(Lesson.course_id == course.id).group_by(LessonProgress.user_id)).all())
    quiz_rows = db.execute(
        sa.select(Lesson.id, Lesson.title, sa.func.count(QuizAttempt.id),
                  sa.func.avg(QuizAttempt.score),
                  sa.func.sum(sa.case((QuizAttempt.passed.is_(True), 1), else_=0)),
                  Lesson.max_attempts)
        .outerjoin(QuizAttempt, QuizAttempt.lesson_id == Lesson.id)
        .where(Lesson.course_id == course.id, Lesson.kind == "quiz")
        .group_by(Lesson.id, Lesson.title, Lesson.max_attempts).order_by(Lesson.id)).all()
    best = {}
    for user_id, lesson_id, score in db.execute(
            sa.select(QuizAttempt.user_id, QuizAttempt.lesson_id, sa.func.max(QuizAttempt.score))
            .join(Lesson, Lesson.id == QuizAttempt.lesson_id)
            .where(Lesson.course_id == course.id)
            .group_by(QuizAttempt.user_id, QuizAttempt.lesson_id)).all():
        best[(user_id, lesson_id)] = score
    current, per_round = _rounds(db, course.id)

    def out_of_attempts(user_id, quiz) -> bool:
        limit = quiz[5]
        round_ = current.get((user_id, quiz[0]), 1)
        used, passed = per_round.get((user_id, quiz[0], round_), (0, 0))
        return limit is not None and used >= limit and not passed

    total = len(services.published_lessons(course))
    completed = sum(1 for e, _u in learners if e.completed_at is not None)
    titles = {q[0]: q[1] for q in quiz_rows}
    pending = services.reset_requests(db, course.id)
    names = {u.id: u for u in db.scalars(sa.select(User).where(
        User.id.in_({r.user_id for r in pending})))} if pending else {}
    requests = [{"request": r, "user": names.get(r.user_id), "quiz": titles.get(r.lesson_id),
                 "date": format_day(request, r.requested_at)} for r in pending]
    return {
        "learners": [{"user": u, "enrolment": e, "lessons_done": done_counts.get(u.id, 0),
                      "scores": [best.get((u.id, q[0])) for q in quiz_rows],
                      "quizzes": [{"id": q[0], "title": q[1], "score": best.get((u.id, q[0])),
                                   "out": out_of_attempts(u.id, q),
                                   "rounds": current.get((u.id, q[0]), 1)}
                                  for q in quiz_rows]}
                     for e, u in learners],
        "quizzes": [{"id": q[0], "title": q[1], "attempts": q[2],
                     "average": round(q[3]) if q[3] is not None else None,
                     "passed": q[4] or 0} for q in quiz_rows],
        "requests": [r for r in requests if r["user"] is not None and r["quiz"] is not None],
        "total_lessons": total, "completed": completed,
        "rate": round(100 * completed / len(learners)) if learners else 0,
    }


@view_config(route_name="elearning.report", renderer="hub_elearning:templates/report.pt",
             permission=REPORTS, request_method="GET")
def report(request):
    course = _course(request)
    return {"breadcrumbs": _crumbs(request, (course.title, request.route_path(
        "elearning.course_edit", id=course.id)), (_("Report"), None)),
            "course": course, "report": course_report(request, course),
            "can_reset": bool(request.has_permission(MANAGE)),
            "page_title": _("Report: ${title}", mapping={"title": course.title})}


@view_config(route_name="elearning.report_csv", permission=REPORTS, request_method="GET")
def report_csv(request):
    course = _course(request)
    data = course_report(request, course)
    translate = request.shell.translate
    header = [translate(_("Name")), translate(_("E-mail")), translate(_("Started")),
              translate(_("Completed")), translate(_("Lessons completed"))] + [
        q["title"] for q in data["quizzes"]]
    rows = []
    for row in data["learners"]:
        enrolment = row["enrolment"]
        rows.append([row["user"].name, row["user"].email, enrolment.started_at.isoformat(),
                     enrolment.completed_at.isoformat() if enrolment.completed_at else "",
                     row["lessons_done"], *row["scores"]])
    return csv_response(f"course-{course.slug}.csv", header, rows)


# -- new rounds of attempts -------------------------------------------------------------

@view_config(route_name="elearning.quiz_reset_request", permission=AUTHENTICATED,
             request_method="POST")
def quiz_reset_request(request):
    """A learner out of attempts asks the course's staff for new ones."""
    course, lesson, allowed = _lesson_context(request)
    if not allowed or lesson.kind != "quiz" or not lesson.is_published:
        raise HTTPNotFound()
    target = lesson_url(request, course, lesson) + "#quiz-no-attempts"
    try:
        reset, created = services.request_reset(
            request.dbsession, request.identity, lesson, request.POST.get("message") or "")
    except services.ResetNotNeeded:
        _flash(request, _("You can still take the quiz, so there is nothing to ask for."),
               "error")
        return HTTPSeeOther(lesson_url(request, course, lesson))
    if created:
        learner = request.identity
        for person in services.course_staff(request):
            notify(request, person, RESET_REQUESTED,
                   _("New quiz attempts requested: ${quiz} (${course})"),
                   _("${learner} used all attempts at the quiz without passing and asks for "
                     "new ones.${message}"),
                   url=request.route_url("elearning.report", id=course.id) + "#reset-requests",
                   mapping={"quiz": lesson.title, "course": course.title,
                            "learner": learner.name or learner.email,
                            "message": f"\n\n{reset.message}" if reset.message else ""})
    _flash(request, _("Your request was sent to the course team."))
    return HTTPSeeOther(target)


@view_config(route_name="elearning.quiz_reset", permission=MANAGE, request_method="POST")
def quiz_reset(request):
    """Staff give a learner who used every attempt a new round (from the course report)."""
    from hub.accounts.models import User

    lesson = request.dbsession.get(Lesson, int(request.matchdict["lid"]))
    user_id = request.POST.get("user_id", "")
    learner = request.dbsession.get(User, int(user_id)) if user_id.isdigit() else None
    if lesson is None or lesson.kind != "quiz" or learner is None:
        raise HTTPNotFound()
    course = lesson.section.course
    back = request.route_path("elearning.report", id=course.id)
    try:
        services.reset_attempts(request.dbsession, learner.id, lesson, request.identity)
    except services.ResetNotNeeded:
        _flash(request, _("${name} has attempts left or passed the quiz; nothing was reset.",
                          mapping={"name": learner.name or learner.email}), "error")
        return HTTPSeeOther(back)
    notify(request, learner, ATTEMPTS_RESET, _("You can take the quiz ${quiz} again"),
           _("The course team gave you new attempts at the quiz in the course ${course}."),
           url=request.route_url("elearning.lesson", slug=course.slug, id=lesson.id,
                                 _query={"key": course.link_token}
                                 if course.visibility == "link" else {}),
           mapping={"quiz": lesson.title, "course": course.title})
    _flash(request, _("${name} has new attempts at ${quiz}.",
                      mapping={"name": learner.name or learner.email, "quiz": lesson.title}))
    return HTTPSeeOther(back)
