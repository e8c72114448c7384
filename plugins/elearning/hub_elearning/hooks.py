"""Hook implementations of the elearning plugin."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from hub import dates, hookimpl
from hub.contributions import (
    NavItem,
    NotificationKind,
    Permission,
    ProfileSection,
    SegmentCriterion,
    Suggestion,
    Widget,
)
from hub.security import AUTHENTICATED, PUBLIC
from hub.shell import render_snippet
from hub_elearning.i18n import _
from hub_elearning.services import MANAGE, REPORTS


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        return [NavItem(_("E-learning"), route="elearning.index", permission=PUBLIC, order=30,
                        match=("elearning.index", "elearning.course", "elearning.lesson",
                               "elearning.verify"))]
    if menu == "user":
        return [NavItem(_("My courses"), route="elearning.my", permission=AUTHENTICATED,
                        order=30, match=("elearning.my",))]
    if menu == "admin":
        return [NavItem(_("Courses"), route="elearning.manage", permission=MANAGE, order=30,
                        match=("elearning.manage", "elearning.course_", "elearning.section_",
                               "elearning.lesson_", "elearning.question_",
                               "elearning.import_", "elearning.report"))]
    return None


@hookimpl
def hub_permissions():
    return [Permission(MANAGE, _("Create and edit online courses"), ("staff", "admin")),
            Permission(REPORTS, _("See reports on online courses"), ("staff", "admin"))]


@hookimpl
def hub_notification_kinds():
    return [NotificationKind("elearning.course_completed", _("Course completed"),
                             _("A certificate when you complete an online course.")),
            NotificationKind("elearning.attempts_reset", _("New quiz attempts"),
                             _("When the course team gives you new attempts at a quiz.")),
            NotificationKind("elearning.reset_requested", _("Requests for new quiz attempts"),
                             _("For course staff: a learner used all attempts at a quiz "
                               "and asks for new ones."))]


# -- page shell -------------------------------------------------------------------------

def _render_my_courses(request, user, limit=None):
    from hub_elearning.views import my_courses

    items = my_courses(request, user)
    return render_snippet(request, "hub_elearning:templates/my_courses_snippet.pt",
                          {"items": items[:limit] if limit else items,
                           "more": bool(limit and len(items) > limit)})


def _render_dashboard(request):
    return _render_my_courses(request, request.identity, limit=3)


def _render_new_courses(request):
    from hub_elearning.services import search_courses

    courses = search_courses(request, limit=3, with_topics=False)
    if not courses:
        return None
    return render_snippet(request, "hub_elearning:templates/new_courses_snippet.pt",
                          {"courses": courses})


@hookimpl
def hub_dashboard_widgets(request):
    return [Widget("elearning.my", _("My courses"), _render_dashboard, where="dashboard",
                   order=30, permission=AUTHENTICATED, cache_per_user=True,
                   cache_tables=("elearning_course", "elearning_section", "elearning_lesson",
                                 "elearning_enrolment", "elearning_lesson_progress",
                                 "elearning_certificate")),
            # The same for everyone with the same roles: the core keeps the HTML until a
            # course changes.
            Widget("elearning.new", _("Online courses"), _render_new_courses, where="home",
                   order=30, permission=PUBLIC, cache_tables=("elearning_course",))]


@hookimpl
def hub_profile_sections(request, user):
    def render(request, user):
        viewer = request.identity
        if viewer is None or (viewer.id != user.id and not request.has_permission(REPORTS)):
            return None
        return _render_my_courses(request, user)

    return [ProfileSection("elearning.mine", _("My courses"), render, order=30)]


@hookimpl
def hub_search_sources():
    from hub_elearning.search import SOURCES

    return SOURCES


FOR_YOU_LIMIT = 5


@hookimpl
def hub_for_you(request, user, topics):
    """Published courses in the user's topics that the user may take and has not completed.

    Visibility levels: public and signed-in courses are for every user; courses for members
    of organisations only for members and staff; courses shared by link are never
    suggested (only people given the link see them).
    """
    from hub.organizations.models import Membership
    from hub.topics import Topic
    from hub_elearning.models import Course, Enrolment, course_topic

    if not topics:
        return []
    visibilities = ["public", "signed_in"]
    member = user.is_staff or request.dbsession.execute(
        sa.select(Membership.id).where(Membership.user_id == user.id).limit(1)).first()
    if member:
        visibilities.append("members")
    completed = sa.select(Enrolment.course_id).where(Enrolment.user_id == user.id,
                                                     Enrolment.completed_at.is_not(None))
    courses = request.dbsession.scalars(
        sa.select(Course).options(selectinload(Course.topics)).where(
            Course.is_published.is_(True), Course.visibility.in_(visibilities),
            Course.id.not_in(completed),
            Course.id.in_(sa.select(course_topic.c.course_id)
                          .join(Topic, Topic.id == course_topic.c.topic_id)
                          .where(Topic.slug.in_(list(topics)))))
        .order_by(Course.created_at.desc(), Course.id.desc()).limit(FOR_YOU_LIMIT)).all()
    language = dates.language(request)
    return [Suggestion(title=c.translated("title", language),
                       url=request.route_path("elearning.course", slug=c.slug),
                       kind=_("Online course"), summary=c.translated("summary", language),
                       topics=tuple(c.topic_slugs)) for c in courses]


# -- personal data ----------------------------------------------------------------------

@hookimpl
def hub_personal_data_tables():
    return ["elearning_enrolment", "elearning_lesson_progress", "elearning_quiz_attempt",
            "elearning_quiz_reset", "elearning_certificate"]


@hookimpl
def hub_personal_data_export(request, user):
    from hub_elearning.models import (
        Certificate,
        Course,
        Enrolment,
        Lesson,
        LessonProgress,
        QuizAttempt,
        QuizReset,
    )

    db = request.dbsession
    enrolments = db.execute(
        sa.select(Enrolment, Course.title).join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user.id).order_by(Enrolment.started_at)).all()
    lessons = db.execute(
        sa.select(LessonProgress, Lesson.title).join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id == user.id).order_by(LessonProgress.completed_at)).all()
    attempts = db.execute(
        sa.select(QuizAttempt, Lesson.title).join(Lesson, Lesson.id == QuizAttempt.lesson_id)
        .where(QuizAttempt.user_id == user.id).order_by(QuizAttempt.submitted_at)).all()
    certificates = db.scalars(sa.select(Certificate).where(Certificate.user_id == user.id)).all()
    resets = db.execute(
        sa.select(QuizReset, Lesson.title).join(Lesson, Lesson.id == QuizReset.lesson_id)
        .where(QuizReset.user_id == user.id).order_by(QuizReset.id)).all()
    return {
        _("Online courses"): [{"course": title, "started_at": e.started_at.isoformat(),
                            "completed_at": e.completed_at.isoformat() if e.completed_at else None}
                           for e, title in enrolments],
        _("Completed lessons"): [{"lesson": title, "completed_at": p.completed_at.isoformat()}
                              for p, title in lessons],
        _("Quiz attempts"): [{"quiz": title, "number": a.number, "score": a.score,
                           "passed": a.passed, "answers": a.answers,
                           "round": a.round,
                           "submitted_at": a.submitted_at.isoformat()} for a, title in attempts],
        _("New quiz attempts"): [{"quiz": title, "round": r.round, "message": r.message,
                               "requested_at": r.requested_at.isoformat()
                               if r.requested_at else None,
                               "reset_at": r.reset_at.isoformat() if r.reset_at else None}
                              for r, title in resets],
        _("Certificates"): [{"code": c.code, "course": c.course_title, "name": c.learner_name,
                          "issued_at": c.issued_at.isoformat()} for c in certificates],
    }


@hookimpl
def hub_personal_data_erase(request, user):
    """Everything about the learner is deleted, certificates included (a verification of
    an erased person's certificate then answers "not found")."""
    from hub_elearning.models import (
        Certificate,
        Enrolment,
        LessonProgress,
        QuizAttempt,
        QuizReset,
    )

    db = request.dbsession
    for model in (QuizAttempt, QuizReset, LessonProgress, Enrolment, Certificate):
        db.execute(sa.delete(model).where(model.user_id == user.id))


# -- events ------------------------------------------------------------------------------

# Optional: the hook is the events plugin's, and e-learning also runs without it. A
# withdrawn recording (a speaker withdrew the release, or the organiser unpublished it)
# takes its lesson copies off the pages in the same transaction.
@hookimpl
def hub_media_usage(request, item):
    """Courses and lessons whose text shows the image."""
    from hub.media import shown_in
    from hub_elearning.models import Course, Lesson

    db = request.dbsession
    used = [_("Image in the course ${title}", mapping={"title": title})
            for title in db.scalars(sa.select(Course.title).where(
                shown_in(item, Course.description, Course.description_en))
                .order_by(Course.id))]
    used += [_("Image in the lesson ${title}", mapping={"title": title})
             for title in db.scalars(sa.select(Lesson.title).where(
                 shown_in(item, Lesson.body, Lesson.body_en)).order_by(Lesson.id))]
    return used


@hookimpl(optionalhook=True)
def hub_events_recording_withdrawn(request, event_id):
    from hub_elearning.services import unpublish_copies

    unpublish_copies(request, event_id)


# -- CRM --------------------------------------------------------------------------------

@hookimpl
def hub_activity(request, user):
    from hub_elearning.models import Course, Enrolment

    db = request.dbsession
    rows = db.execute(
        sa.select(Enrolment, Course).join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user.id).order_by(Enrolment.started_at.desc())
        .limit(100)).all()
    entries = []
    for enrolment, course in rows:
        url = request.route_path("elearning.course", slug=course.slug)
        entries.append({"when": enrolment.started_at, "kind": "elearning",
                        "title": request.shell.translate(
                            _("Started the course ${course}", mapping={"course": course.title})),
                        "url": url})
        if enrolment.completed_at:
            entries.append({"when": enrolment.completed_at, "kind": "elearning",
                            "title": request.shell.translate(
                                _("Completed the course ${course}",
                                  mapping={"course": course.title})),
                            "url": url})
    return entries


def _course_options(request):
    from hub_elearning.models import Course

    return [(str(c.id), c.title) for c in request.dbsession.scalars(
        sa.select(Course).order_by(Course.title))]


def _completed_course(request, value):
    from hub_elearning.models import Enrolment

    stmt = sa.select(Enrolment.user_id).where(Enrolment.completed_at.is_not(None))
    if value:
        stmt = stmt.where(Enrolment.course_id == int(value) if str(value).isdigit() else sa.false())
    return stmt.distinct()


def _started_course(request, value):
    from hub_elearning.models import Enrolment

    stmt = sa.select(Enrolment.user_id)
    if value:
        stmt = stmt.where(Enrolment.course_id == int(value) if str(value).isdigit() else sa.false())
    return stmt.distinct()


@hookimpl
def hub_segment_criteria():
    return [SegmentCriterion("elearning.completed_course", _("Completed the course"),
                             _course_options, _completed_course),
            SegmentCriterion("elearning.started_course", _("Started the course"),
                             _course_options, _started_course)]


# -- content in two languages -------------------------------------------------------------

@hookimpl
def hub_translations_missing(request):
    """Published courses, their published lessons and the sections that show them, where
    English texts are missing."""
    from hub.translations import MissingTranslation
    from hub_elearning.models import Course, Section

    courses = request.dbsession.scalars(
        sa.select(Course).where(Course.is_published.is_(True))
        .options(selectinload(Course.sections).selectinload(Section.lessons))).all()
    found = []
    for course in courses:
        edit_url = request.route_path("elearning.course_edit", id=course.id)
        if course.missing_translations():
            found.append(MissingTranslation(kind=_("Online course"), title=course.title,
                                            url=edit_url,
                                            fields=tuple(course.missing_translations())))
        for section in course.sections:
            shown = any(lesson.is_published for lesson in section.lessons)
            if shown and section.missing_translations():
                found.append(MissingTranslation(
                    kind=_("Course section"), title=f"{section.title} ({course.title})",
                    url=f"{edit_url}#section-{section.id}",
                    fields=tuple(section.missing_translations())))
            for lesson in section.lessons:
                if lesson.is_published and lesson.missing_translations():
                    found.append(MissingTranslation(
                        kind=_("Lesson"), title=f"{lesson.title} ({course.title})",
                        url=request.route_path("elearning.lesson_edit", lid=lesson.id),
                        fields=tuple(lesson.missing_translations())))
    return found


# -- API and demo -----------------------------------------------------------------------

@hookimpl
def hub_indicators(request, start, end):
    from hub_elearning.indicators import indicators

    return indicators(request, start, end)


@hookimpl
def hub_openapi(request):
    from hub_elearning.api import openapi

    return openapi(request)


@hookimpl
def hub_demo_data(dbsession, scale):
    from hub_elearning.demo import create_demo_data

    create_demo_data(dbsession, scale)
