"""``/api/v1/greetings/entries``: the entries as JSON, and writing one."""
from pyramid.view import view_config

from hub.api import api_error, json_body
from hub.api.collections import collection, collection_schema, paging_parameters, read_paging
from hub.api.openapi import error_response, json_content, ref
from hub.security import PUBLIC
from hub_greetings import services
from hub_greetings.hooks import WRITE
from hub_greetings.models import TEXT_MAX


def entry_json(entry) -> dict:
    return {"id": entry.id, "text": entry.text, "created_at": entry.created_at.isoformat()}


@view_config(route_name="greetings.api.entries", request_method="GET", renderer="json",
             permission=PUBLIC)
def entries(request):
    paging = read_paging(request)
    rows, total = services.latest_entries(request, paging.limit, paging.offset)
    return collection([entry_json(e) for e in rows], total, paging)


@view_config(route_name="greetings.api.entries", request_method="POST", renderer="json",
             permission=WRITE)
def create(request):
    body = json_body(request)
    text = body.get("text")
    error = services.text_error(text.strip()) if isinstance(text, str) else None
    if not isinstance(text, str) or error is not None:
        message = error if error is not None else services.text_error("")
        raise api_error(422, "validation_failed", request.localizer.translate(message),
                        fields={"text": "invalid"})
    entry = services.add_entry(request, text.strip(), request.identity)
    request.response.status_int = 201
    return entry_json(entry)


def openapi() -> dict:
    return {
        "paths": {"/greetings/entries": {
            "get": {"summary": "The entries, newest first", "operationId": "listGreetingsEntries",
                    "tags": ["greetings"], "security": [], "parameters": paging_parameters(),
                    "responses": {"200": {"description": "A page of entries",
                                          "content": json_content(ref("GreetingsEntryList"))},
                                  "422": error_response("A parameter is out of range")}},
            "post": {"summary": "Write an entry", "operationId": "createGreetingsEntry",
                     "tags": ["greetings"],
                     "requestBody": {"required": True,
                                     "content": json_content(ref("GreetingsEntryInput"))},
                     "responses": {"201": {"description": "The new entry",
                                           "content": json_content(ref("GreetingsEntry"))},
                                   "422": error_response("The text is empty or too long")}},
        }},
        "components": {"schemas": {
            "GreetingsEntry": {
                "type": "object", "required": ["id", "text", "created_at"],
                "properties": {"id": {"type": "integer"}, "text": {"type": "string"},
                               "created_at": {"type": "string", "format": "date-time"}}},
            "GreetingsEntryInput": {
                "type": "object", "required": ["text"], "additionalProperties": False,
                "properties": {"text": {"type": "string", "minLength": 1,
                                        "maxLength": TEXT_MAX}}},
            "GreetingsEntryList": collection_schema(ref("GreetingsEntry")),
        }},
    }
