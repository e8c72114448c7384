"""Registration, e-mail verification, password policy and the acceptance walk-through."""
import io
import json
import zipfile

import pytest
import sqlalchemy as sa

from hub.accounts.models import User
from hub.testing import TEST_PASSWORD, html_text

from .conftest import link_in, mails_to

GOOD = "modrá konvice plná čaje"


def register(client, email, password=GOOD, name="Jana Nová", terms=True, language="cs"):
    form = client.get("/register").forms["register-form"]
    form["name"], form["email"], form["password"] = name, email, password
    form["language"] = language
    if terms:
        form["terms"] = True
    return form.submit(status="*")


def test_register_in_czech_verify_from_mail_and_sign_in(make_app, make_testapp, dbsession,
                                                         smtp_sink, users):
    app = make_app(**{"mail.backend": "smtp", "mail.host": smtp_sink.host,
                      "mail.port": str(smtp_sink.port)})
    client = make_testapp(app)
    page = client.get("/register")
    assert page.html.find("html")["lang"] == "cs" and "Vytvořit účet" in page.text
    done = register(client, "jana@example.cz").follow()
    assert "e-mail" in html_text(done).lower()
    user = dbsession.scalar(sa.select(User).where(User.email == "jana@example.cz"))
    assert user.email_verified_at is None and user.terms_version == "2026-01"
    assert user.terms_accepted_at is not None and user.language == "cs"
    assert user.password_hash.startswith("$argon2id$")

    received = smtp_sink.to("jana@example.cz")
    assert len(received) == 1
    first = link_in(received[0].get_payload(decode=True).decode())

    # Signing in before verification is refused and sends a new link (the old one dies).
    refused = client.get("/login").forms["login-form"]
    refused["email"], refused["password"] = "jana@example.cz", GOOD
    assert "Nejprve potvrďte" in html_text(refused.submit())
    received = smtp_sink.to("jana@example.cz")
    assert len(received) == 2
    body = received[-1].get_payload(decode=True).decode()
    assert "Dobrý den, Jana Nová" in body
    url = link_in(body)
    assert url.startswith("/account/verify?token=") and url != first
    assert "nefunguje" in html_text(client.get(first))

    confirm = client.get(url)
    assert dbsession.get(User, user.id).email_verified_at is None  # GET changes nothing
    landed = confirm.forms["verify-form"].submit().follow()
    dbsession.expire_all()
    assert dbsession.get(User, user.id).email_verified_at is not None
    assert "potvrzena" in html_text(landed)
    # The link is single use.
    assert "nefunguje" in html_text(client.get(url))

    form = landed.forms["login-form"]
    form["email"], form["password"] = "Jana@Example.cz ", GOOD
    dashboard = form.submit().follow()
    assert "Jana Nová" in html_text(dashboard)

    # Join an organisation; its representative approves.
    join = client.get("/my/organisations").forms["join-form"]
    join["organisation"] = str(users.organisation.id)
    assert "Čeká na schválení" in html_text(join.submit().follow())
    rep = make_testapp(app).login(users.representative)
    manage = rep.get(f"/organisation/{users.organisation.id}/manage")
    approve = [f for f in manage.forms.values()
               if "/requests/" in (f.action or "")][0]
    approve.submit("action", value="approve").follow()
    mine = client.get("/my/organisations")
    assert users.organisation.name in html_text(mine)

    # Export own data.
    archive = client.get("/profile").forms["export-form"].submit()
    assert archive.content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.body)) as zf:
        data = json.loads(zf.read("data.json"))
        html = zf.read("data.html").decode()
    flat = json.dumps(data, ensure_ascii=False)
    assert "jana@example.cz" in flat and users.organisation.name in flat
    assert "jana@example.cz" in html

    # Log out everywhere: a second browser's session ends too.
    other = make_testapp(app)
    second = other.get("/login").forms["login-form"]
    second["email"], second["password"] = "jana@example.cz", GOOD
    second.submit().follow()
    out = client.get("/profile").forms["logout-everywhere-form"].submit()
    assert "cookies" in out.headers["Clear-Site-Data"]
    assert other.get("/my").status_int == 302
    assert client.get("/my").status_int == 302


def test_registration_needs_terms_and_keeps_the_input(testapp):
    page = register(testapp, "novy@example.cz", terms=False)
    assert page.status_int == 200
    assert page.forms["register-form"]["email"].value == "novy@example.cz"
    assert page.forms["register-form"]["password"].value == ""
    assert 'aria-invalid="true"' in page.text and "hub-error-summary" in page.text


@pytest.mark.parametrize("password", [
    "kratke", "password1234", "123456789012", "ministerstvo2024", "PacientskyHub!!",
    "zdravi zdravi zdravi", "aaaaaaaaaaaaaaaaa", "jana nova 2024!", "x" * 1025])
def test_weak_passwords_are_rejected(testapp, dbsession, password):
    page = register(testapp, "slabe@example.cz", password=password)
    assert "hub-error-summary" in page.text
    assert dbsession.scalar(sa.select(User).where(User.email == "slabe@example.cz")) is None


def test_long_unicode_password_works_and_is_not_truncated(testapp, dbsession, login_form):
    password = "Příliš žluťoučký kůň úpěl ďábelské ódy 🐴 a pak šel domů spát"
    register(testapp, "dlouhe@example.cz", password=password).follow()
    user = dbsession.scalar(sa.select(User).where(User.email == "dlouhe@example.cz"))
    user.email_verified_at = user.created_at
    dbsession.flush()
    assert login_form(testapp, "dlouhe@example.cz", password[:-1]).status_int == 200
    assert login_form(testapp, "dlouhe@example.cz", password).status_int == 303


def test_registering_an_existing_address_reveals_nothing(testapp, dbsession, users):
    new = register(testapp, "brand-new@example.cz")
    old = register(testapp, users.member.email)
    assert new.status_int == old.status_int == 303
    assert new.location == old.location
    assert len(mails_to(dbsession, users.member.email)) == 1  # the owner is told
    assert dbsession.scalar(sa.select(sa.func.count(User.id)).where(
        User.email == users.member.email)) == 1
    assert users.member.password_hash != ""  # untouched
    assert TEST_PASSWORD


def test_signed_in_user_is_sent_from_register_to_my_hub(testapp, users):
    testapp.login(users.member)
    assert testapp.get("/register").location.endswith("/my")
