"""Personal API tokens: pages, bearer authentication, revocation and expiry."""
import datetime as dt

import sqlalchemy as sa

from hub.db import utcnow
from hub.testing import html_text
from hub.tokens import ApiToken, hash_token


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_create_list_and_revoke_a_token_from_the_page(client, dbsession, users):
    client.login(users.member)
    page = client.get("/profile/tokens")
    form = page.forms["token-create-form"]
    form["name"] = "Tabulka"
    form["expires_days"] = "30"
    page = form.submit()
    secret = page.html.find(id="new-token")["value"]
    assert secret.startswith("hub_") and len(secret) > 40
    row = dbsession.scalars(sa.select(ApiToken).where(ApiToken.user_id == users.member.id)).one()
    assert row.token_hash == hash_token(secret) and row.name == "Tabulka"
    assert secret not in str(row.__dict__)  # only the hash is stored
    assert row.expires_at > utcnow() + dt.timedelta(days=29)
    client.get("/api/v1/me", headers=bearer(secret), status=200)
    page = client.get("/profile/tokens")
    assert secret not in page.text and "Tabulka" in html_text(page)
    page.forms[f"token-revoke-{row.id}"].submit().follow()
    reply = client.get("/api/v1/me", headers=bearer(secret), status=401)
    assert reply.json["error"]["code"] == "invalid_token"


def test_token_form_errors_keep_the_input(client, users):
    client.login(users.member)
    page = client.post_form("/profile/tokens", {"name": "", "expires_days": "abc"}, status=422)
    text = html_text(page)
    assert "Opravte prosím" in text
    assert 'aria-invalid="true"' in page.text
    assert page.forms["token-create-form"]["expires_days"].value == "abc"


def test_a_token_acts_as_its_owner_without_csrf(client, api_token, users):
    _row, secret = api_token
    me = client.get("/api/v1/me", headers=bearer(secret)).json
    assert me["email"] == users.member.email and me["role"] == "member"
    client.post("/api/v1/notifications/read-all", headers=bearer(secret), status=200)


def test_bad_expired_and_foreign_tokens(client, dbsession, api_token, users):
    row, secret = api_token
    for header in ("Bearer nonsense", "Bearer ", "Bearer hub_" + "x" * 43):
        reply = client.get("/api/v1/me", headers={"Authorization": header}, status=401)
        assert reply.json["error"]["status"] == 401
    row.expires_at = utcnow() - dt.timedelta(minutes=1)
    dbsession.flush()
    reply = client.get("/api/v1/me", headers=bearer(secret), status=401)
    assert reply.json["error"]["message"] == "The token has expired."


def test_a_bad_token_does_not_fall_back_to_the_session(client, users):
    client.login(users.member)
    client.get("/api/v1/me", status=200)
    client.get("/api/v1/me", headers=bearer("wrong"), status=401)


def test_no_one_revokes_another_users_token(client, dbsession, api_token, users):
    row, secret = api_token
    client.login(users.staff)
    client.post_form(f"/profile/tokens/{row.id}/revoke", {}, status=404)
    dbsession.expire_all()
    assert dbsession.get(ApiToken, row.id).revoked_at is None
    assert "tests" not in html_text(client.get("/profile/tokens"))


def test_last_use_is_recorded(client, dbsession, api_token):
    row, secret = api_token
    assert row.last_used_at is None
    client.get("/api/v1/me", headers=bearer(secret))
    dbsession.expire_all()
    assert dbsession.get(ApiToken, row.id).last_used_at is not None
