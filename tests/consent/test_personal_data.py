"""The ledger in the personal-data export and in erasure; the CRM timeline."""
import io
import json
import zipfile

import sqlalchemy as sa

from hub.consent import ConsentRecord, Subject, give, has_consent, withdraw
from hub.consent import hooks as consent_hooks
from hub.testing import TEST_PASSWORD

from .conftest import NEWS, RELEASE


def test_the_export_holds_the_ledger_and_the_erasure_rule(testapp, web_request, users, ledger,
                                                          dbsession):
    from hub.tokens import create_token

    member = Subject.of_user(users.member)
    give(web_request, member, NEWS.key, NEWS.text_version, "staff", by=users.staff,
         note="Agreed on the phone.")
    withdraw(web_request, member, NEWS.key, "form")
    give(web_request, Subject.of_user(users.admin), NEWS.key, NEWS.text_version, "form")
    testapp.login(users.member)
    archive = testapp.get("/profile").forms["export-form"].submit()
    with zipfile.ZipFile(io.BytesIO(archive.body)) as files:
        data = json.loads(files.read("data.json"))["data"]
    records = data["Souhlasy"]
    assert [(r["purpose"], r["action"], r["source"]) for r in records] == [
        (NEWS.key, "Udělen", "Zapsal tým hubu"), (NEWS.key, "Odvolán", "Na stránce hubu")]
    assert records[0]["text"] == NEWS.text["cs"] and records[0]["note"] == "Agreed on the phone."
    assert records[0]["recorded_by"] == "Tým hubu"
    assert "SHA-256" in data["Souhlasy po zrušení účtu"][0]["rule"]

    _row, secret = create_token(dbsession, users.member, "export")
    testapp.logout()
    testapp.authorization = ("Bearer", secret)
    exported = testapp.get("/api/v1/me/export").json
    assert [r["action"] for r in exported["Souhlasy"]] == ["Udělen", "Odvolán"]
    assert "Účet" in exported  # one key per section, the other sections too
    assert len(records) == 2  # nothing of the administrator's consent


def test_erasure_withdraws_and_keeps_proof_without_the_address(testapp, web_request, users,
                                                              ledger, dbsession):
    member = Subject.of_user(users.member)
    by_address = Subject.of_email(users.member.email)
    give(web_request, member, NEWS.key, NEWS.text_version, "form")
    give(web_request, member, RELEASE.key, RELEASE.text_version, "form", object="talk:9")
    give(web_request, by_address, NEWS.key, NEWS.text_version, "double_opt_in")
    other = Subject.of_email("reader@example.org")
    give(web_request, other, NEWS.key, NEWS.text_version, "double_opt_in")

    testapp.login(users.member)
    form = testapp.get("/profile/delete").forms["erase-form"]
    form["password"], form["confirm"] = TEST_PASSWORD, True
    form.submit(status=303)

    dbsession.expire_all()
    mine = dbsession.scalars(sa.select(ConsentRecord).where(ConsentRecord.subject_key.in_(
        [member.key, by_address.key])).order_by(ConsentRecord.id)).all()
    assert [(r.action, r.source) for r in mine] == [
        ("given", "form"), ("given", "form"), ("given", "double_opt_in"),
        ("withdrawn", "erasure"), ("withdrawn", "erasure"), ("withdrawn", "erasure")]
    assert all(r.email is None for r in mine)  # the address is gone ...
    assert {r.email_digest for r in mine} == {by_address.key.split(":")[1]}  # ... its digest kept
    assert all(r.user_id == users.member.id for r in mine if r.subject_key == member.key)
    assert not has_consent(web_request, member, RELEASE.key, "talk:9")
    # Other people's consents are untouched.
    assert has_consent(web_request, other, NEWS.key)
    assert dbsession.scalar(sa.select(ConsentRecord.email).where(
        ConsentRecord.subject_key == other.key)) == "reader@example.org"


def test_the_crm_timeline_shows_consents(web_request, users, ledger):
    give(web_request, Subject.of_user(users.member), NEWS.key, NEWS.text_version, "form")
    withdraw(web_request, Subject.of_user(users.member), NEWS.key, "form")
    entries = consent_hooks.hub_activity(web_request, users.member)
    titles = [web_request.shell.translate(e["title"]) for e in entries]
    assert titles == ["Udělen souhlas: Novinky e-mailem", "Odvolán souhlas: Novinky e-mailem"]
