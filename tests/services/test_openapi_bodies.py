"""Clients that know only the OpenAPI document: bodies built from it, and a generated client.

A client that knows nothing but ``/api/v1/openapi.json`` builds the smallest body each
request schema allows (``hub.api.samples``) and sends it, on the demo data, as the first of
the demo's administrator, representative and member that is allowed to. The hub may
refuse it for the state of the data (404 of a path id, 409), never as invalid input: a 400
or 422 means the document does not say what the view requires.

Then openapi-python-client (a maintained generator) writes a Python client from the
document, and every operation is called through it: its models must read every answer.
"""
import datetime as dt
import enum
import importlib
import inspect
import json
import re
import subprocess  # noqa: S404 (runs the generator installed with the test extras)
import sys
import typing
from pathlib import Path

import pytest
import sqlalchemy as sa
from webtest import TestApp

from hub.api.samples import SampleBuilder, sample_body, sample_value

ACTORS = ("admin@example.org", "rep@example.org", "member@example.org")
PLACEHOLDER = re.compile(r"{(\w+)}")


def _tokens(app) -> dict[str, str]:
    from hub.accounts.models import User
    from hub.tokens import create_token

    tokens = {}
    with app.registry["hub.dbsession_factory"]() as db:
        for email in ACTORS:
            user = db.scalars(sa.select(User).where(User.email == email)).one()
            tokens[email] = create_token(db, user, "document-only client")[1]
        db.commit()
    return tokens


def _fill_path(client, document, path, headers) -> str | None:
    """``path`` with each placeholder taken from the first item of the parent collection
    (``/events/{id}/registrations`` → the first of ``GET /events``), or from the
    parameter's example."""
    filled = path
    for match in PLACEHOLDER.finditer(path):
        name = match.group(1)
        parent = path[:match.start()].rstrip("/")
        value = None
        for parameter in _operation_parameters(document, path):
            if parameter.get("name") == name and (parameter.get("schema") or {}).get(
                    "examples"):
                value = parameter["schema"]["examples"][0]
        if value is None and parent in document["paths"] and "get" in document["paths"][parent]:
            answer = client.get("/api/v1" + PLACEHOLDER.sub("1", parent), headers=headers,
                                expect_errors=True)
            items = answer.json.get("items") if answer.status_int == 200 else None
            if items:
                value = items[0].get(name) or items[0].get("id") or items[0].get("slug") \
                    or items[0].get("key")
        if value is None:
            for parameter in _operation_parameters(document, path):
                if parameter.get("name") == name and parameter.get("in") == "path":
                    value = sample_value(document, parameter.get("schema") or {})
        if value is None:
            return None
        filled = filled.replace("{" + name + "}", str(value), 1)
    return filled


def _operation_parameters(document, path):
    item = document["paths"][path]
    found = list(item.get("parameters") or ())
    for operation in item.values():
        if isinstance(operation, dict):
            found.extend(operation.get("parameters") or ())
    return found


@pytest.fixture
def demo_api(committed_app):
    from hub.demo import load_demo_data

    app = committed_app()
    load_demo_data(app.registry)
    client = TestApp(app)
    document = client.get("/api/v1/openapi.json").json
    return app, _tokens(app), client, document


def _working_day_eve() -> dt.datetime:
    """Now, or a later day whose next day is a working day: sample times fall on the
    next day, and the demo rooms are closed at weekends."""
    from hub.dates import PRAGUE

    now = dt.datetime.now(PRAGUE)
    while (now + dt.timedelta(days=1)).weekday() >= 5:
        now += dt.timedelta(days=1)
    return now


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and method in ("get", "post", "put", "patch",
                                                          "delete"):
                yield path, method, operation


def test_every_operation_accepts_a_body_built_from_the_document(demo_api):
    _app, tokens, client, document = demo_api
    refused, accepted = [], []
    for path, method, operation in _operations(document):
        if "requestBody" not in operation:
            continue
        body = sample_body(document, operation, _working_day_eve())
        for email in ACTORS:
            headers = {"Authorization": f"Bearer {tokens[email]}"}
            url = _fill_path(client, document, path, headers)
            assert url is not None, f"{method} {path}: no value for a path placeholder"
            answer = client.request("/api/v1" + url, method=method.upper(), json=body,
                                    headers=headers, expect_errors=True)
            if answer.status_int not in (401, 403):
                break
        if answer.status_int in (400, 422) or answer.status_int >= 500:
            refused.append((method.upper(), path, body, answer.status_int,
                            answer.json.get("error") if answer.content_type ==
                            "application/json" else answer.text[:200]))
        else:
            accepted.append((method.upper(), path, answer.status_int))
    assert not refused, "\n".join(map(repr, refused))
    # Most operations really ran (2xx); the rest met the state of the demo data.
    done = [a for a in accepted if 200 <= a[2] < 300]
    assert len(done) >= len(accepted) // 2, accepted


# -- a generated client --------------------------------------------------------------------

def _generate_client(document, tmp_path) -> str:
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(document))
    config = tmp_path / "generator.yaml"
    config.write_text("post_hooks: []\npackage_name_override: hub_api_client\n")
    generator = Path(sys.executable).with_name("openapi-python-client")
    run = subprocess.run(  # noqa: S603 (fixed arguments)
        [str(generator), "generate", "--path", str(source), "--config", str(config),
         "--meta", "none", "--output-path", str(tmp_path / "hub_api_client")],
        capture_output=True, text=True, timeout=120, check=False)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    # The generator skips what it cannot model with a warning: nothing may be skipped.
    assert "Warning" not in output and "Unable to" not in output, output
    sys.path.insert(0, str(tmp_path))
    return "hub_api_client"


def _argument(hint, value):
    """``value`` (JSON) as the generated code expects it for a parameter of type ``hint``."""
    options = typing.get_args(hint) or (hint,)
    for option in options:
        if option is dt.datetime:
            return dt.datetime.fromisoformat(value)
        if option is dt.date:
            return dt.date.fromisoformat(value)
        if inspect.isclass(option) and issubclass(option, enum.Enum):
            return option(value)
        if hasattr(option, "from_dict") and isinstance(value, dict):
            return option.from_dict(value)
    return value


def test_a_generated_client_calls_every_operation(demo_api, tmp_path):
    from openapi_python_client.strings import PythonIdentifier, snake_case

    app, tokens, testapp, document = demo_api
    import httpx

    unnamed = [(method, path) for path, method, operation in _operations(document)
               if not operation.get("operationId")]
    assert not unnamed, f"operations without an operationId: {unnamed}"
    package = _generate_client(document, tmp_path)
    client_module = importlib.import_module(f"{package}.client")
    errors = importlib.import_module(f"{package}.models.error")
    clients = {email: client_module.AuthenticatedClient(
        base_url="http://hub.test/api/v1", token=token,
        httpx_args={"transport": httpx.WSGITransport(app=app)}) for email, token in tokens.items()}
    failures, called = [], 0
    try:
        for path, method, operation in _operations(document):
            tag = snake_case((operation.get("tags") or ["default"])[0])
            module = importlib.import_module(
                f"{package}.api.{tag}.{snake_case(operation['operationId'])}")
            call = module.sync_detailed
            hints = typing.get_type_hints(call)
            for email in ACTORS:
                headers = {"Authorization": f"Bearer {tokens[email]}"}
                url = _fill_path(testapp, document, path, headers)
                values = dict(zip(PLACEHOLDER.findall(path),
                                  (part for part in re.findall(r"[^/]+", url)
                                   if part not in path.split("/")), strict=False))
                kwargs = {}
                builder = SampleBuilder(document, _working_day_eve())
                for parameter in _operation_parameters(document, path):
                    name = str(PythonIdentifier(parameter["name"], ""))
                    if name not in inspect.signature(call).parameters:
                        continue
                    if parameter["in"] == "path":
                        kwargs[name] = _argument(hints[name], _path_value(
                            values[parameter["name"]], parameter))
                    elif parameter.get("required"):
                        kwargs[name] = _argument(hints[name], builder.value(
                            parameter.get("schema") or {}))
                body = sample_body(document, operation, _working_day_eve())
                if body is not None:
                    kwargs["body"] = _argument(hints["body"], body)
                try:
                    response = call(client=clients[email], **kwargs)
                except Exception as exc:  # noqa: BLE001 (reported with the operation)
                    failures.append((method, path, email, repr(exc)))
                    break
                if response.status_code not in (401, 403):
                    break
            called += 1  # refused to every actor is an answer too (a webhook's secret)
            status = int(response.status_code)
            if status >= 500 or (200 <= status < 300 and status != 204 and (
                    response.parsed is None or isinstance(response.parsed, errors.Error))):
                failures.append((method, path, status, response.content[:300]))
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.split(".")[0] == package]:
            del sys.modules[name]
    assert not failures, "\n".join(map(repr, failures))
    assert called == sum(1 for _ in _operations(document))


def _path_value(text: str, parameter: dict):
    kind = (parameter.get("schema") or {}).get("type")
    return int(text) if kind == "integer" else text
