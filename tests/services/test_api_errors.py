"""One JSON error shape on /api/ paths, never a 500 for bad input."""
import pytest
import sqlalchemy as sa
import transaction

from hub.i18n import _
from hub.jobs import background_request
from hub.notifications import notify
from hub.notifications.models import Notification


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def assert_error(reply, status, code=None):
    assert reply.status_int == status
    assert reply.content_type == "application/json"
    error = reply.json["error"]
    assert error["status"] == status and error["message"]
    if code:
        assert error["code"] == code


def test_unauthenticated_is_401_json(client):
    reply = client.get("/api/v1/me", status=401)
    assert_error(reply, 401, "unauthorized")
    assert reply.headers["WWW-Authenticate"] == "Bearer"


def test_unknown_path_is_404_json(client, api_token):
    assert_error(client.get("/api/v1/nothing/here", status=404), 404, "not_found")
    assert_error(client.get("/api/v1/nothing", headers=bearer(api_token[1]), status=404), 404)


def test_wrong_method_is_405_json(client, api_token):
    reply = client.delete("/api/v1/me", headers=bearer(api_token[1]), status=405)
    assert_error(reply, 405, "method_not_allowed")
    assert "GET" in reply.headers["Allow"]


def test_forbidden_is_403_json_for_a_signed_in_user(users):
    from types import SimpleNamespace

    from pyramid.httpexceptions import HTTPForbidden

    from hub.api.views import api_forbidden

    localizer = SimpleNamespace(translate=lambda message: message.interpolate())
    reply = api_forbidden(HTTPForbidden(), SimpleNamespace(identity=users.member,
                                                           localizer=localizer))
    assert reply.status_int == 403 and b'"code": "forbidden"' in reply.body


def test_cookie_post_without_csrf_is_400_json(client, users):
    client.login(users.member)
    assert_error(client.post("/api/v1/notifications/read-all", status=400), 400, "csrf_failed")
    client.post("/api/v1/notifications/read-all", status=200,
                headers={"X-CSRF-Token": client.csrf_token, "Origin": client.origin})


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe", b'"text"'])
def test_malformed_json_is_400(client, api_token, body):
    reply = client.put("/api/v1/notifications/settings", body, headers=bearer(api_token[1]),
                       content_type="application/json", status=400)
    assert_error(reply, 400, "invalid_json")


def test_invalid_settings_are_422_and_change_nothing(client, api_token):
    headers = bearer(api_token[1])
    reply = client.put_json("/api/v1/notifications/settings",
                            {"test.news": {"email": False}, "no.such": {"email": True}},
                            headers=headers, status=422)
    assert_error(reply, 422, "validation_failed")
    assert reply.json["error"]["details"]["fields"] == {"no.such": "unknown_kind"}
    settings = client.get("/api/v1/notifications/settings", headers=headers).json["items"]
    assert {s["kind"]: s["email"] for s in settings}["test.news"] is True
    reply = client.put_json("/api/v1/notifications/settings",
                            {"hub.announcement": {"email": False}}, headers=headers, status=422)
    assert reply.json["error"]["details"]["fields"] == {"hub.announcement": "mandatory"}
    reply = client.put_json("/api/v1/notifications/settings", {"test.news": {"email": False}},
                            headers=headers, status=200)
    assert {s["kind"]: s["email"] for s in reply.json["items"]}["test.news"] is False


@pytest.mark.parametrize("query", ["limit=0", "limit=abc", "offset=-1", "unread=maybe",
                                   "limit=99999999999999999999"])
def test_bad_query_parameters_are_422(client, api_token, query):
    reply = client.get(f"/api/v1/notifications?{query}", headers=bearer(api_token[1]),
                       status=422)
    assert_error(reply, 422, "validation_failed")


def test_unexpected_errors_are_500_json(client, core_app, api_token, monkeypatch):
    import hub.api.views

    def broken(user):
        raise RuntimeError("boom")

    monkeypatch.setattr(hub.api.views, "user_json", broken)
    reply = client.get("/api/v1/me", headers=bearer(api_token[1]), status=500)
    assert_error(reply, 500, "server_error")
    assert "boom" not in reply.text


def test_notifications_api_lists_and_marks_read(client, core_app, dbsession, api_token, users):
    for user, url in ((users.member, "https://hub.example.org/a"), (users.staff, None)):
        request = background_request(core_app.registry,
                                     tm=transaction.TransactionManager(explicit=True))
        with request.tm:
            notify(request, user, "test.news", _("Access denied"), url=url)
    headers = bearer(api_token[1])
    listing = client.get("/api/v1/notifications", headers=headers).json
    assert listing["unread"] == 1 and len(listing["items"]) == 1
    item = listing["items"][0]
    assert item["url"] == "https://hub.example.org/a" and item["read_at"] is None
    marked = client.post(f"/api/v1/notifications/{item['id']}/read", headers=headers).json
    assert marked["read_at"] is not None
    assert client.get("/api/v1/notifications?unread=true", headers=headers).json["items"] == []
    foreign = dbsession.scalars(sa.select(Notification).where(
        Notification.user_id == users.staff.id)).one()
    assert_error(client.post(f"/api/v1/notifications/{foreign.id}/read", headers=headers,
                             status=404), 404)


@pytest.mark.parametrize("error, status", [
    (OverflowError("Python int too large to convert to SQLite INTEGER"), 422),
    (sa.exc.DataError("INSERT", {}, Exception("integer out of range")), 422),
    (sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key")), 409),
])
def test_unvalidated_values_and_constraints_are_client_errors(client, api_token, monkeypatch,
                                                              error, status):
    import hub.api.views

    def broken(user):
        raise error

    monkeypatch.setattr(hub.api.views, "user_json", broken)
    reply = client.get("/api/v1/me", headers=bearer(api_token[1]), status=status)
    assert_error(reply, status)


def test_notifications_are_a_collection_paged_by_offset_or_page(client, core_app, api_token,
                                                                users):
    for n in range(3):
        request = background_request(core_app.registry,
                                     tm=transaction.TransactionManager(explicit=True))
        with request.tm:
            notify(request, users.member, "test.news", _("Access denied"),
                   url=f"https://hub.example.org/{n}")
    headers = bearer(api_token[1])
    first = client.get("/api/v1/notifications?limit=2", headers=headers).json
    assert {k: first[k] for k in ("total", "limit", "offset", "next_offset", "unread")} == {
        "total": 3, "limit": 2, "offset": 0, "next_offset": 2, "unread": 3}
    rest = client.get(f"/api/v1/notifications?limit=2&offset={first['next_offset']}",
                      headers=headers).json
    assert rest["next_offset"] is None and len(rest["items"]) == 1
    assert {i["id"] for i in rest["items"]}.isdisjoint(i["id"] for i in first["items"])
    assert client.get("/api/v1/notifications?limit=2&page=2",
                      headers=headers).json["items"] == rest["items"]
    error = client.get("/api/v1/notifications?limit=0", headers=headers, status=422).json
    assert error["error"]["details"] == {"fields": {"limit": "invalid"}}
