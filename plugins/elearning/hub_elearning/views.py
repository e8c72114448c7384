"""Pages for learners: catalogue, course, lessons, quizzes, my courses, certificates."""
from __future__ import annotations

import sqlalchemy as sa
from babel.dates import format_date
from pyramid.events import BeforeRender, subscriber
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import get_renderer, render_to_response
from pyramid.response import FileResponse, Response
from pyramid.view import view_config

from hub import dates
from hub.dates import PRAGUE
from hub.notifications import notify
from hub.security import AUTHENTICATED, PUBLIC
from hub.sharing import set_share_metadata
from hub.storage import storage
from hub_elearning import services
from hub_elearning.i18n import _
from hub_elearning.models import LEVELS, Certificate, Course, Enrolment, Lesson

LEVEL_LABELS = {"beginner": _("Beginner"), "intermediate": _("Intermediate"),
                "advanced": _("Advanced")}
LANGUAGE_LABELS = {"cs": _("Czech"), "en": _("English")}
KIND_LABELS = {"article": _("Article"), "video": _("Video"), "document": _("Document"),
               "quiz": _("Quiz")}
VISIBILITY_LABELS = {"public": _("Everyone"), "signed_in": _("Signed-in users"),
                     "members": _("Members of patient organisations"),
                     "link": _("Only with the link")}


def format_day(request, value) -> str:
    return format_date(value.astimezone(PRAGUE).date(), format="long",
                       locale=request.locale_name)


def lang_attr(obj, field: str, language: str) -> str | None:
    """``"cs"`` when an English page shows the Czech text of ``field`` (for ``lang``,
    WCAG 3.1.2); ``None`` leaves the attribute out."""
    return "cs" if language == "en" and obj.language_of(field, language) == "cs" else None


@subscriber(BeforeRender)
def add_macros(event):
    """Form macros and texts in the reader's language for this plugin's templates."""
    if str(event.get("renderer_name", "")).startswith("hub_elearning:templates/"):
        event.setdefault("el_macros", get_renderer(
            "hub_elearning:templates/macros.pt").implementation().macros)
        request = event.get("request")
        language = dates.language(request) if request is not None else "cs"
        event.setdefault("el_text", lambda obj, field: obj.translated(field, language))
        event.setdefault("el_lang", lambda obj, field: lang_attr(obj, field, language))


def course_query(request, course) -> dict:
    """Query parameters that keep a link-only course reachable from its own pages."""
    if course.visibility == "link" and services.has_link(request, course):
        return {"key": request.params["key"]}
    return {}


def course_url(request, course) -> str:
    return request.route_path("elearning.course", slug=course.slug,
                              _query=course_query(request, course))


def lesson_url(request, course, lesson, **extra) -> str:
    return request.route_path("elearning.lesson", slug=course.slug, id=lesson.id,
                              _query={**course_query(request, course), **extra})


def get_visible_course(request) -> Course:
    course = services.load_course(request, request.matchdict["slug"])
    if course is None or not services.can_see(request, course):
        raise HTTPNotFound()
    return course


def get_lesson(request, course) -> Lesson:
    lesson_id = request.matchdict["id"]
    for section in course.sections:
        for lesson in section.lessons:
            if str(lesson.id) == lesson_id:
                return lesson
    raise HTTPNotFound()


PAGE_SIZE = 24

# -- catalogue --------------------------------------------------------------------------

# Public pages are kept whole for anonymous visitors (``hub.page_cache``) until one of the
# tables they are made from changes (or a minute passes).
CATALOGUE_TABLES = ("elearning_course", "elearning_course_topic", "topic")
COURSE_TABLES = (*CATALOGUE_TABLES, "elearning_section", "elearning_lesson")
LESSON_TABLES = (*COURSE_TABLES, "elearning_question", "elearning_choice")


@view_config(route_name="elearning.index", renderer="hub_elearning:templates/index.pt",
             permission=PUBLIC, request_method="GET", cache_tables=CATALOGUE_TABLES)
def index(request):
    params = request.GET
    q = params.get("q", "").strip()[:100]
    topic = params.get("topic", "")[:60]
    level = params.get("level", "") if params.get("level") in LEVELS else ""
    language = params.get("language", "") if params.get("language") in LANGUAGE_LABELS else ""
    page = params.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 10000 else 1
    filters = {"q": q, "topic": topic, "level": level, "language": language}
    total = services.count_courses(request, **filters)
    courses = services.search_courses(request, **filters, limit=PAGE_SIZE,
                                      offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return {"breadcrumbs": [(_("Online courses"), None)], "courses": courses,
            "total": total, "page": page, "pages": pages,
            "page_url": lambda n: request.current_route_path(
                _query={**{k: v for k, v in filters.items() if v}, "page": n}),
            "q": q, "topic": topic, "level": level, "language": language,
            "topics": services.topics(request), "levels": LEVEL_LABELS,
            "languages": LANGUAGE_LABELS, "visibility_labels": VISIBILITY_LABELS,
            "filtered": bool(q or topic or level or language),
            "lang": dates.language(request),
            "manager": services.is_manager(request)}


@view_config(route_name="elearning.course", renderer="hub_elearning:templates/course.pt",
             permission=PUBLIC, request_method="GET", cache_tables=COURSE_TABLES)
def course_view(request):
    course = get_visible_course(request)
    user = request.identity
    done: set[int] = set()
    enrolment = None
    certificate = None
    if user is not None:
        done = services.completed_lesson_ids(request.dbsession, user.id, course.id)
        enrolment = request.dbsession.scalars(sa.select(Enrolment).where(
            Enrolment.user_id == user.id, Enrolment.course_id == course.id)).first()
        certificate = request.dbsession.scalars(sa.select(Certificate).where(
            Certificate.user_id == user.id, Certificate.course_id == course.id)).first()
    language = dates.language(request)
    if course.visibility != "link":  # a shared link must not reveal its key
        set_share_metadata(request, course.translated("title", language),
                           course.translated("summary", language),
                           url=request.route_url("elearning.course", slug=course.slug),
                           kind="website")
    lessons = services.visible_lessons(request, course)
    can_take = services.can_take(request, course)
    continue_lesson = services.next_lesson(course, done) if lessons else None
    manager = services.is_manager(request)
    outline = []
    for section in course.sections:
        items = [{"lesson": lesson, "done": lesson.id in done,
                  "open": services.can_open_lesson(request, course, lesson),
                  "url": lesson_url(request, course, lesson)}
                 for lesson in section.lessons if manager or lesson.is_published]
        if items or manager:
            outline.append({"section": section, "items": items})
    return {"breadcrumbs": [(_("Online courses"), request.route_path("elearning.index")),
                            (course.translated("title", language), None)],
            "course": course, "outline": outline, "done": done, "enrolment": enrolment,
            "percent": services.percent_done(course, done) if user else 0,
            "continue_url": lesson_url(request, course, continue_lesson)
            if continue_lesson and (can_take or continue_lesson.is_preview) else None,
            "started": bool(done), "can_take": can_take, "certificate": certificate,
            "levels": LEVEL_LABELS, "languages": LANGUAGE_LABELS, "kinds": KIND_LABELS,
            "visibility_labels": VISIBILITY_LABELS, "manager": manager}


# -- lessons ----------------------------------------------------------------------------

def _lesson_context(request):
    course = get_visible_course(request)
    lesson = get_lesson(request, course)
    if not services.can_open_lesson(request, course, lesson):
        if not services.is_manager(request) and not lesson.is_published:
            raise HTTPNotFound()
        return course, lesson, False
    return course, lesson, True


@view_config(route_name="elearning.lesson", renderer="hub_elearning:templates/lesson.pt",
             permission=PUBLIC, request_method="GET", cache_tables=LESSON_TABLES)
def lesson_view(request):
    course, lesson, allowed = _lesson_context(request)
    language = dates.language(request)
    crumbs = [(_("Online courses"), request.route_path("elearning.index")),
              (course.translated("title", language), course_url(request, course)),
              (lesson.translated("title", language), None)]
    if not allowed:
        request.response.status = 403
        return {"breadcrumbs": crumbs, "course": course, "lesson": lesson, "restricted": True,
                "course_url": course_url(request, course), "login_url": _login_url(request)}
    user = request.identity
    lessons = services.visible_lessons(request, course)
    index = lessons.index(lesson)
    previous = lessons[index - 1] if index > 0 else None
    following = lessons[index + 1] if index + 1 < len(lessons) else None
    done = services.completed_lesson_ids(request.dbsession, user.id, course.id) if user else set()
    quiz = quiz_state(request, lesson, user, lesson.id in done) \
        if lesson.kind == "quiz" else {}
    return {"breadcrumbs": crumbs, "course": course, "lesson": lesson, "restricted": False,
            "course_url": course_url(request, course),
            "previous_url": lesson_url(request, course, previous) if previous else None,
            "next_url": lesson_url(request, course, following) if following else None,
            "done": lesson.id in done, "quiz": quiz,
            "questions": services.questions_for_learner(lesson) if lesson.kind == "quiz" else [],
            "key": course_query(request, course).get("key"),
            "file_url": request.route_path("elearning.lesson_file", slug=course.slug,
                                           id=lesson.id, _query=course_query(request, course))
            if lesson.file_key else None,
            "captions_src": request.route_path("elearning.captions", slug=course.slug,
                                               id=lesson.id,
                                               _query=course_query(request, course))
            if lesson.captions_vtt else lesson.captions_url,
            "captions_label": request.shell.translate(
                LANGUAGE_LABELS.get(lesson.captions_language, _("Czech"))),
            "transcript_paragraphs": [p for p in lesson.transcript.split("\n\n") if p.strip()],
            "kinds": KIND_LABELS, "manager": services.is_manager(request),
            "login_url": _login_url(request)}


def quiz_state(request, lesson, user, passed: bool) -> dict:
    """What the learner sees of a quiz: the current round's attempts, what is left, the
    review the quiz's policy allows, and, when out of attempts, why and how to ask again."""
    if user is None:
        return {"attempts": [], "last_attempt": None, "attempts_left": lesson.max_attempts,
                "review": False, "feedback": [], "out": False, "best": None,
                "request": None}
    db = request.dbsession
    round_ = services.current_round(db, user.id, lesson.id)
    attempts = services.attempts_of(db, user.id, lesson.id, round_)
    last = attempts[-1] if attempts else None
    attempts_left = None if lesson.max_attempts is None else max(
        0, lesson.max_attempts - len(attempts))
    review = last is not None and services.may_review(lesson, passed, attempts_left)
    feedback = []
    if review:
        by_id = {r["question_id"]: r for r in last.answers.get("results", [])}
        feedback = [{"question": q, "result": by_id.get(q.id),
                     "right": services.right_answers(q)} for q in lesson.questions]
    out = attempts_left == 0 and not passed
    pending = services.pending_reset(db, user.id, lesson.id, round_) if out else None
    return {"attempts": attempts, "last_attempt": last, "attempts_left": attempts_left,
            "review": review, "feedback": feedback, "out": out,
            "best": max((a.score for a in attempts), default=None), "request": pending,
            "request_date": format_day(request, pending.requested_at) if pending else ""}


def _login_url(request) -> str | None:
    if not request.shell.has_route("login"):
        return None
    return request.route_path("login", _query={"next": request.path_qs})


def _after_completion(request, course, certificate):
    if certificate is None:
        return
    user = request.identity
    url = request.route_url("elearning.certificate", code=certificate.code)
    notify(request, user, "elearning.course_completed",
           _("You have completed the course ${course}"),
           _("Congratulations! Your certificate of completion (code ${code}) is ready to "
             "download."), url=url,
           mapping={"course": course.translated("title", user.language),
                    "code": certificate.code})
    request.session.flash(request.shell.translate(
        _("You have completed the course. Your certificate is ready.")), "success")


@view_config(route_name="elearning.lesson_complete", permission=AUTHENTICATED,
             request_method="POST")
def lesson_complete(request):
    course, lesson, allowed = _lesson_context(request)
    if not allowed or lesson.kind == "quiz" or not lesson.is_published:
        raise HTTPNotFound()
    certificate = services.record_completion(request, course, lesson)
    _after_completion(request, course, certificate)
    lessons = services.published_lessons(course)
    following = next((item for item in lessons[lessons.index(lesson) + 1:]), None)
    target = lesson_url(request, course, following) if following and services.can_open_lesson(
        request, course, following) else course_url(request, course)
    return HTTPSeeOther(target)


@view_config(route_name="elearning.quiz_submit", permission=AUTHENTICATED,
             request_method="POST")
def quiz_submit(request):
    course, lesson, allowed = _lesson_context(request)
    if not allowed or lesson.kind != "quiz" or not lesson.is_published:
        raise HTTPNotFound()
    answers = {}
    for question in lesson.questions:
        name = f"q{question.id}"
        if question.kind == "multiple":
            answers[str(question.id)] = request.POST.getall(name)[:50]
        else:
            answers[str(question.id)] = (request.POST.get(name) or "")[:500]
    try:
        attempt = services.submit_attempt(request, course, lesson, answers)
    except services.AttemptLimitReached:
        response = render_to_response(
            "hub:templates/error.pt",
            {"code": 409, "heading": _("No attempts left"),
             "message": _("You have used all attempts for this quiz.")}, request=request)
        response.status = 409
        return response
    if attempt.passed:
        certificate = services.record_completion(request, course, lesson)
        _after_completion(request, course, certificate)
        request.session.flash(request.shell.translate(
            _("Passed with ${score} %.", mapping={"score": attempt.score})), "success")
    else:
        request.session.flash(request.shell.translate(
            _("Not passed: ${score} % (${mark} % needed).",
              mapping={"score": attempt.score, "mark": lesson.pass_mark})), "error")
    return HTTPSeeOther(lesson_url(request, course, lesson) + "#quiz-result")


@view_config(route_name="elearning.lesson_file", permission=PUBLIC, request_method="GET")
def lesson_file(request):
    course, lesson, allowed = _lesson_context(request)
    if not allowed or not lesson.file_key:
        raise HTTPNotFound()
    content_type = lesson.file_type or "application/octet-stream"
    path = services.legacy_file_path(request.registry, lesson.file_key)
    if path is not None:
        response = FileResponse(str(path), request=request, content_type=content_type)
        response.content_disposition = "inline"
        return response
    return storage(request).file_response(request, lesson.file_key,
                                          lesson.file_name or "lesson", content_type,
                                          inline=True)


@view_config(route_name="elearning.captions", permission=PUBLIC, request_method="GET")
def captions(request):
    course, lesson, allowed = _lesson_context(request)
    if not allowed or not lesson.captions_vtt:
        raise HTTPNotFound()
    return Response(lesson.captions_vtt, content_type="text/vtt", charset="utf-8")


# -- my courses and certificates --------------------------------------------------------

def my_courses(request, user) -> list[dict]:
    """The user's courses with progress (three queries whatever the number of courses)."""
    from sqlalchemy.orm import selectinload

    from hub_elearning.models import LessonProgress, Section

    rows = request.dbsession.execute(
        sa.select(Enrolment, Course).join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user.id)
        .options(selectinload(Course.sections).selectinload(Section.lessons))
        .order_by(Enrolment.last_activity_at.desc())).all()
    done = set(request.dbsession.scalars(sa.select(LessonProgress.lesson_id).where(
        LessonProgress.user_id == user.id)))
    certificates = {c.course_id: c for c in request.dbsession.scalars(
        sa.select(Certificate).where(Certificate.user_id == user.id))}
    result = []
    for enrolment, course in rows:
        following = services.next_lesson(course, done)
        result.append({"course": course, "enrolment": enrolment,
                       "percent": services.percent_done(course, done),
                       "certificate": certificates.get(course.id),
                       "url": request.route_path("elearning.course", slug=course.slug,
                                                 _query={"key": course.link_token}
                                                 if course.visibility == "link" else {}),
                       "continue_url": request.route_path(
                           "elearning.lesson", slug=course.slug, id=following.id,
                           _query={"key": course.link_token}
                           if course.visibility == "link" else {})
                       if following and course.is_published else None})
    return result


@view_config(route_name="elearning.my", renderer="hub_elearning:templates/my.pt",
             permission=AUTHENTICATED, request_method="GET")
def my(request):
    return {"breadcrumbs": [(_("Online courses"), request.route_path("elearning.index")),
                            (_("My courses"), None)],
            "items": my_courses(request, request.identity), "more": False}


@view_config(route_name="elearning.certificate", permission=AUTHENTICATED,
             request_method="GET")
def certificate_pdf(request):
    from hub_elearning.pdf import certificate_pdf as render_pdf

    code = services.normalise_code(request.matchdict["code"])
    certificate = request.dbsession.scalars(
        sa.select(Certificate).where(Certificate.code == code)).first() if code else None
    if certificate is None or (certificate.user_id != request.identity.id
                               and not services.is_manager(request)):
        raise HTTPNotFound()
    verify = request.route_url("elearning.verify", _query={"code": certificate.code})
    body = render_pdf(request, certificate, request.registry.settings["hub.site_name"], verify)
    response = Response(body, content_type="application/pdf")
    response.content_disposition = f'attachment; filename="certificate-{certificate.code}.pdf"'
    return response


@view_config(route_name="elearning.verify", renderer="hub_elearning:templates/verify.pt",
             permission=PUBLIC, request_method="GET")
def verify(request):
    given = request.GET.get("code", "").strip()[:40]
    code = services.normalise_code(given)
    certificate = request.dbsession.scalars(
        sa.select(Certificate).where(Certificate.code == code)).first() if code else None
    if given and certificate is None:
        request.response.status = 404
    return {"breadcrumbs": [(_("Online courses"), request.route_path("elearning.index")),
                            (_("Verify a certificate"), None)],
            "given": given, "certificate": certificate,
            "issued": format_day(request, certificate.issued_at) if certificate else ""}
