"""The grants API in the assembled OpenAPI document."""
from __future__ import annotations

from hub.api.collections import collection_schema, paging_parameters
from hub.api.openapi import error_response, json_content, ref
from hub.organizations.models import KINDS
from hub_grants.api import LIST_PAGE
from hub_grants.models import APPLICATION_STATES, QUESTION_TYPES
from hub_grants.services import _KEY, MAX_MONEY

TAGS = ["grants"]


def _amount(description: str, example: str, **bounds) -> dict:
    """An amount in CZK: a number or text as people write it ("120 000,50")."""
    return {"type": ["number", "string"], "examples": [example], "maximum": float(MAX_MONEY),
            "description": description + " A number or text such as \"120 000,50\"; at most "
                                         "two decimal places.", **bounds}


def _text(limit: int, required: bool = False, **extra) -> dict:
    schema = {"type": "string", "maxLength": limit, **extra}
    if required:
        schema.update(minLength=1, pattern=r"\S")
    return schema


def _op(operation_id: str, summary: str, status: str = "200", body: dict | None = None,
        response: dict | None = None, errors=("404", "409", "422")) -> dict:
    ok = {"description": "OK"}
    if response is not None:
        ok["content"] = json_content(response)
    op = {"operationId": operation_id, "summary": summary, "tags": TAGS,
          "responses": {status: ok}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": json_content(body)}
    for code in errors:
        op["responses"][code] = error_response()
    return op


def _id() -> list:
    return [{"name": "id", "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}]


def _call_input() -> dict:
    bilingual = {"type": "object", "required": ["cs"], "properties": {
        "cs": _text(2000, required=True), "en": _text(2000)}}
    faq = {"type": "object", "required": ["q_cs"], "properties": {
        "q_cs": _text(2000, required=True), "a_cs": _text(2000), "q_en": _text(2000),
        "a_en": _text(2000)}}
    question = {
        "type": "object", "required": ["key", "type", "cs"], "properties": {
            "key": {"type": "string", "pattern": _KEY.pattern, "examples": ["members"],
                    "description": "Unique within the call"},
            "type": {"type": "string", "enum": list(QUESTION_TYPES)},
            "cs": _text(500, required=True), "en": _text(500),
            "choices": {"type": "array", "items": _text(200)},
            "required": {"type": "boolean", "default": True}},
        "if": {"required": ["type"], "properties": {"type": {"const": "choice"}}},
        "then": {"required": ["choices"], "properties": {"choices": {"minItems": 1}}}}
    criterion = {"type": "object", "required": ["name_cs", "weight", "max_score"],
                 "properties": {
                     "name_cs": _text(200, required=True), "name_en": _text(200),
                     "weight": {"type": ["number", "string"], "examples": [1],
                                "exclusiveMinimum": 0, "exclusiveMaximum": 1000,
                                "description": "Above 0 and below 1000"},
                     "max_score": {"type": "integer", "minimum": 1, "maximum": 100}}}
    return {
        "type": "object",
        # opens_at before deadline_at: a generated sample then opens before its deadline.
        "required": ["title_cs", "description_cs", "eligible_kinds", "budget", "max_amount",
                     "opens_at", "deadline_at", "criteria"],
        "properties": {
            "title_cs": _text(200, required=True), "title_en": _text(200),
            "description_cs": _text(20000, required=True), "description_en": _text(20000),
            "eligible_kinds": {"type": "array", "minItems": 1, "uniqueItems": True,
                               "items": {"type": "string", "enum": list(KINDS)},
                               "description": "Kinds of organisation that may apply"},
            "budget": _amount("The call's whole budget in CZK.", "250000",
                              exclusiveMinimum=0),
            "max_amount": _amount("The most one application may get, at most the budget.",
                                  "100000", exclusiveMinimum=0),
            "cofinancing_percent": {"type": ["number", "string"], "minimum": 0,
                                    "exclusiveMaximum": 100, "default": "0",
                                    "description": "The applicant's own share, 0-99 %"},
            "opens_at": {"type": "string", "format": "date-time",
                         "description": "ISO 8601; without an offset it is Prague time"},
            "deadline_at": {"type": "string", "format": "date-time",
                            "description": "After opens_at; without an offset Prague time"},
            "evaluation_until": {"type": ["string", "null"], "format": "date"},
            "decision_by": {"type": ["string", "null"], "format": "date"},
            "multiple_per_organisation": {"type": "boolean", "default": False},
            "published": {"type": "boolean", "default": False},
            "documents": {"type": "array", "maxItems": 50, "items": bilingual,
                          "description": "Documents an applicant attaches"},
            "faq": {"type": "array", "maxItems": 50, "items": faq},
            "questions": {"type": "array", "maxItems": 30, "items": question},
            "criteria": {"type": "array", "minItems": 1, "maxItems": 20, "items": criterion,
                         "description": "Evaluation criteria, in order"}}}


def _application_input() -> dict:
    return {"type": "object", "properties": {
        "organisation_id": {"type": "integer", "minimum": 1, "maximum": 2147483647,
                            "description": "The organisation applying; needed unless the "
                                           "caller represents exactly one"},
        "title": _text(200), "summary": _text(20000),
        "amount_requested": _amount("The amount asked for.", "50000", minimum=0)}}


def _review_input() -> dict:
    score = {"type": "object", "required": ["criterion_id", "score"], "properties": {
        "criterion_id": {"type": "integer", "minimum": 1,
                         "description": "criteria[].id of the call (GET /grants/calls)"},
        "score": {"type": "integer", "minimum": 0,
                  "description": "From 0 to the criterion's max_score"},
        "comment": _text(5000)}}
    return {
        "type": "object", "required": ["conflict_of_interest"],
        "description": "The declaration first; without a conflict the scores of every "
                       "criterion of the call at once.",
        "properties": {
            "conflict_of_interest": {"type": "boolean"},
            "note": _text(2000, description="About the declared conflict"),
            "scores": {"type": "array", "minItems": 1, "items": score},
            "comment": _text(10000)},
        "if": {"properties": {"conflict_of_interest": {"const": False}}},
        "then": {"required": ["scores"]}}


def _decision_input() -> dict:
    return {
        "type": "object", "required": ["approved", "reason"],
        "properties": {
            "approved": {"type": "boolean"},
            "amount": _amount("The approved amount (approved only): at most the call's "
                              "max_amount and what is left of its budget.", "50000",
                              exclusiveMinimum=0),
            "reason": _text(10000, required=True)},
        "if": {"properties": {"approved": {"const": True}}},
        "then": {"required": ["amount"]}}


def _call() -> dict:
    localized = {"type": "object", "properties": {"cs": {"type": "string"},
                                                  "en": {"type": "string"}}}
    return {"type": "object", "properties": {
        "id": {"type": "integer"}, "title": localized, "description": localized,
        "eligible_kinds": {"type": "array", "items": {"type": "string", "enum": list(KINDS)}},
        "budget": {"type": "string"}, "max_amount": {"type": "string"},
        "cofinancing_percent": {"type": "string"}, "currency": {"type": "string"},
        "opens_at": {"type": "string", "format": "date-time"},
        "deadline_at": {"type": "string", "format": "date-time"},
        "evaluation_until": {"type": ["string", "null"], "format": "date"},
        "decision_by": {"type": ["string", "null"], "format": "date"},
        "multiple_per_organisation": {"type": "boolean"}, "published": {"type": "boolean"},
        "phase": {"type": "string"},
        "criteria": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "name": localized, "weight": {"type": "string"},
            "max_score": {"type": "integer"}}}},
        "documents": {"type": "array", "items": {"type": "object"}},
        "questions": {"type": "array", "items": {"type": "object"}},
        "faq": {"type": "array", "items": {"type": "object"}}}}


def _application() -> dict:
    return {"type": "object", "properties": {
        "id": {"type": "integer"}, "call_id": {"type": "integer"},
        "organisation_id": {"type": "integer"}, "title": {"type": "string"},
        "summary": {"type": "string"},
        "status": {"type": "string", "enum": list(APPLICATION_STATES)},
        "amount_requested": {"type": "string"}, "total_cost": {"type": "string"},
        "submitted_at": {"type": ["string", "null"], "format": "date-time"},
        "approved_amount": {"type": ["string", "null"]},
        "decision_reason": {"type": "string", "description": "decision only"}}}


def openapi() -> dict:
    # Paths as registered with add_api_route: the document adds /api/v1 as its server.
    application = "/grants/applications/{id}"
    awarded = {"type": "object", "properties": {
        "organisation": {"type": "string"}, "project": {"type": "string"},
        "amount": {"type": "string"}, "currency": {"type": "string", "const": "CZK"},
        "year": {"type": ["integer", "null"]}, "call_id": {"type": "integer"}}}
    return {"paths": {
        "/grants/calls": {
            "get": {**_op("listGrantCalls", "Published grant calls, latest deadline first",
                          response=collection_schema(ref("GrantsCall")), errors=()),
                    "parameters": paging_parameters(LIST_PAGE)},
            "post": _op("createGrantCall", "Create a call (staff)", "201",
                        body=ref("GrantsCallInput"), response=ref("GrantsCall"))},
        "/grants/calls/{id}/applications": {
            "parameters": _id(),
            "post": _op("createGrantApplication",
                        "Start a draft application for one's organisation", "201",
                        body=ref("GrantsApplicationInput"),
                        response=ref("GrantsApplication"))},
        application + "/submit": {"parameters": _id(),
                                  "post": _op("submitGrantApplication",
                                              "Submit a draft before the deadline (no body)",
                                              response=ref("GrantsApplication"))},
        application + "/reviews": {"parameters": _id(),
                                   "post": _op("reviewGrantApplication",
                                               "Declare a conflict of interest and score "
                                               "(appointed reviewer)", "201",
                                               body=ref("GrantsReviewInput"), response={
                                                   "type": "object", "properties": {
                                                       "id": {"type": "integer"},
                                                       "conflict_of_interest": {
                                                           "type": "boolean"},
                                                       "submitted": {"type": "boolean"},
                                                       "total": {"type": "string"}}})},
        application + "/decision": {"parameters": _id(),
                                    "post": _op("decideGrantApplication",
                                                "Record the committee's decision (staff)",
                                                body=ref("GrantsDecisionInput"),
                                                response=ref("GrantsApplication"))},
        "/grants/awarded": {"get": {**_op("listAwardedGrants",
                                          "Awarded grants (organisation, project, amount, "
                                          "year), newest decision first",
                                          response=collection_schema(awarded), errors=()),
                                    "parameters": paging_parameters(LIST_PAGE)}},
    }, "components": {"schemas": {
        "GrantsCall": _call(), "GrantsCallInput": _call_input(),
        "GrantsApplication": _application(), "GrantsApplicationInput": _application_input(),
        "GrantsReviewInput": _review_input(), "GrantsDecisionInput": _decision_input()}}}
