"""The assembled OpenAPI document, its page, and schemathesis against every enabled path."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from hub.api.openapi import OpenAPIError, merge
from hub.testing import html_text


def test_document_is_openapi_31_with_core_paths(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "/api/v1"}]
    for path in ("/me", "/notifications", "/notifications/{id}/read",
                 "/notifications/settings"):
        assert path in document["paths"]
    assert "Error" in document["components"]["schemas"]
    me = document["paths"]["/me"]["get"]
    assert me["responses"]["default"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}


def test_document_includes_every_enabled_plugin(app, make_testapp, dbsession):
    from hub.jobs import background_request
    from hub.plugins import per_plugin

    document = make_testapp(app).get("/api/v1/openapi.json").json
    parts = per_plugin(app.registry["hub.pm"], "hub_openapi",
                       request=background_request(app.registry))
    for name, part in parts.items():
        for path, item in ((part or {}).get("paths") or {}).items():
            assert set(item) <= set(document["paths"][path]), (name, path)


def test_a_clash_is_an_assembly_error():
    document = {"paths": {}, "components": {}}
    owners = {}
    merge(document, "plugin a", {"paths": {"/x": {"get": {"responses": {}}}},
                                 "components": {"schemas": {"X": {"type": "string"}}}}, owners)
    merge(document, "plugin b", {"paths": {"/x": {"post": {"responses": {}}}},
                                 "components": {"schemas": {"X": {"type": "string"}}}}, owners)
    with pytest.raises(OpenAPIError, match="plugin a and plugin b"):
        merge(document, "plugin b", {"paths": {"/x": {"get": {"responses": {}}}}}, owners)
    with pytest.raises(OpenAPIError, match="components/schemas/X"):
        merge(document, "plugin c", {"components": {"schemas": {"X": {"type": "integer"}}}},
              owners)


def test_docs_page_lists_every_operation_without_cdn(client):
    document = client.get("/api/v1/openapi.json").json
    page = client.get("/api/v1/docs")
    text = html_text(page)
    assert "Dokumentace API" in text
    for path, item in document["paths"].items():
        for method in item:
            assert f"{method.upper()}" in text and path in text
    assert "NotificationList" in text and "limit" in text
    assert "https://" not in "".join(tag.get("href", "") for tag in page.html.find_all("link"))
    # Scripts, if any, are the hub's own (no CDN).
    assert all(tag.get("src", "").startswith("/static/") for tag in page.html.find_all("script"))
    client.get("/static/api/services.css", status=200)


def test_docs_page_in_english(client):
    client.set_cookie("hub_lang", "en")
    assert "API documentation" in html_text(client.get("/api/v1/docs"))


# -- schemathesis --------------------------------------------------------------------------
# Driven with hypothesis directly: schemathesis' pytest integration does not support the
# pytest of this project. Every operation of the live document is exercised, so paths that
# plugins add are covered as soon as they are enabled.

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_api_conforms_to_its_document(app, dbsession, users):
    from hub.tokens import create_token

    _row, secret = create_token(dbsession, users.admin, "schemathesis")
    headers = {"Authorization": f"Bearer {secret}"}
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 6

    for operation in operations:
        @settings(max_examples=4, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def exercise(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        exercise()
