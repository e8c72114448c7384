"""Personal API tokens: pages, bearer authentication, revocation and expiry."""
import datetime as dt

import pytest
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
    assert reply.json["error"]["message"] == "Platnost tokenu vypršela."  # request's language


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


# -- expiry, scopes, staff accounts ----------------------------------------------------------

def _tokens_of(dbsession, user):
    dbsession.expire_all()
    return dbsession.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)).all()


def test_a_new_token_reads_only_and_expires_in_90_days_unless_chosen(client, dbsession, users):
    client.login(users.member)
    form = client.get("/profile/tokens").forms["token-create-form"]
    assert form["expires_days"].value == "90" and form["scope"].value == "read"
    form["name"] = "Kalendář"
    form.submit()
    row, = _tokens_of(dbsession, users.member)
    assert row.scopes == "read"
    assert abs(row.expires_at - (utcnow() + dt.timedelta(days=90))) < dt.timedelta(minutes=1)
    form = client.get("/profile/tokens").forms["token-create-form"]
    form["name"], form["scope"], form["expires_days"] = "Import", "write", "7"
    form.submit()
    assert {r.name: r.scopes for r in _tokens_of(dbsession, users.member)} == {
        "Kalendář": "read", "Import": "read write"}


@pytest.mark.parametrize("days", ["", "0", "366", "100000000000"])
def test_no_token_without_expiry_or_beyond_the_maximum(client, dbsession, users, days):
    client.login(users.member)
    page = client.post_form("/profile/tokens", {"name": "Navždy", "scope": "read",
                                                "expires_days": days}, status=422)
    assert "Zadejte celý počet dní od 1 do 365." in html_text(page)
    assert _tokens_of(dbsession, users.member) == []


def test_the_maximum_comes_from_the_settings(make_app, make_testapp, dbsession, users):
    client = make_testapp(make_app(**{"hub.plugins": "", "hub.api_tokens.max_days": "30"}))
    client.login(users.member)
    form = client.get("/profile/tokens").forms["token-create-form"]
    assert form["expires_days"].value == "30"
    client.post_form("/profile/tokens", {"name": "Dlouhý", "scope": "read",
                                         "expires_days": "31"}, status=422)
    client.post_form("/profile/tokens", {"name": "Krátký", "scope": "read",
                                         "expires_days": "30"}, status=200)
    assert [r.name for r in _tokens_of(dbsession, users.member)] == ["Krátký"]


def test_an_unknown_scope_is_refused(client, dbsession, users):
    client.login(users.member)
    page = client.post_form("/profile/tokens", {"name": "Vše", "scope": "admin",
                                                "expires_days": "5"}, status=422)
    assert "Zvolte, co token smí dělat." in html_text(page)
    assert _tokens_of(dbsession, users.member) == []


def test_a_read_token_may_read_but_not_write(client, dbsession, users):
    from hub.tokens import create_token

    _row, reader = create_token(dbsession, users.member, "čtení", scopes=("read",))
    _row, writer = create_token(dbsession, users.member, "zápis", scopes=("write",))
    client.get("/api/v1/me", headers=bearer(reader), status=200)
    client.head("/api/v1/me", headers=bearer(reader), status=200)
    for method, path in (("post", "/api/v1/notifications/read-all"),
                         ("put", "/api/v1/notifications/settings"),
                         ("delete", "/api/v1/me")):
        reply = getattr(client, method)(path, headers=bearer(reader), status=403)
        assert reply.json == {"error": {
            "status": 403, "code": "insufficient_scope",
            "message": f"Token nemá oprávnění write potřebné pro {method.upper()}.",
            "details": {"scope": "write"}}}
        assert reply.headers["WWW-Authenticate"] == \
            'Bearer error="insufficient_scope", scope="write"'
    client.post("/api/v1/notifications/read-all", headers=bearer(writer), status=200)


def test_a_read_token_cannot_submit_pages_either(client, dbsession, users):
    from hub.tokens import create_token

    _row, reader = create_token(dbsession, users.member, "čtení", scopes=("read",))
    reply = client.post("/logout/everywhere", headers=bearer(reader), status=403)
    assert "oprávnění write" in reply.text
    _row, writer = create_token(dbsession, users.member, "zápis", scopes=("write",))
    client.post("/logout/everywhere", headers=bearer(writer), status=303)


def test_tokens_are_managed_from_a_browser_not_with_a_token(client, dbsession, api_token,
                                                           users):
    row, secret = api_token
    client.get("/profile/tokens", headers=bearer(secret), status=403)
    client.post("/profile/tokens", {"name": "Další", "scope": "write", "expires_days": "90"},
                headers=bearer(secret), status=403)
    client.post(f"/profile/tokens/{row.id}/revoke", headers=bearer(secret), status=403)
    assert [(r.id, r.revoked_at) for r in _tokens_of(dbsession, users.member)] == [(row.id, None)]


def test_the_list_shows_scope_expiry_and_last_use(client, dbsession, users):
    from hub.tokens import create_token

    create_token(dbsession, users.member, "Nepoužitý", scopes=("read",))
    _row, secret = create_token(dbsession, users.member, "Používaný", scopes=("write",))
    client.get("/api/v1/me", headers=bearer(secret))
    client.login(users.member)
    page = client.get("/profile/tokens")
    cells = {tr.find("th").get_text(strip=True): [td.get_text(strip=True)
                                                  for td in tr.find_all("td")]
             for tr in page.html.select("#tokens-table tbody tr")}
    headers = [th.get_text(strip=True) for th in page.html.select("#tokens-table thead th")][1:]
    used, unused = (dict(zip(headers, cells[name], strict=False))
                    for name in ("Používaný", "Nepoužitý"))
    assert used["Smí"] == "Číst i zapisovat" and unused["Smí"] == "Jen číst"
    assert used["Naposledy použit"] != "–" and unused["Naposledy použit"] == "–"
    assert used["Platnost do"] and used["Platnost do"] != "–"


def test_staff_confirm_a_new_token_with_a_fresh_code(client, dbsession, users):
    import pyotp

    client.login(users.staff)  # a session without a recent two-factor check
    page = client.get("/profile/tokens")
    form = page.forms["token-create-form"]
    assert "code" in form.fields
    fields = {"name": "Synchronizace", "scope": "write", "expires_days": "30"}
    page = client.post_form("/profile/tokens", fields, status=422)
    assert "Zadejte kód z ověřovací aplikace." in html_text(page)
    page = client.post_form("/profile/tokens", {**fields, "code": "000000"}, status=422)
    assert "Kód není správný, nebo už byl použit." in html_text(page)
    assert _tokens_of(dbsession, users.staff) == []
    code = pyotp.TOTP(users.staff.totp_secret).now()
    page = client.post_form("/profile/tokens", {**fields, "code": code}, status=200)
    secret = page.html.find(id="new-token")["value"]
    row, = _tokens_of(dbsession, users.staff)
    assert row.staff_rights and row.scopes == "read write"
    assert client.get("/api/v1/me", headers=bearer(secret)).json["role"] == "staff"
    # Checked a moment ago: the next token needs no code.
    assert "code" not in client.get("/profile/tokens").forms["token-create-form"].fields
    client.post_form("/profile/tokens", {**fields, "name": "Druhý"}, status=200)
    assert len(_tokens_of(dbsession, users.staff)) == 2


def test_a_code_entered_at_sign_in_counts_as_fresh(client, dbsession, users):
    import pyotp

    from hub.testing import TEST_PASSWORD

    reply = client.post_form("/login", {"email": users.admin.email, "password": TEST_PASSWORD})
    assert reply.location.endswith("/login/2fa")
    client.post_form("/login/2fa", {"code": pyotp.TOTP(users.admin.totp_secret).now()},
                     status=303)
    assert "code" not in client.get("/profile/tokens").forms["token-create-form"].fields
    client.post_form("/profile/tokens", {"name": "Správa", "scope": "read",
                                         "expires_days": "1"}, status=200)
    assert [r.staff_rights for r in _tokens_of(dbsession, users.admin)] == [True]


def test_a_recovery_code_does_not_confirm_a_token(client, dbsession, users):
    from hub.accounts import twofactor

    codes = twofactor.new_recovery_codes(dbsession, users.staff)
    client.login(users.staff)
    client.post_form("/profile/tokens", {"name": "Záloha", "scope": "read",
                                         "expires_days": "1", "code": codes[0]}, status=422)
    assert _tokens_of(dbsession, users.staff) == []
    assert twofactor.remaining_recovery_codes(dbsession, users.staff) == len(codes)


def test_a_two_factor_check_goes_stale():
    from types import SimpleNamespace

    from hub.accounts import twofactor

    def request(at):
        return SimpleNamespace(session={} if at is None else {twofactor.CHECKED_AT: at})

    assert twofactor.checked_recently(request((utcnow() - dt.timedelta(minutes=1)).isoformat()))
    assert not twofactor.checked_recently(
        request((utcnow() - dt.timedelta(minutes=twofactor.FRESH_MINUTES + 1)).isoformat()))
    assert not twofactor.checked_recently(request(None))
    assert not twofactor.checked_recently(request("nonsense"))


def test_staff_without_two_factor_get_no_token_from_the_web(client, dbsession, users):
    from hub.tokens import create_token

    users.staff.totp_secret = None
    _row, secret = create_token(dbsession, users.staff, "ze serveru")  # as `hub token create`
    dbsession.flush()
    fields = {"name": "Obejití", "scope": "write", "expires_days": "30"}
    client.post("/profile/tokens", fields, headers=bearer(secret), status=403)
    client.login(users.staff)
    reply = client.post_form("/profile/tokens", fields, status=302)
    assert reply.location.endswith("/account/2fa")
    assert [r.name for r in _tokens_of(dbsession, users.staff)] == ["ze serveru"]


def test_a_members_token_does_not_become_a_staff_token(client, dbsession, users):
    from hub.tokens import create_token

    _row, secret = create_token(dbsession, users.member, "starý", staff_rights=False)
    client.get("/api/v1/me", headers=bearer(secret), status=200)
    users.member.role = "staff"
    dbsession.flush()
    reply = client.get("/api/v1/me", headers=bearer(secret), status=401)
    assert "dvoufázovém ověření" in reply.json["error"]["message"]
