"""The plugin's API conforms to the document it contributes."""
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance)


def test_api_conforms_to_its_document(counselling_app, bind_registry, dbsession, users,
                                      make_case):
    from hub.tokens import create_token

    bind_registry(counselling_app.registry)
    make_case()
    _row, secret = create_token(dbsession, users.admin, "schemathesis")
    headers = {"Authorization": f"Bearer {secret}"}
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", counselling_app)
    operations = [result.ok() for result in api.get_all_operations()
                  if "/counselling/" in result.ok().path]
    assert len(operations) == 4

    for operation in operations:
        @settings(max_examples=6, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def exercise(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        exercise()
