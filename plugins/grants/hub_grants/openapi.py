"""The grants API in the assembled OpenAPI document."""
from __future__ import annotations

from hub.api.openapi import error_response, json_content


def _op(summary: str, status: str = "200", body: bool = False) -> dict:
    op = {"summary": summary, "tags": ["grants"], "responses": {status: {"description": "OK"}}}
    if body:
        op["requestBody"] = {"required": True, "content": json_content({"type": "object"})}
    for code in ("404", "409", "422") if body else ():
        op["responses"][code] = error_response()
    return op


def _id() -> list:
    return [{"name": "id", "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}]


def openapi() -> dict:
    # Paths as registered with add_api_route: the document adds /api/v1 as its server.
    application = "/grants/applications/{id}"
    return {"paths": {
        "/grants/calls": {
            "get": _op("Published grant calls"),
            "post": _op("Create a call (staff)", "201", body=True)},
        "/grants/calls/{id}/applications": {
            "parameters": _id(),
            "post": _op("Start a draft application for one's organisation "
                        "(title, amount_requested, summary)", "201", body=True)},
        application + "/submit": {"parameters": _id(),
                                  "post": _op("Submit a draft before the deadline")},
        application + "/reviews": {"parameters": _id(),
                                   "post": _op("Declare a conflict of interest and score "
                                               "(appointed reviewer)", "201", body=True)},
        application + "/decision": {"parameters": _id(),
                                    "post": _op("Record the committee's decision "
                                                "{approved, amount, reason} (staff)",
                                                body=True)},
        "/grants/awarded": {"get": _op("Awarded grants (organisation, project, "
                                              "amount, year)")},
    }, "components": {}}
