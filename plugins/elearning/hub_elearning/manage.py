"""Staff's course management: the course list, course forms, publishing, sections, and
importing event recordings as lessons."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from hub import dates
from hub.topics import Topic, topic_choices
from hub_elearning import services
from hub_elearning.authoring import (
    LEAVE_EMPTY,
    LEAVE_EMPTY_HTML,
    _course,
    _crumbs,
    _edit_url,
    _flash,
    _move,
    _options,
    _section,
    event_recordings,
    recordings_offered,
)
from hub_elearning.forms import Field, Form
from hub_elearning.i18n import _
from hub_elearning.models import (
    COMPLETION_RULES,
    LANGUAGES,
    LEVELS,
    VISIBILITIES,
    Course,
    Enrolment,
    Lesson,
    Section,
)
from hub_elearning.services import MANAGE, REPORTS
from hub_elearning.views import (
    KIND_LABELS,
    LANGUAGE_LABELS,
    LEVEL_LABELS,
    VISIBILITY_LABELS,
)

RULE_LABELS = {"all_lessons": _("All lessons completed"), "quizzes": _("All quizzes passed")}


# -- courses ----------------------------------------------------------------------------

def topic_options(request, course=None) -> list:
    """Active topics of the core's taxonomy, and inactive ones the course already has."""
    options = list(topic_choices(request))
    offered = {slug for slug, _name in options}
    language = dates.language(request)
    options += [(t.slug, t.name(language)) for t in (course.topics if course else [])
                if t.slug not in offered]
    return options


def course_fields(request, course=None) -> list[Field]:
    return [
        Field("title", _("Title"), required=True, maxlength=200),
        Field("slug", _("Address (slug)"), maxlength=100,
              help=_("Letters, digits and hyphens; filled from the title when empty.")),
        Field("summary", _("Summary"), "textarea", rows=2, maxlength=500),
        Field("description", _("Description"), "richtext", rows=8, maxlength=50000,
              help=_("HTML is allowed; scripts, styles and unsafe links are removed.")),
        Field("topics", _("Topics"), "checkboxes", topic_options(request, course),
              help=_("Disease areas and themes; staff manage the list of topics.")),
        Field("level", _("Level"), "select", _options(LEVELS, LEVEL_LABELS)),
        Field("language", _("Language"), "select", _options(LANGUAGES, LANGUAGE_LABELS)),
        Field("visibility", _("Who can see the course"), "select",
              _options(VISIBILITIES, VISIBILITY_LABELS)),
        Field("completion_rule", _("The course is completed when"), "select",
              _options(COMPLETION_RULES, RULE_LABELS)),
        Field("title_en", _("Title in English"), maxlength=200, help=LEAVE_EMPTY, group="en"),
        Field("summary_en", _("Summary in English"), "textarea", rows=2, maxlength=500,
              help=LEAVE_EMPTY, group="en"),
        Field("description_en", _("Description in English"), "richtext", rows=8,
              maxlength=50000, help=LEAVE_EMPTY_HTML, group="en"),
    ]


@view_config(route_name="elearning.manage", renderer="hub_elearning:templates/manage.pt",
             permission=MANAGE, request_method="GET")
def manage(request):
    courses = request.dbsession.scalars(sa.select(Course).order_by(Course.title)).all()
    counts = dict(request.dbsession.execute(
        sa.select(Enrolment.course_id, sa.func.count(Enrolment.id))
        .group_by(Enrolment.course_id)).all())
    return {"breadcrumbs": _crumbs(request)[:1] + [(_("Course management"), None)],
            "courses": courses, "counts": counts, "visibility_labels": VISIBILITY_LABELS,
            "can_report": request.has_permission(REPORTS)}


def _apply_course(request, form: Form, course: Course | None) -> Course | None:
    values = form.values
    slug = services.slugify(values.get("slug") or values.get("title", ""))
    if form.ok:
        clash = request.dbsession.scalar(sa.select(Course.id).where(
            Course.slug == slug, Course.id != (course.id if course else -1)))
        if clash is not None:
            form.error("slug", _("Another course already uses this address."))
    if not form.ok:
        return None
    if course is None:
        course = Course(link_token=services.new_token(), is_published=False)
        request.dbsession.add(course)
    course.title = values["title"]
    course.slug = slug
    course.summary = values["summary"]
    course.description = services.clean_html(values["description"])
    course.title_en = values["title_en"]
    course.summary_en = values["summary_en"]
    course.description_en = services.clean_html(values["description_en"])
    slugs = values.get("topics") or []
    course.topics = list(request.dbsession.scalars(
        sa.select(Topic).where(Topic.slug.in_(slugs)).order_by(Topic.position))) if slugs else []
    course.level = values["level"] or "beginner"
    course.language = values["language"] or "cs"
    services.sync_duration(course)
    course.visibility = values["visibility"] or "public"
    course.completion_rule = values["completion_rule"] or "all_lessons"
    try:
        with request.dbsession.begin_nested():
            request.dbsession.flush()
    except sa.exc.IntegrityError:
        form.error("slug", _("Another course already uses this address."))
        return None
    return course


@view_config(route_name="elearning.course_new", renderer="hub_elearning:templates/course_form.pt",
             permission=MANAGE)
def course_new(request):
    form = Form(course_fields(request), {"topics": [], "level": "beginner", "language": "cs",
                                  "visibility": "public", "completion_rule": "all_lessons"})
    if request.method == "POST":
        course = _apply_course(request, form.read(request.POST), None)
        if course is not None:
            _flash(request, _("The course was created. Add sections and lessons, then publish it."))
            return HTTPSeeOther(_edit_url(request, course.id))
        request.response.status = 422
    return {"breadcrumbs": _crumbs(request, (_("New course"), None)), "form": form,
            "heading": _("New course"), "action": request.route_path("elearning.course_new")}


def _outline_warnings(course) -> list:
    warnings = []
    if not services.published_lessons(course):
        warnings.append(_("The course has no published lesson yet."))
    return warnings


@view_config(route_name="elearning.course_edit", renderer="hub_elearning:templates/course_edit.pt",
             permission=MANAGE)
def course_edit(request):
    course = _course(request)
    form = Form(course_fields(request, course), {
        "title": course.title, "slug": course.slug, "summary": course.summary,
        "description": course.description, "topics": course.topic_slugs,
        "level": course.level,
        "language": course.language,
        "visibility": course.visibility, "completion_rule": course.completion_rule,
        "title_en": course.title_en, "summary_en": course.summary_en,
        "description_en": course.description_en})
    if request.method == "POST":
        if _apply_course(request, form.read(request.POST), course) is not None:
            _flash(request, _("The course was saved."))
            return HTTPSeeOther(_edit_url(request, course.id))
        request.response.status = 422
    has_recordings = recordings_offered(request)
    return {"breadcrumbs": _crumbs(request, (course.title, None)), "course": course,
            "form": form, "kinds": KIND_LABELS, "warnings": _outline_warnings(course),
            "link_url": request.route_url("elearning.course", slug=course.slug,
                                          _query={"key": course.link_token}),
            "has_recordings": has_recordings,
            "page_title": _("Edit course: ${title}", mapping={"title": course.title}),
            "can_report": request.has_permission(REPORTS)}


@view_config(route_name="elearning.course_publish", permission=MANAGE, request_method="POST")
def course_publish(request):
    course = _course(request)
    publish = request.POST.get("publish") == "1"
    if publish and not services.published_lessons(course):
        _flash(request, _("Publish at least one lesson before publishing the course."), "error")
    else:
        course.is_published = publish
        _flash(request, _("The course is published.") if publish
               else _("The course is no longer published."))
    return HTTPSeeOther(_edit_url(request, course.id))


@view_config(route_name="elearning.course_delete", permission=MANAGE, request_method="POST")
def course_delete(request):
    course = _course(request)
    if course.is_published:
        _flash(request, _("Unpublish the course before deleting it."), "error")
        return HTTPSeeOther(_edit_url(request, course.id))
    request.dbsession.delete(course)
    _flash(request, _("The course was deleted."))
    return HTTPSeeOther(request.route_path("elearning.manage"))


# -- sections ---------------------------------------------------------------------------

def _title_from(request, name="title") -> str:
    return (request.POST.get(name) or "").strip()[:200]


@view_config(route_name="elearning.section_add", permission=MANAGE, request_method="POST")
def section_add(request):
    course = _course(request)
    title = _title_from(request)
    if not title:
        _flash(request, _("Enter the title of the section."), "error")
    else:
        course.sections.append(Section(title=title, title_en=_title_from(request, "title_en"),
                                       position=len(course.sections) + 1))
        _flash(request, _("The section was added."))
    return HTTPSeeOther(_edit_url(request, course.id))


@view_config(route_name="elearning.section_edit", permission=MANAGE, request_method="POST")
def section_edit(request):
    section = _section(request)
    title = _title_from(request)
    if title:
        section.title = title
        if "title_en" in request.POST:
            section.title_en = _title_from(request, "title_en")
        _flash(request, _("The section was renamed."))
    else:
        _flash(request, _("Enter the title of the section."), "error")
    return HTTPSeeOther(_edit_url(request, section.course_id))


@view_config(route_name="elearning.section_move", permission=MANAGE, request_method="POST")
def section_move(request):
    section = _section(request)
    _move(list(section.course.sections), section, request.POST.get("direction", ""))
    return HTTPSeeOther(_edit_url(request, section.course_id) + f"#section-{section.id}")


@view_config(route_name="elearning.section_delete", permission=MANAGE, request_method="POST")
def section_delete(request):
    section = _section(request)
    course_id = section.course_id
    if section.lessons:
        _flash(request, _("Move or delete the lessons of the section first."), "error")
    else:
        request.dbsession.delete(section)
        _flash(request, _("The section was deleted."))
    return HTTPSeeOther(_edit_url(request, course_id))


# -- event recordings -------------------------------------------------------------------

@view_config(route_name="elearning.import_recording",
             renderer="hub_elearning:templates/import.pt", permission=MANAGE)
def import_recording(request):
    course = _course(request)
    recordings = event_recordings(request)
    error = None
    if request.method == "POST":
        chosen = next((r for r in recordings
                       if str(r.get("event_id")) == request.POST.get("event_id")), None)
        section = next((s for s in course.sections
                        if str(s.id) == request.POST.get("section_id")), None)
        if chosen is None or section is None:
            error = _("Choose a recording and a section.")
            request.response.status = 422
        else:
            url = chosen.get("embed_url") or chosen.get("video_url") or ""
            embed = services.embed_url_for(url)
            captions_url = chosen.get("captions_url") or ""
            lesson = Lesson(
                kind="video", title=str(chosen.get("title") or "")[:200], course_id=course.id,
                # An English title when the plugin offering the recording gives one.
                title_en=str(chosen.get("title_en") or "")[:200],
                position=len(section.lessons) + 1, is_published=False,
                embed_url=embed or "",
                video_url="" if embed else (url if services.is_https_url(url) else ""),
                captions_url=captions_url if services.is_https_url(captions_url) else "",
                transcript=chosen.get("transcript") or "",
                captions_language=course.language,
                source_event_id=str(chosen.get("event_id"))[:100])
            section.lessons.append(lesson)
            request.dbsession.flush()
            _flash(request, _("The recording was imported as an unpublished video lesson."))
            return HTTPSeeOther(request.route_path("elearning.lesson_edit", lid=lesson.id))
    return {"breadcrumbs": _crumbs(request, (course.title, _edit_url(request, course.id)),
                                   (_("Import an event recording"), None)),
            "course": course, "recordings": recordings, "error": error,
            "page_title": _("Import an event recording: ${title}",
                            mapping={"title": course.title}),
            "available": recordings_offered(request)}
