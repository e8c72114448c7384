"""JSON API: catalogue, course detail, my progress (served under /api/v1/elearning)."""
from __future__ import annotations

from pyramid.view import view_config

from hub.api import api_error
from hub.api.collections import (
    collection,
    collection_of,
    collection_schema,
    paging_parameters,
    read_paging,
)
from hub.api.openapi import error_response, json_content
from hub.dates import language as request_language
from hub.security import AUTHENTICATED, PUBLIC
from hub.translations import LANGUAGES as TRANSLATED_LANGUAGES
from hub.translations import translations_json, translations_schema
from hub_elearning import services
from hub_elearning.i18n import _
from hub_elearning.models import COMPLETION_RULES, LANGUAGES, LESSON_KINDS, LEVELS, VISIBILITIES

# The whole catalogue and a learner's courses fit on one page at the default size.
PAGE_LIMIT = 100


def translations_of(obj, fields: tuple[str, ...]) -> dict:
    """``translations_json`` limited to ``fields`` (a listing loads no descriptions)."""
    return {code: {field: getattr(obj, f"{field}_{code}") for field in fields
                   if (getattr(obj, f"{field}_{code}", "") or "").strip()}
            for code in TRANSLATED_LANGUAGES}


def course_summary(request, course) -> dict:
    language = request_language(request)
    return {"slug": course.slug, "title": course.translated("title", language),
            "summary": course.translated("summary", language),
            "translations": translations_of(course, ("title", "summary")),
            "topics": course.topic_slugs, "level": course.level, "language": course.language,
            "duration_minutes": course.duration_minutes, "visibility": course.visibility,
            "url": request.route_url("elearning.course", slug=course.slug)}


@view_config(route_name="elearning.api.courses", renderer="json", permission=PUBLIC,
             request_method="GET")
def courses(request):
    params = request.GET
    paging = read_paging(request, PAGE_LIMIT, PAGE_LIMIT)
    level = params.get("level", "")
    language = params.get("language", "")
    if level and level not in LEVELS:
        return api_error(422, "validation_failed",
                         request.localizer.translate(_("Unknown level.")), field="level",
                         allowed=list(LEVELS))
    if language and language not in LANGUAGES:
        return api_error(422, "validation_failed",
                         request.localizer.translate(_("Unknown language.")), field="language",
                         allowed=list(LANGUAGES))
    filters = {"q": params.get("q", "")[:100], "topic": params.get("topic", "")[:60],
               "level": level, "language": language}
    found = services.search_courses(request, limit=paging.limit, offset=paging.offset,
                                    **filters)
    return collection([course_summary(request, c) for c in found],
                      services.count_courses(request, **filters), paging)


@view_config(route_name="elearning.api.course", renderer="json", permission=PUBLIC,
             request_method="GET")
def course_detail(request):
    course = services.load_course(request, request.matchdict["slug"])
    if course is None or not services.can_see(request, course):
        return api_error(404, "not_found", request.localizer.translate(_("No such course.")))
    manager = services.is_manager(request)
    can_take = services.can_take(request, course)
    language = request_language(request)
    sections = []
    for section in course.sections:
        lessons = [{"id": lesson.id, "title": lesson.translated("title", language),
                    "translations": translations_of(lesson, ("title",)), "kind": lesson.kind,
                    "preview": lesson.is_preview, "duration_minutes": lesson.duration_minutes,
                    "open": can_take or lesson.is_preview}
                   for lesson in section.lessons if manager or lesson.is_published]
        sections.append({"id": section.id, "title": section.translated("title", language),
                         "translations": translations_json(section), "lessons": lessons})
    return {**course_summary(request, course),
            "description_html": course.translated("description", language),
            "translations": translations_json(course),
            "completion_rule": course.completion_rule, "can_take": can_take,
            "sections": sections}


@view_config(route_name="elearning.api.progress", renderer="json", permission=AUTHENTICATED,
             request_method="GET")
def my_progress(request):
    from hub_elearning.views import my_courses

    paging = read_paging(request, PAGE_LIMIT, PAGE_LIMIT)
    items = my_courses(request, request.identity)
    language = request_language(request)
    return collection_of([
        {"slug": item["course"].slug, "title": item["course"].translated("title", language),
         "percent": item["percent"],
         "started_at": item["enrolment"].started_at.isoformat(),
         "completed_at": item["enrolment"].completed_at.isoformat()
         if item["enrolment"].completed_at else None,
         "certificate_code": item["certificate"].code if item["certificate"] else None,
         "continue_url": request.host_url + item["continue_url"]
         if item["continue_url"] else None}
        for item in items], paging)


def openapi(request) -> dict:
    in_language = "In the request's language (Accept-Language); the Czech text when the " \
                  "course has no English one"
    course_translations = translations_schema({"title": 200, "summary": 500,
                                               "description": None})
    course_translations["description"] += " The catalogue leaves out the description."
    course = {"type": "object", "properties": {
        "slug": {"type": "string"}, "title": {"type": "string", "description": in_language},
        "summary": {"type": "string", "description": in_language},
        "translations": course_translations,
        "topics": {"type": "array", "items": {"type": "string"},
                   "description": "Slugs of the shared topics (GET /api/v1/topics)"},
        "level": {"type": "string", "enum": list(LEVELS)},
        "language": {"type": "string", "enum": list(LANGUAGES)},
        "duration_minutes": {"type": "integer"},
        "visibility": {"type": "string", "enum": list(VISIBILITIES)},
        "url": {"type": "string", "format": "uri"}}}
    lesson = {"type": "object", "properties": {
        "id": {"type": "integer"}, "title": {"type": "string", "description": in_language},
        "translations": translations_schema({"title": 200}),
        "kind": {"type": "string", "enum": list(LESSON_KINDS)},
        "preview": {"type": "boolean"}, "duration_minutes": {"type": "integer"},
        "open": {"type": "boolean"}}}
    detail = {"allOf": [{"$ref": "#/components/schemas/ElearningCourse"}, {
        "type": "object", "properties": {
            "description_html": {"type": "string", "description": in_language},
            "completion_rule": {"type": "string", "enum": list(COMPLETION_RULES)},
            "can_take": {"type": "boolean"},
            "sections": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"},
                "title": {"type": "string", "description": in_language},
                "translations": translations_schema({"title": 200}),
                "lessons": {"type": "array",
                            "items": {"$ref": "#/components/schemas/ElearningLesson"}}}}}}}]}
    progress = {"type": "object", "properties": {
        "slug": {"type": "string"}, "title": {"type": "string", "description": in_language},
        "percent": {"type": "integer"},
        "started_at": {"type": "string", "format": "date-time"},
        "completed_at": {"type": ["string", "null"], "format": "date-time"},
        "certificate_code": {"type": ["string", "null"]},
        "continue_url": {"type": ["string", "null"]}}}

    return {
        "paths": {
            "/elearning/courses": {"get": {
                "tags": ["elearning"], "summary": "Course catalogue",
                "operationId": "listElearningCourses",
                "security": [{}, {"bearer": []}],
                "parameters": [
                    {"name": "q", "in": "query", "required": False,
                     "description": "Words in the title or summary (only the first 100 "
                                    "characters are used)",
                     "schema": {"type": "string"}},
                    {"name": "topic", "in": "query", "required": False,
                     "description": "Slug of a shared topic (GET /api/v1/topics)",
                     "schema": {"type": "string"}},
                    {"name": "level", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": list(LEVELS)}},
                    {"name": "language", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": list(LANGUAGES)}},
                    *paging_parameters(PAGE_LIMIT, PAGE_LIMIT)],
                "responses": {
                    "200": {"description": "Published courses listed in the catalogue",
                            "content": json_content(collection_schema(
                                {"$ref": "#/components/schemas/ElearningCourse"}))},
                    "422": error_response("Invalid filter")}}},
            "/elearning/courses/{slug}": {"get": {
                "tags": ["elearning"], "summary": "Course detail with its outline",
                "operationId": "getElearningCourse",
                "security": [{}, {"bearer": []}],
                "parameters": [
                    {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "key", "in": "query", "required": False,
                     "description": "Secret key of a course shared by link",
                     "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "The course", "content": json_content(
                        {"$ref": "#/components/schemas/ElearningCourseDetail"})},
                    "404": error_response("No such course (or not visible)")}}},
            "/elearning/my/progress": {"get": {
                "tags": ["elearning"], "summary": "The signed-in learner's progress",
                "operationId": "getMyElearningProgress",
                "parameters": paging_parameters(PAGE_LIMIT, PAGE_LIMIT),
                "responses": {
                    "200": {"description": "Courses the learner started",
                            "content": json_content(collection_schema(
                                {"$ref": "#/components/schemas/ElearningProgress"}))},
                    "403": error_response("Not signed in"),
                    "422": error_response("Invalid paging")}}},
        },
        "components": {"schemas": {"ElearningCourse": course, "ElearningLesson": lesson,
                                   "ElearningCourseDetail": detail,
                                   "ElearningProgress": progress}},
    }
