"""JSON API: ask (``POST /api/v1/counselling/cases``), read a case and reply (counsellors).

A case's texts are special-category data, read only by counsellors:
``GET /counselling/cases/{id}`` gives the case and its thread in order with the texts and
records the read in the case's audit trail; ``?texts=false`` gives the case and thread
without the texts and records nothing (for a client that only follows states). ``POST`` to
the same address reads the texts as GET does (kept for clients that read by POST).
"""
from __future__ import annotations

from pyramid.view import view_config

from hub import consent
from hub.api import api_error, json_body
from hub.api.openapi import error_response
from hub.security import PUBLIC
from hub_counselling import services
from hub_counselling.hooks import CASE_CONSENT
from hub_counselling.i18n import _
from hub_counselling.models import CATEGORIES, Case
from hub_counselling.services import MAX_MESSAGE, MAX_NAME, MAX_SUBJECT, QUEUE


def error(request, status: int, code: str, message, **details):
    """An API error whose message is in the request's language."""
    return api_error(status, code, request.localizer.translate(message), **details)


def case_json(request, case: Case, texts: bool) -> dict:
    return {
        "id": case.id, "reference": case.reference, "status": case.status,
        "category": case.category, "language": case.language,
        "created_at": case.created_at.isoformat(), "due_at": case.due_at.isoformat(),
        "first_reply_at": case.first_reply_at.isoformat() if case.first_reply_at else None,
        "assignee_id": case.assignee_id,
        "subject": case.subject if texts else None,
        "asker": {"email": case.email, "name": case.name or None, "user_id": case.user_id}
        if texts else None,
        "thread": [{"id": m.id, "direction": m.direction, "channel": m.channel,
                    "at": m.created_at.isoformat(), "author_id": m.author_id,
                    "body": m.body if texts else None} for m in case.messages],
    }


@view_config(route_name="counselling.api.cases", request_method="POST", renderer="json",
             permission=PUBLIC)
def ask(request):
    body = json_body(request)
    user = request.identity
    values = {k: body.get(k) for k in ("subject", "message", "email", "name", "category")}
    values["consent_version"] = body.get("consent")
    email = user.email if user is not None else (body.get("email") or "")
    if services.too_many_questions(request, str(email)):
        return error(request, 429, "too_many_requests", _("Too many questions in a short time."))
    try:
        case = services.create_case(request, values, user, "api")
    except services.CaseError as exc:
        return error(request, 422, "validation_failed", _("The question is incomplete."),
                         fields={k: request.localizer.translate(v)
                                 for k, v in exc.errors.items()},
                         consent_version=CASE_CONSENT.text_version)
    except consent.OutdatedText as exc:
        return error(request, 409, exc.code, _("The consent text has changed; show the new text."),
                         current=exc.current)
    request.response.status = 201
    request.response.headers["Location"] = services.case_url(request, case)
    return {"id": case.id, "reference": case.reference, "status": case.status,
            "due_at": case.due_at.isoformat()}


def _case(request) -> Case:
    case = request.dbsession.get(Case, int(request.matchdict["id"]))
    if case is None:
        raise error(request, 404, "not_found", _("No case with this id."))
    if not services.can_read(request):
        raise error(request, 403, "forbidden", _("Only counsellors read counselling cases."))
    return case


@view_config(route_name="counselling.api.case", request_method="GET", renderer="json",
             permission=QUEUE)
def case_get(request):
    texts = request.GET.get("texts", "true")
    if texts not in ("true", "false"):
        raise api_error(422, "validation_failed", request.localizer.translate(
            _("texts must be true or false.")), fields={"texts": "invalid"})
    if texts == "false":
        return case_json(request, _case(request), texts=False)
    return case_read(request)


@view_config(route_name="counselling.api.case", request_method="POST", renderer="json",
             permission=QUEUE)
def case_read(request):
    case = _case(request)
    services.audit(request, case, "read", "api")
    return case_json(request, case, texts=True)


@view_config(route_name="counselling.api.replies", request_method="POST", renderer="json",
             permission=QUEUE)
def replies(request):
    case = _case(request)
    data = json_body(request)
    body = data.get("body")
    try:
        message = services.reply(request, case, body if isinstance(body, str) else "",
                                 request.identity, channel="staff",
                                 wait=data.get("wait") is True)
    except services.CaseError as exc:
        return error(request, 422, "validation_failed", _("The answer is empty or too long."),
                         fields={k: request.localizer.translate(v)
                                 for k, v in exc.errors.items()})
    request.response.status = 201
    return {"id": message.id, "case_id": case.id, "reference": case.reference,
            "status": case.status, "at": message.created_at.isoformat()}


def _ask_input() -> dict:
    text = {"type": "string", "minLength": 1, "pattern": r"\S"}
    return {
        "type": "object", "required": ["subject", "message", "email", "category", "consent"],
        "properties": {
            "subject": {**text, "maxLength": MAX_SUBJECT},
            "message": {**text, "maxLength": MAX_MESSAGE},
            "email": {"type": "string", "format": "email", "maxLength": 254,
                      "description": "Reply address; a signed-in asker's own address is "
                                     "used instead"},
            "name": {"type": "string", "maxLength": MAX_NAME},
            "category": {"type": "string", "enum": list(CATEGORIES)},
            "consent": {"type": "string", "const": CASE_CONSENT.text_version,
                        "description": "Explicit consent: the text_version of the "
                                       "counselling.case purpose shown to the asker "
                                       "(/api/v1/consent/purposes); another version is 409 "
                                       "outdated_text"}}}


def openapi() -> dict:
    tags = ["counselling"]
    case_id = [{"name": "id", "in": "path", "required": True,
                "schema": {"type": "integer", "minimum": 1}}]
    message = {"type": "object", "properties": {
        "id": {"type": "integer"}, "direction": {"type": "string", "enum": ["in", "out", "note"]},
        "channel": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
        "author_id": {"type": ["integer", "null"]}, "body": {"type": ["string", "null"]}}}
    case = {"type": "object", "properties": {
        "id": {"type": "integer"}, "reference": {"type": "string", "example": "PH-2026-00042"},
        "status": {"type": "string", "enum": ["new", "open", "waiting", "answered", "closed"]},
        "category": {"type": "string"}, "language": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "due_at": {"type": "string", "format": "date-time"},
        "first_reply_at": {"type": ["string", "null"], "format": "date-time"},
        "assignee_id": {"type": ["integer", "null"]}, "subject": {"type": ["string", "null"]},
        "asker": {"type": ["object", "null"]},
        "thread": {"type": "array", "items": {"$ref": "#/components/schemas/CounsellingMessage"}}}}
    json_case = {"application/json": {"schema": {"$ref": "#/components/schemas/CounsellingCase"}}}
    return {
        "paths": {
            "/counselling/cases": {"post": {
                "tags": tags, "summary": "Ask a question (signed in or not)",
                "operationId": "askCounselling",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/CounsellingQuestion"}}}},
                "responses": {"201": {"description": "The case's reference", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "id": {"type": "integer"}, "reference": {"type": "string"},
                        "status": {"type": "string"},
                        "due_at": {"type": "string", "format": "date-time"}}}}}},
                              "409": error_response("The consent text changed"),
                              "422": error_response("Incomplete question"),
                              "429": error_response("Too many questions")}}},
            "/counselling/cases/{id}": {
                "get": {"tags": tags, "summary": "A case and its thread in order (counsellors; "
                        "every read of the texts is recorded)",
                        "operationId": "getCounsellingCase",
                        "parameters": case_id + [{
                            "name": "texts", "in": "query", "required": False,
                            "schema": {"type": "string", "enum": ["true", "false"],
                                       "default": "true"},
                            "description": "false: without the texts, nothing recorded"}],
                        "responses": {"200": {"description": "The case", "content": json_case},
                                      "403": error_response("Not a counsellor"),
                                      "404": error_response("No such case")}},
                "post": {"tags": tags, "summary": "Read a case with its texts (recorded; "
                         "no body)",
                         "operationId": "readCounsellingCase", "parameters": case_id,
                         "responses": {"200": {"description": "The case", "content": json_case},
                                       "403": error_response("Not a counsellor"),
                                       "404": error_response("No such case")}}},
            "/counselling/cases/{id}/replies": {"post": {
                "tags": tags, "summary": "Answer the asker (mailed with the reference)",
                "operationId": "replyToCounsellingCase", "parameters": case_id,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["body"],
                    "properties": {"body": {"type": "string", "minLength": 1,
                                            "maxLength": MAX_MESSAGE, "pattern": r"\S"},
                                   "wait": {
                        "type": "boolean", "description": "The answer asks the asker for "
                        "more: the case waits for them (else it is answered)"}}}}}},
                "responses": {"201": {"description": "The reply was kept and mailed",
                                      "content": {"application/json": {"schema": {
                                          "type": "object", "properties": {
                                              "id": {"type": "integer"},
                                              "case_id": {"type": "integer"},
                                              "reference": {"type": "string"},
                                              "status": {"type": "string"},
                                              "at": {"type": "string",
                                                     "format": "date-time"}}}}}},
                              "403": error_response("Not a counsellor"),
                              "404": error_response("No such case"),
                              "422": error_response("Empty answer")}}},
        },
        "components": {"schemas": {"CounsellingCase": case, "CounsellingMessage": message,
                                   "CounsellingQuestion": _ask_input()}},
    }
