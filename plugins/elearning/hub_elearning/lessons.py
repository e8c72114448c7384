"""Staff's lesson pages: the lesson forms by kind, uploads, publishing, moving, deleting."""
from __future__ import annotations

from pathlib import PurePath

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.media.vtt import read_vtt
from hub.storage import sniff
from hub_elearning import services
from hub_elearning.authoring import (
    LEAVE_EMPTY,
    LEAVE_EMPTY_HTML,
    _crumbs,
    _edit_url,
    _flash,
    _lesson,
    _move,
    _options,
    _section,
    event_recordings,
    recordings_offered,
)
from hub_elearning.forms import Field, Form
from hub_elearning.i18n import _
from hub_elearning.models import LANGUAGES, LESSON_KINDS, REVIEW_POLICIES, Lesson
from hub_elearning.preview import previewed
from hub_elearning.questions import QUESTION_LABELS, question_fields
from hub_elearning.services import MANAGE
from hub_elearning.views import KIND_LABELS, LANGUAGE_LABELS

REVIEW_LABELS = {"never": _("Never"),
                 "after_passing": _("After the learner passes the quiz"),
                 "after_last_attempt": _("After the last attempt (or after passing)")}
MAX_UPLOAD = 200 * 1024 * 1024


def lesson_fields(kind: str) -> list[Field]:
    """The fields that matter for a lesson of ``kind``."""
    fields = [
        Field("title", _("Title"), required=True, maxlength=200),
        Field("is_preview", _("Can be previewed by anyone who can see the course"), "checkbox"),
        Field("duration_minutes", _("Duration in minutes"), "number", maxlength=5),
        Field("body", _("Text") if kind == "article" else _("Introduction"), "richtext",
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
              else _("Introduction in English"), "richtext",
              rows=10 if kind == "article" else 4, maxlength=200000,
              help=LEAVE_EMPTY_HTML, group="en"),
    ]
    return fields


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
        captions_text, problem = read_vtt(captions[2])  # the core's one WebVTT check
        if problem is not None:
            form.error("captions", problem)
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
    preview = None
    if request.method == "POST" and "preview" in request.POST:
        preview = previewed(request, form)
    elif request.method == "POST":
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
            "lesson": None, "course": course, "preview": preview,
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
    preview = None
    if request.method == "POST" and "preview" in request.POST:
        preview = previewed(request, form)
    elif request.method == "POST":
        if _apply_lesson(request, form.read(request.POST), lesson):
            _flash(request, _("The lesson was saved."))
            return HTTPSeeOther(request.route_path("elearning.lesson_edit", lid=lesson.id))
        request.response.status = 422
    question_form = Form(question_fields(), {"kind": "single"}) if lesson.kind == "quiz" else None
    return {"breadcrumbs": _crumbs(request, (course.title, _edit_url(request, course.id)),
                                   (lesson.title, None)),
            "form": form, "heading": lesson.title, "lesson": lesson, "course": course,
            "preview": preview,
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
