"""Asking: the public form and the API, references, consent, acknowledgement, rate limit."""
import re

import sqlalchemy as sa

from hub import consent
from hub.db import utcnow
from hub_counselling.models import Case, Message

from .conftest import api_headers, mails_to


def test_anonymous_question_makes_a_case_with_consent_and_acknowledgement(
        ask, hub_request, dbsession):
    ask()
    case = dbsession.scalar(sa.select(Case))
    assert re.fullmatch(rf"PH-{utcnow().year}-\d{{5}}", case.reference)
    assert (case.status, case.category, case.email, case.user_id) == (
        "new", "patients_rights", "anna@example.org", None)
    assert 29 <= (case.due_at - case.created_at).days <= 30
    assert [(m.direction, m.body) for m in case.messages] == [
        ("in", "Mám nárok na lázeňskou péči po operaci?")]
    assert consent.has_consent(hub_request, consent.Subject.of_email("anna@example.org"),
                               "counselling.case", f"case:{case.id}")
    [mail] = mails_to(dbsession, "anna@example.org")
    assert mail.subject == f"[{case.reference}] Váš dotaz jsme přijali"
    assert case.reference in mail.text and "30 dnů" in mail.text
    assert f"/counselling/case/{case.id}." in mail.text
    assert re.fullmatch(rf"hub\+{case.reference}\.[0-9a-f]{{16}}@example\.org",
                        mail.headers["Reply-To"])


def test_without_consent_nothing_is_kept(ask, dbsession):
    page = ask(consent=False, status=422)
    assert "výslovným souhlasem" in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    assert mails_to(dbsession, "anna@example.org") == []


def test_form_errors_name_the_fields(ask, dbsession):
    page = ask(email="nope", subject="", message="", category="x", status=422)
    for text in ("Vyplňte e-mailovou adresu", "Vyplňte předmět", "Napište svůj dotaz",
                 "Vyberte, čeho se váš dotaz týká"):
        assert text in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_form_needs_csrf(client, version):
    client.post("/counselling", {"subject": "a", "message": "b", "email": "a@example.org",
                                 "category": "grants", "consent": "1",
                                 "consent_version": version}, status=400)


def test_signed_in_asker_uses_the_account_and_language(client, users, dbsession, version):
    users.member.language = "en"
    dbsession.flush()
    client.login(users.member)
    page = client.get("/counselling")
    assert 'id="email"' not in page.text  # the account's address answers
    form = page.forms["counselling-ask"]
    form["category"], form["subject"], form["message"] = "grants", "Grant", "Which grants?"
    form["consent"] = True
    response = form.submit(headers={"Origin": "https://hub.example.org"}, status=303)
    case = dbsession.scalar(sa.select(Case))
    assert response.location.endswith(f"/counselling/mine/{case.id}")
    assert (case.user_id, case.email, case.language) == (
        users.member.id, users.member.email, "en")
    [mail] = mails_to(dbsession, users.member.email)
    assert mail.subject == f"[{case.reference}] We have received your question"
    assert f"/counselling/mine/{case.id}" in mail.text


def test_references_count_up_per_year(make_case, dbsession):
    from hub_counselling.services import next_reference

    first, second = make_case(), make_case()
    year = utcnow().year
    assert int(second.reference[-5:]) == int(first.reference[-5:]) + 1
    assert next_reference(dbsession, 2099) == "PH-2099-00001"
    assert next_reference(dbsession, 2099) == "PH-2099-00002"
    assert next_reference(dbsession, year) == f"PH-{year}-{int(second.reference[-5:]) + 1:05d}"


def test_api_asks_and_answers_201_with_the_reference(client, dbsession, version):
    response = client.post_json("/api/v1/counselling/cases", {
        "subject": "Spolek", "message": "Jak založit spolek?", "email": "Eva@Example.org",
        "category": "organisation", "consent": version}, headers=api_headers(client),
        status=201)
    case = dbsession.get(Case, response.json["id"])
    assert response.json["reference"] == case.reference
    assert case.email == "eva@example.org" and case.messages[0].channel == "api"
    assert len(mails_to(dbsession, "eva@example.org")) == 1


def test_the_openapi_sample_question_is_accepted(client, dbsession, version):
    from hub.api.samples import sample_body

    document = client.get("/api/v1/openapi.json").json
    body = sample_body(document, document["paths"]["/counselling/cases"]["post"])
    # The consent is the version of the text shown, not a placeholder string.
    assert body["consent"] == version and body["category"] == "patients_rights"
    response = client.post_json("/api/v1/counselling/cases", body,
                                headers=api_headers(client), status=201)
    assert dbsession.get(Case, response.json["id"]).email == body["email"]
    reply = document["paths"]["/counselling/cases/{id}/replies"]["post"]
    assert sample_body(document, reply) == {"body": "Example"}


def test_api_refuses_bad_questions_and_outdated_consent(client, dbsession, version):
    bad = client.post_json("/api/v1/counselling/cases", {"subject": "x"},
                           headers=api_headers(client), status=422).json["error"]
    assert set(bad["details"]["fields"]) == {"message", "email", "category", "consent"}
    assert bad["details"]["consent_version"] == version
    outdated = client.post_json("/api/v1/counselling/cases", {
        "subject": "a", "message": "b", "email": "a@example.org", "category": "grants",
        "consent": "0000000000000000"}, headers=api_headers(client), status=409)
    assert outdated.json["error"]["code"] == "outdated_text"
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Message)) == 0


def test_many_questions_from_one_address_are_refused(ask, dbsession):
    for i in range(3):
        ask(subject=f"Dotaz {i}")
    page = ask(subject="Čtvrtý", status=429)
    assert "Zkuste to prosím znovu" in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Case)) == 3
