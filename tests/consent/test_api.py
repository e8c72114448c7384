"""The consent API: exact shapes, idempotent give and withdraw, errors in the API's shape."""
import pytest
import sqlalchemy as sa

from hub.consent import ConsentRecord, Subject, give, has_consent
from hub.tokens import create_token

from .conftest import HEALTH, NEWS, RELEASE


@pytest.fixture
def api(testapp, users, dbsession):
    _row, secret = create_token(dbsession, users.member, "consent tests")
    testapp.authorization = ("Bearer", secret)
    return testapp


def test_purposes_are_public_with_their_exact_text_and_version(testapp, ledger):
    listed = testapp.get("/api/v1/consent/purposes", {"limit": 100}).json
    items = listed["items"]
    assert listed["total"] == len(items) and listed["next_offset"] is None
    by_key = {p["key"]: p for p in items}
    assert by_key[NEWS.key] == {
        "key": NEWS.key, "title": NEWS.title["cs"], "text": NEWS.text["cs"],
        "text_version": NEWS.text_version, "special_category": False,
        "legal_basis": "consent", "retention_days": 30, "scoped": False}
    assert by_key[HEALTH.key]["special_category"] is True
    assert "hub.topics.digest" in by_key
    testapp.set_cookie("hub_lang", "en")
    english = {p["key"]: p for p in testapp.get("/api/v1/consent/purposes").json["items"]}
    assert english[NEWS.key]["text"] == NEWS.text["en"]


def test_give_list_and_withdraw(api, users, ledger, dbsession):
    assert api.get("/api/v1/me/consents").json == {
        "items": [], "total": 0, "limit": 30, "offset": 0, "next_offset": None}
    response = api.post_json(f"/api/v1/me/consents/{NEWS.key}",
                             {"text_version": NEWS.text_version}, status=201)
    item = response.json
    assert {k: item[k] for k in ("purpose", "title", "text_version", "withdrawn_at", "source",
                                 "given")} == {
        "purpose": NEWS.key, "title": NEWS.title["cs"], "text_version": NEWS.text_version,
        "withdrawn_at": None, "source": "api", "given": True}
    assert item["given_at"] and item["current_text_version"] == NEWS.text_version
    again = api.post_json(f"/api/v1/me/consents/{NEWS.key}",
                          {"text_version": NEWS.text_version}, status=200)
    assert again.json["given_at"] == item["given_at"]  # nothing new recorded

    listed = api.get("/api/v1/me/consents").json["items"]
    assert [(c["purpose"], c["given"]) for c in listed] == [(NEWS.key, True)]
    assert {"purpose", "title", "text_version", "given_at", "withdrawn_at", "source"} \
        <= set(listed[0])

    assert api.delete(f"/api/v1/me/consents/{NEWS.key}", status=204).body == b""
    api.delete(f"/api/v1/me/consents/{NEWS.key}", status=204)  # idempotent
    listed = api.get("/api/v1/me/consents").json["items"]
    assert listed[0]["given"] is False and listed[0]["withdrawn_at"] is not None
    assert listed[0]["source"] == "api"
    actions = dbsession.scalars(sa.select(ConsentRecord.action).order_by(ConsentRecord.id))
    assert list(actions) == ["given", "withdrawn"]


def test_errors_have_the_api_shape(api, ledger, dbsession):
    wrong = api.post_json(f"/api/v1/me/consents/{NEWS.key}",
                          {"text_version": "0123456789abcdef"}, status=409).json["error"]
    assert wrong["code"] == "outdated_text"
    assert wrong["details"]["current_text_version"] == NEWS.text_version
    missing = api.post_json(f"/api/v1/me/consents/{NEWS.key}", {}, status=422).json["error"]
    assert missing["details"]["fields"] == {"text_version": "required"}
    api.post_json(f"/api/v1/me/consents/{NEWS.key}", {"text_version": 5}, status=422)
    api.post(f"/api/v1/me/consents/{NEWS.key}", "not json",
             content_type="application/json", status=400)
    api.post_json(f"/api/v1/me/consents/{RELEASE.key}",
                  {"text_version": RELEASE.text_version}, status=422)
    unknown = api.post_json("/api/v1/me/consents/testplugin.unknown",
                            {"text_version": "x"}, status=404).json["error"]
    assert unknown["code"] == "unknown_purpose"
    api.delete("/api/v1/me/consents/testplugin.unknown", status=404)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ConsentRecord)) == 0


def test_withdrawing_a_scoped_consent_names_the_object(api, web_request, users, ledger):
    member = Subject.of_user(users.member)
    give(web_request, member, RELEASE.key, RELEASE.text_version, "form", object="talk:4")
    listed = api.get("/api/v1/me/consents").json["items"]
    assert [(c["object"], c["title"]) for c in listed] == [
        ("talk:4", "Zveřejnění záznamu: Talk 4")]
    api.delete(f"/api/v1/me/consents/{RELEASE.key}?object=talk:4", status=204)
    assert not has_consent(web_request, member, RELEASE.key, "talk:4")


def test_the_api_needs_a_person_and_cookie_writes_need_csrf(testapp, users, ledger):
    error = testapp.get("/api/v1/me/consents", status=401).json["error"]
    assert error["code"] == "unauthorized"
    testapp.login(users.member)
    testapp.post_json(f"/api/v1/me/consents/{NEWS.key}", {"text_version": NEWS.text_version},
                      status=400)
    testapp.post_json(f"/api/v1/me/consents/{NEWS.key}", {"text_version": NEWS.text_version},
                      headers={"X-CSRF-Token": testapp.csrf_token,
                               "Origin": testapp.origin}, status=201)


def test_the_openapi_document_describes_the_endpoints(testapp):
    paths = testapp.get("/api/v1/openapi.json").json["paths"]
    assert set(paths["/me/consents/{purpose}"]) >= {"post", "delete"}
    assert "/consent/purposes" in paths and "/me/consents" in paths and "/me/export" in paths
