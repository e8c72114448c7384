"""Authoring and reports for staff: courses, sections, lessons, questions, CSV export."""
from __future__ import annotations

from pathlib import PurePath

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub import dates
from hub.shell import flatten
from hub.storage import sniff
from hub.topics import Topic, topic_choices
from hub_elearning import services
from hub_elearning.forms import Field, Form
from hub_elearning.i18n import _
from hub_elearning.models import (
    COMPLETION_RULES,
    LANGUAGES,
    LESSON_KINDS,
    LEVELS,
    QUESTION_KINDS,
    REVIEW_POLICIES,
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
REVIEW_LABELS = {"never": _("Never"),
                 "after_passing": _("After the learner passes the quiz"),
                 "after_last_attempt": _("After the last attempt (or after passing)")}
QUESTION_LABELS = {"single": _("Single choice"), "multiple": _("Multiple choice"),
                   "short": _("Short answer")}
MAX_UPLOAD = 200 * 1024 * 1024
LEAVE_EMPTY = _("Leave empty to show the Czech text.")
LEAVE_EMPTY_HTML = _("Leave empty to show the Czech text. HTML is allowed; scripts, styles "
                     "and unsafe links are removed.")


def _options(values, labels):
    return [(v, labels[v]) for v in values]


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
        Field("description", _("Description"), "textarea", rows=8, maxlength=50000,
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
        Field("description_en", _("Description in English"), "textarea", rows=8,
              maxlength=50000, help=LEAVE_EMPTY_HTML, group="en"),
    ]


def lesson_fields(kind: str) -> list[Field]:
    """The fields that matter for a lesson of ``kind``."""
    fields = [
        Field("title", _("Title"), required=True, maxlength=200),
        Field("is_preview", _("Can be previewed by anyone who can see the course"), "checkbox"),
        Field("duration_minutes", _("Duration in minutes"), "number", maxlength=5),
        Field("body", _("Text") if kind == "article" else _("Introduction"), "textarea",
              rows=10 if kind == "article" else 4, maxlength=200000,
              help=_("HTML is allowed; scripts, styles and unsafe links are removed.")),
    ]
    if kind == "video":
        fields += [
            Field("video_url", _("Video address"), "url", maxlength=500,
                  help=_("A YouTube or Vimeo link, or an https address of a video file.")),
            Field("upload", _("Video file"), "file", accept=".mp4,.webm",
                  help=_("An MP4 or WebM video, instead of an address.")),
            Field("captions", _("Captions file (WebVTT)"), "file", accept=".vtt"),
            Field("captions_url", _("Captions address (WebVTT)"), "url", maxlength=500),
            Field("captions_language", _("Language of the captions"), "select",
                  _options(LANGUAGES, LANGUAGE_LABELS)),
            Field("transcript", _("Transcript"), "textarea", rows=8, maxlength=200000,
                  help=_("Required for videos. Separate paragraphs with an empty line.")),
        ]
    elif kind == "document":
        fields.append(Field("upload", _("PDF document"), "file", accept=".pdf"))
    elif kind == "quiz":
        fields += [
            Field("pass_mark", _("Pass mark in %"), "number", maxlength=3),
            Field("max_attempts", _("Attempts allowed"), "number", maxlength=3,
                  help=_("Leave empty for unlimited attempts. Staff can give a learner who "
                         "used them all a new round from the course report.")),
            Field("review_policy", _("Learners see the right answers and feedback"), "select",
                  _options(REVIEW_POLICIES, REVIEW_LABELS),
                  help=_("The score is always shown after each attempt.")),
        ]
    fields += [
        Field("title_en", _("Title in English"), maxlength=200, help=LEAVE_EMPTY, group="en"),
        Field("body_en", _("Text in English") if kind == "article"
              else _("Introduction in English"), "textarea",
              rows=10 if kind == "article" else 4, maxlength=200000,
              help=LEAVE_EMPTY_HTML, group="en"),
    ]
    return fields


def question_fields() -> list[Field]:
    return [
        Field("kind", _("Kind of question"), "select", _options(QUESTION_KINDS, QUESTION_LABELS)),
        Field("text", _("Question"), "textarea", rows=2, required=True, maxlength=1000),
        Field("choices", _("Choices"), "textarea", rows=5, maxlength=5000,
              help=_("One per line; start the correct ones with an asterisk (*).")),
        Field("accepted_answers", _("Accepted answers"), "textarea", rows=3, maxlength=1000,
              help=_("For short answers: one accepted answer per line (case does not matter).")),
        Field("feedback", _("Feedback shown after submitting"), "textarea", rows=3,
              maxlength=2000),
    ]


def _course(request, key="id") -> Course:
    course = request.dbsession.get(Course, int(request.matchdict[key]))
    if course is None:
        raise HTTPNotFound()
    return course


def _section(request) -> Section:
    section = request.dbsession.get(Section, int(request.matchdict["sid"]))
    if section is None:
        raise HTTPNotFound()
    return section


def _lesson(request) -> Lesson:
    lesson = request.dbsession.get(Lesson, int(request.matchdict["lid"]))
    if lesson is None:
        raise HTTPNotFound()
    return lesson


def _edit_url(request, course_id) -> str:
    return request.route_path("elearning.course_edit", id=course_id)


def _crumbs(request, *extra):
    return [(_("Online courses"), request.route_path("elearning.index")),
            (_("Course management"), request.route_path("elearning.manage")), *extra]


def _flash(request, message, queue="success"):
    request.session.flash(request.shell.translate(message), queue)


# -- courses ----------------------------------------------------------------------------

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


def _move(items: list, item, direction: str) -> None:
    """Swap ``item`` with its neighbour and renumber positions 1..n."""
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, entry in enumerate(items, start=1):
        entry.position = position


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


# -- lessons ----------------------------------------------------------------------------

def _read_upload(form: Form, name: str, allowed: tuple[str, ...]):
    upload = form.values.get(name)
    if upload is None or not getattr(upload, "filename", ""):
        return None
    suffix = PurePath(upload.filename).suffix.lower()
    if suffix not in allowed:
        form.error(name, _("This kind of file is not accepted."))
        return None
    data = upload.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        form.error(name, _("The file is too large."))
        return None
    if suffix == ".pdf" and not data.startswith(b"%PDF"):
        form.error(name, _("The file is not a PDF document."))
        return None
    if suffix in (".mp4", ".webm") and sniff(data[:64]) != services.FILE_TYPES[suffix]:
        form.error(name, _("The file is not an MP4 or WebM video."))
        return None
    return upload.filename, suffix, data


def _apply_lesson(request, form: Form, lesson: Lesson) -> bool:
    values = form.values
    upload = _read_upload(form, "upload", (".pdf",) if lesson.kind == "document"
                          else (".mp4", ".webm"))
    captions = _read_upload(form, "captions", (".vtt",))
    video_url = values.get("video_url", "") if lesson.kind == "video" else ""
    embed = services.embed_url_for(video_url) if video_url else None
    if video_url and embed is None and not services.is_https_url(video_url):
        form.error("video_url", _("Enter a YouTube or Vimeo link or an https address."))
    captions_url = values.get("captions_url", "")
    if captions_url and not services.is_https_url(captions_url):
        form.error("captions_url", _("Enter an https address."))
    captions_text = None
    if captions is not None:
        captions_text = captions[2].decode("utf-8", "replace")
        if not captions_text.lstrip("\ufeff").startswith("WEBVTT"):
            form.error("captions", _("The captions file must be in WebVTT format."))
    pass_mark = form.int("pass_mark", lesson.pass_mark)
    if pass_mark > 100:
        form.error("pass_mark", _("Enter a number from 0 to 100."))
    if values.get("max_attempts") == "0":
        form.error("max_attempts", _("Allow at least one attempt, or leave the field empty."))
    if not form.ok:
        return False
    lesson.title = values["title"]
    lesson.is_preview = bool(values.get("is_preview"))
    lesson.duration_minutes = form.int("duration_minutes")
    lesson.body = services.clean_html(values.get("body", ""))
    lesson.title_en = values.get("title_en", "")
    lesson.body_en = services.clean_html(values.get("body_en", ""))
    if lesson.kind == "video":
        lesson.video_url = video_url if embed is None else ""
        lesson.embed_url = embed or ""
    if upload is not None:
        name, suffix, data = upload
        lesson.file_key = services.store_file(request, data, suffix)
        lesson.file_name = PurePath(name).name[:200]
        lesson.file_type = services.FILE_TYPES[suffix]
    if captions_text is not None:
        lesson.captions_vtt = captions_text
    if lesson.kind == "video":
        lesson.captions_url = captions_url
        lesson.captions_language = values.get("captions_language") or "cs"
        lesson.transcript = values.get("transcript", "")
    if lesson.kind == "quiz":
        lesson.pass_mark = pass_mark
        lesson.max_attempts = form.int("max_attempts") if values.get("max_attempts") else None
        lesson.review_policy = values.get("review_policy") or "after_last_attempt"
    problems = publication_problems(lesson, request)
    if lesson.is_published and problems:
        lesson.is_published = False
        _flash(request, problems[0], "error")
    if lesson.section is not None:  # a new lesson is not published, so adds no time yet
        services.sync_duration(lesson.section.course)
    return True


def publication_problems(lesson: Lesson, request=None) -> list:
    problems = []
    if (request is not None and lesson.source_event_id and recordings_offered(request)
            and not any(str(r.get("event_id")) == lesson.source_event_id
                        for r in event_recordings(request))):
        problems.append(_("The event recording this lesson was copied from is not public "
                          "(a speaker has not released it or withdrew the release)."))
    if lesson.kind == "video":
        if not (lesson.embed_url or lesson.video_url or lesson.file_key):
            problems.append(_("A video lesson needs a video (a link or a file)."))
        if not (lesson.captions_vtt or lesson.captions_url):
            problems.append(_("A video needs captions before it can be published."))
        if not lesson.transcript.strip():
            problems.append(_("A video needs a transcript before it can be published."))
    elif lesson.kind == "document" and not lesson.file_key:
        problems.append(_("A document lesson needs a PDF file."))
    elif lesson.kind == "quiz" and not lesson.questions:
        problems.append(_("A quiz needs at least one question."))
    elif lesson.kind == "article" and not lesson.body.strip():
        problems.append(_("An article needs some text."))
    return problems


def _lesson_values(lesson: Lesson) -> dict:
    return {"title": lesson.title, "kind": lesson.kind, "is_preview": lesson.is_preview,
            "duration_minutes": str(lesson.duration_minutes), "body": lesson.body,
            "video_url": lesson.embed_url or lesson.video_url, "captions_url": lesson.captions_url,
            "captions_language": lesson.captions_language, "transcript": lesson.transcript,
            "pass_mark": str(lesson.pass_mark),
            "max_attempts": "" if lesson.max_attempts is None else str(lesson.max_attempts),
            "review_policy": lesson.review_policy, "title_en": lesson.title_en,
            "body_en": lesson.body_en}


@view_config(route_name="elearning.lesson_new", renderer="hub_elearning:templates/lesson_form.pt",
             permission=MANAGE)
def lesson_new(request):
    section = _section(request)
    course = section.course
    kind = request.params.get("kind", "article")
    if kind not in LESSON_KINDS:
        raise HTTPNotFound()
    form = Form(lesson_fields(kind), {"pass_mark": "60", "max_attempts": "3",
                                      "review_policy": "after_last_attempt",
                                      "captions_language": course.language})
    if request.method == "POST":
        form.read(request.POST)
        lesson = Lesson(kind=kind, title="", course_id=course.id,
                        position=len(section.lessons) + 1)
        if _apply_lesson(request, form, lesson):
            section.lessons.append(lesson)
            request.dbsession.flush()
            _flash(request, _("The lesson was added. Publish it when it is ready."))
            if kind == "quiz":
                return HTTPSeeOther(request.route_path("elearning.lesson_edit", lid=lesson.id))
            return HTTPSeeOther(_edit_url(request, course.id))
        request.response.status = 422
    return {"breadcrumbs": _crumbs(request, (course.title, _edit_url(request, course.id)),
                                   (_("New lesson"), None)),
            "form": form, "heading": _("New lesson: ${kind}", mapping={
                "kind": request.shell.translate(KIND_LABELS[kind])}),
            "page_title": _("New lesson (${kind}), ${section}", mapping={
                "kind": request.shell.translate(KIND_LABELS[kind]), "section": section.title}),
            "lesson": None, "course": course,
            "section": section, "problems": [], "question_form": None,
            "action": request.route_path("elearning.lesson_new", sid=section.id,
                                         _query={"kind": kind}),
            "question_labels": QUESTION_LABELS}


@view_config(route_name="elearning.lesson_edit", renderer="hub_elearning:templates/lesson_form.pt",
             permission=MANAGE)
def lesson_edit(request):
    lesson = _lesson(request)
    course = lesson.section.course
    form = Form(lesson_fields(lesson.kind), _lesson_values(lesson))
    if request.method == "POST":
        if _apply_lesson(request, form.read(request.POST), lesson):
            _flash(request, _("The lesson was saved."))
            return HTTPSeeOther(request.route_path("elearning.lesson_edit", lid=lesson.id))
        request.response.status = 422
    question_form = Form(question_fields(), {"kind": "single"}) if lesson.kind == "quiz" else None
    return {"breadcrumbs": _crumbs(request, (course.title, _edit_url(request, course.id)),
                                   (lesson.title, None)),
            "form": form, "heading": lesson.title, "lesson": lesson, "course": course,
            "page_title": _("Edit lesson: ${title}", mapping={"title": lesson.title}),
            "section": lesson.section, "problems": publication_problems(lesson, request),
            "question_form": question_form, "question_labels": QUESTION_LABELS,
            "action": request.route_path("elearning.lesson_edit", lid=lesson.id)}


@view_config(route_name="elearning.lesson_publish", permission=MANAGE, request_method="POST")
def lesson_publish(request):
    lesson = _lesson(request)
    publish = request.POST.get("publish") == "1"
    problems = publication_problems(lesson, request) if publish else []
    if problems:
        for problem in problems:
            _flash(request, problem, "error")
    else:
        lesson.is_published = publish
        try:
            with request.dbsession.begin_nested():
                request.dbsession.flush()
        except sa.exc.IntegrityError:
            lesson.is_published = False
            _flash(request, _("A video needs captions and a transcript before it can be "
                              "published."), "error")
        else:
            services.sync_duration(lesson.section.course)
            _flash(request, _("The lesson is published.") if publish
                   else _("The lesson is no longer published."))
    return HTTPSeeOther(request.POST.get("back") == "course" and _edit_url(
        request, lesson.course_id) or request.route_path("elearning.lesson_edit", lid=lesson.id))


@view_config(route_name="elearning.lesson_move", permission=MANAGE, request_method="POST")
def lesson_move(request):
    lesson = _lesson(request)
    _move(list(lesson.section.lessons), lesson, request.POST.get("direction", ""))
    return HTTPSeeOther(_edit_url(request, lesson.course_id) + f"#lesson-{lesson.id}")


@view_config(route_name="elearning.lesson_delete", permission=MANAGE, request_method="POST")
def lesson_delete(request):
    lesson = _lesson(request)
    course_id = lesson.course_id
    course = lesson.section.course
    lesson.section.lessons.remove(lesson)
    request.dbsession.delete(lesson)
    services.sync_duration(course)
    _flash(request, _("The lesson was deleted."))
    return HTTPSeeOther(_edit_url(request, course_id))


# -- event recordings -------------------------------------------------------------------

def recordings_offered(request) -> bool:
    """Whether an enabled plugin (events) answers ``hub_event_recordings``."""
    return bool(request.hooks.hub_event_recordings.get_hookimpls())


def event_recordings(request) -> list[dict]:
    """Recordings of past events offered by the events plugin (none when it is disabled)."""
    return flatten(request.hooks.hub_event_recordings(request=request))


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
