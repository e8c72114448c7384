"""JSON API of the consent ledger: the declared purposes and the signed-in person's consents.

``GET /consent/purposes`` and ``GET /me/consents`` answer with the API's collection object
(``items``, ``total``, ``limit``, ``offset``, ``next_offset``).
``POST /me/consents/{purpose}`` with ``{"text_version": ...}`` gives (201, or 200 when the
consent was already in force on that text); ``DELETE`` withdraws (204, also when nothing
was in force). Both are idempotent.
"""
from __future__ import annotations

from pyramid.view import view_config

from hub.api import api_error, json_body
from hub.api.collections import collection_of, collection_schema, paging_parameters, read_paging
from hub.api.openapi import error_response, json_content, ref
from hub.consent import services
from hub.consent.purposes import OBJECT_RE, purposes
from hub.consent.services import OutdatedText, Subject, describe, states_of_user
from hub.dates import language
from hub.i18n import _
from hub.security import AUTHENTICATED, PUBLIC


def _when(value):
    return value.isoformat() if value is not None else None


def purpose_json(request, purpose) -> dict:
    lang = language(request)
    return {"key": purpose.key, "title": purpose.title_in(lang), "text": purpose.text_in(lang),
            "text_version": purpose.text_version, "special_category": purpose.special_category,
            "legal_basis": purpose.legal_basis, "retention_days": purpose.retention_days,
            "scoped": purpose.scoped}


def consent_json(request, state) -> dict:
    declared = purposes(request.registry).get(state.purpose)
    return {"purpose": state.purpose, "object": state.object or None,
            "title": describe(request, state.purpose, state.object, state.text_version)["title"],
            "text_version": state.text_version,
            "current_text_version": declared.text_version if declared is not None else None,
            "given": state.given, "given_at": _when(state.given_at),
            "withdrawn_at": _when(state.withdrawn_at), "source": state.source}


@view_config(route_name="consent.api.purposes", request_method="GET", renderer="json",
             permission=PUBLIC)
def list_purposes(request):
    return collection_of([purpose_json(request, p) for p in purposes(request.registry).values()],
                         read_paging(request))


@view_config(route_name="consent.api.mine", request_method="GET", renderer="json",
             permission=AUTHENTICATED)
def my_consents(request):
    return collection_of([consent_json(request, s)
                          for s in states_of_user(request, request.identity)],
                         read_paging(request))


def _unknown_purpose(request, key: str):
    return api_error(404, "unknown_purpose", request.localizer.translate(_(
        "No consent purpose ${key} is declared.", mapping={"key": key})))


def _declared(request):
    key = request.matchdict["purpose"]
    declared = purposes(request.registry).get(key)
    if declared is None:
        raise _unknown_purpose(request, key)
    return declared


def _state(request, key: str, object_: str = ""):
    for state in states_of_user(request, request.identity):
        if state.purpose == key and state.object == object_:
            return state
    return None


@view_config(route_name="consent.api.one", request_method="POST", renderer="json",
             permission=AUTHENTICATED)
def give(request):
    declared = _declared(request)
    body = json_body(request)
    version = body.get("text_version")
    if not isinstance(version, str) or not version:
        raise api_error(422, "validation_failed", request.localizer.translate(_(
            "text_version (a string) is required: the version of the text the person "
            "agreed to.")),
            fields={"text_version": "required"})
    if declared.scoped:
        raise api_error(422, "validation_failed", request.localizer.translate(_(
            "This purpose applies to objects of a plugin; give it where that plugin asks "
            "for it.")),
            fields={"purpose": "scoped"})
    try:
        record = services.give(request, Subject.of_user(request.identity), declared.key,
                               version, "api")
    except OutdatedText as exc:
        raise api_error(409, "outdated_text", request.localizer.translate(_(
            "The text of this purpose has changed; show the current text and send its "
            "version.")),
            current_text_version=exc.current) from None
    state = _state(request, declared.key)
    if record is not None:
        request.response.status = 201
    return consent_json(request, state)


@view_config(route_name="consent.api.one", request_method="DELETE", permission=AUTHENTICATED)
def withdraw(request):
    key = request.matchdict["purpose"]
    object_ = request.GET.get("object", "")
    if object_ and not OBJECT_RE.match(object_):
        raise api_error(422, "validation_failed", request.localizer.translate(_(
            "object is 1-120 letters, digits and . _ : -")),
            fields={"object": "invalid"})
    state = _state(request, key, object_)
    if key not in purposes(request.registry) and state is None:
        raise _unknown_purpose(request, key)
    for subject_state in services.consents_of(request, services.subjects_of_user(
            request.identity)):
        if subject_state.purpose == key and subject_state.object == object_ \
                and subject_state.given:
            services.withdraw(request, services.subject_of(request, subject_state), key,
                              "api", object=object_)
    request.response.status = 204
    return request.response


def openapi() -> dict:
    unauthorized = error_response("Not authenticated or the token is not valid")
    purpose_param = {"name": "purpose", "in": "path", "required": True,
                     "description": "The purpose's key (GET /consent/purposes); scoped "
                                    "purposes are given where their plugin asks.",
                     "schema": {"type": "string", "examples": ["hub.topics.digest"]}}
    return {
        "paths": {
            "/consent/purposes": {"get": {
                "operationId": "listConsentPurposes", "tags": ["consent"], "security": [],
                "summary": "What people may consent to, with the exact text in the page's "
                           "language",
                "parameters": paging_parameters(),
                "responses": {"200": {"description": "The declared purposes", "content":
                                      json_content(collection_schema(
                                          ref("ConsentPurpose")))}}}},
            "/me/consents": {"get": {
                "operationId": "listMyConsents", "tags": ["consent"],
                "summary": "Your consents, in force or withdrawn",
                "parameters": paging_parameters(),
                "responses": {"200": {"description": "One item per purpose (and object)",
                                      "content": json_content(collection_schema(
                                          ref("Consent")))},
                              "401": unauthorized}}},
            "/me/consents/{purpose}": {
                "post": {
                    "operationId": "giveConsent", "tags": ["consent"],
                    "summary": "Give your consent to the current text of a purpose",
                    "parameters": [purpose_param],
                    "requestBody": {"required": True, "content": json_content({
                        "type": "object", "required": ["text_version"],
                        "properties": {"text_version": {"type": "string"}}})},
                    "responses": {
                        "200": {"description": "Already given on this text",
                                "content": json_content(ref("Consent"))},
                        "201": {"description": "Given", "content": json_content(ref("Consent"))},
                        "401": unauthorized,
                        "404": error_response("No such purpose"),
                        "409": error_response("The text changed: details.current_text_version"),
                        "422": error_response("text_version missing, or a scoped purpose")}},
                "delete": {
                    "operationId": "withdrawConsent", "tags": ["consent"],
                    "summary": "Withdraw your consent (nothing happens when none is in force)",
                    "parameters": [purpose_param, {
                        "name": "object", "in": "query", "required": False,
                        "description": "The object of a scoped purpose (list:5).",
                        "schema": {"type": "string"}}],
                    "responses": {"204": {"description": "Not in force (any more)"},
                                  "401": unauthorized,
                                  "404": error_response("No such purpose")}}},
        },
        "components": {"schemas": {
            "ConsentPurpose": {
                "type": "object",
                "required": ["key", "title", "text", "text_version", "special_category",
                             "legal_basis", "retention_days", "scoped"],
                "properties": {
                    "key": {"type": "string"}, "title": {"type": "string"},
                    "text": {"type": "string", "description": "The exact wording to show"},
                    "text_version": {"type": "string",
                                     "description": "Send it back when giving consent"},
                    "special_category": {"type": "boolean",
                                         "description": "Health or other Art. 9 data"},
                    "legal_basis": {"type": "string", "enum": ["consent", "explicit_consent"]},
                    "retention_days": {"type": ["integer", "null"]},
                    "scoped": {"type": "boolean",
                               "description": "Given per object of a plugin, not here"}}},
            "Consent": {
                "type": "object",
                "required": ["purpose", "object", "title", "text_version",
                             "current_text_version", "given", "given_at", "withdrawn_at",
                             "source"],
                "properties": {
                    "purpose": {"type": "string"}, "object": {"type": ["string", "null"]},
                    "title": {"type": "string"},
                    "text_version": {"type": "string",
                                     "description": "The text agreed to"},
                    "current_text_version": {"type": ["string", "null"]},
                    "given": {"type": "boolean", "description": "In force now"},
                    "given_at": {"type": ["string", "null"], "format": "date-time"},
                    "withdrawn_at": {"type": ["string", "null"], "format": "date-time"},
                    "source": {"type": "string"}}},
        }},
    }
