"""Evaluation: reviewers, conflicts of interest, hidden scores, ranking, decision, calls."""
import datetime as dt

import sqlalchemy as sa
from conftest import api_headers

from hub.mail import MailMessage
from hub.testing import make_user


def _submitted(client, users, call, dbsession, amount="50000"):
    from hub_grants.models import Application, BudgetItem

    application = Application(call_id=call.id, organisation_id=users.organisation.id,
                              applicant_id=users.representative.id, title="Kurz",
                              summary="Kurzy pro rodiče.", amount_requested=amount,
                              status="submitted", submitted_at=call.opens_at,
                              items=[BudgetItem(position=0, description="Lektoři",
                                                amount="90000")])
    dbsession.add(application)
    dbsession.flush()
    return application


def _reviewer(dbsession, call, email):
    from hub_grants.models import Reviewer

    user = make_user(dbsession, email, name=email.split("@")[0].title())
    dbsession.add(Reviewer(call_id=call.id, user_id=user.id))
    dbsession.flush()
    return user


def test_declaration_comes_before_the_application(client, users, make_call, dbsession):
    call = make_call()
    application = _submitted(client, users, call, dbsession)
    expert = _reviewer(dbsession, call, "expert@test.example")
    client.login(expert)
    page = client.get(f"/grants/reviews/{application.id}")
    assert "Kurzy pro rodiče" not in page.text and "grants-declare" in page.text
    first = application.attachments
    assert first == []
    client.get(f"/grants/applications/{application.id}/pdf", status=404)
    client.post_form(f"/grants/reviews/{application.id}",
                     {"action": "declare", "conflict": "conflict"}, status=303)
    page = client.get(f"/grants/reviews/{application.id}")
    assert "Kurzy pro rodiče" not in page.text and "grants-conflict" in page.text
    client.get(f"/grants/applications/{application.id}/pdf", status=404)
    refused = client.post_json(f"/api/v1/grants/applications/{application.id}/reviews",
                               {"conflict_of_interest": False, "scores": []},
                               headers=api_headers(client), expect_errors=True)
    assert refused.status_int == 201 and refused.json["conflict_of_interest"] is True


def test_a_member_of_the_applicant_is_always_in_conflict(client, users, make_call, dbsession):
    from hub_grants.models import Reviewer

    call = make_call()
    application = _submitted(client, users, call, dbsession)
    dbsession.add(Reviewer(call_id=call.id, user_id=users.member.id))
    dbsession.flush()
    client.login(users.member)
    client.post_form(f"/grants/reviews/{application.id}",
                     {"action": "declare", "conflict": "none"}, status=303)
    assert "grants-conflict" in client.get(f"/grants/reviews/{application.id}").text


def test_scores_are_hidden_until_one_has_scored(client, users, make_call, dbsession):
    call = make_call()
    application = _submitted(client, users, call, dbsession)
    first = _reviewer(dbsession, call, "first@test.example")
    second = _reviewer(dbsession, call, "second@test.example")
    c1, c2 = call.criteria
    client.login(first)
    done = client.post_json(f"/api/v1/grants/applications/{application.id}/reviews",
                            {"conflict_of_interest": False, "comment": "Dobré",
                             "scores": [{"criterion_id": c1.id, "score": 9},
                                        {"criterion_id": c2.id, "score": 3}]},
                            headers=api_headers(client))
    assert done.status_int == 201 and done.json["total"] == "78.00"  # (60*.9 + 40*.6)
    client.login(second)
    client.post_form(f"/grants/reviews/{application.id}",
                     {"action": "declare", "conflict": "none"}, status=303)
    page = client.get(f"/grants/reviews/{application.id}")
    assert "Kurzy pro rodiče" in page.text
    assert "First" not in page.text and "grants-scores" not in page.text
    bad = client.post_form(f"/grants/reviews/{application.id}",
                           {"action": "score", f"score_{c1.id}": "11", f"score_{c2.id}": "2"},
                           status=422)
    assert "od 0 do 10" in bad.text
    client.post_form(f"/grants/reviews/{application.id}",
                     {"action": "score", f"score_{c1.id}": "5", f"score_{c2.id}": "5"},
                     status=303)
    page = client.get(f"/grants/reviews/{application.id}")
    assert "First" in page.text and "78.00" in page.text
    again = client.post_form(f"/grants/reviews/{application.id}",
                             {"action": "score", f"score_{c1.id}": "0", f"score_{c2.id}": "0"},
                             status=409)
    assert again.status_int == 409
    client.login(users.staff)
    ranking = client.get(f"/grants/staff/calls/{call.id}")
    assert "74.00" in ranking.text  # mean of 78 and 70


def test_not_appointed_reviewers_see_nothing(client, users, make_call, dbsession):
    call = make_call()
    application = _submitted(client, users, call, dbsession)
    client.login(users.member)  # a reviewer of no call: no review pages at all
    client.get(f"/grants/reviews/{application.id}", status=403)
    assert client.post_json(f"/api/v1/grants/applications/{application.id}/reviews",
                            {"conflict_of_interest": False}, headers=api_headers(client),
                            expect_errors=True).status_int == 403
    other = _reviewer(dbsession, make_call(), "other@test.example")
    client.login(other)  # a reviewer of another call does not see this one's applications
    client.get(f"/grants/reviews/{application.id}", status=404)
    assert client.post_json(f"/api/v1/grants/applications/{application.id}/reviews",
                            {"conflict_of_interest": False}, headers=api_headers(client),
                            expect_errors=True).status_int == 404
    client.logout()
    assert client.get(f"/grants/reviews/{application.id}", expect_errors=True).status_int in (
        302, 303, 403)


def test_decision_with_a_different_amount_and_mail(client, users, make_call, dbsession):
    call = make_call()
    application = _submitted(client, users, call, dbsession)
    client.login(users.representative)
    assert client.post_json(f"/api/v1/grants/applications/{application.id}/decision",
                            {"approved": True, "amount": "1", "reason": "x"},
                            headers=api_headers(client), expect_errors=True).status_int == 403
    client.login(users.staff)
    over = client.post_json(f"/api/v1/grants/applications/{application.id}/decision",
                            {"approved": True, "amount": "100000.01", "reason": "Dobré"},
                            headers=api_headers(client), expect_errors=True)
    assert over.status_int == 422
    page = client.post_form(f"/grants/staff/applications/{application.id}",
                            {"approved": "yes", "amount": "40 000,00", "reason": ""}, status=422)
    assert "odůvodnění" in page.text
    client.post_form(f"/grants/staff/applications/{application.id}",
                     {"approved": "yes", "amount": "40 000,00", "reason": "Kvalitní projekt."},
                     status=303)
    dbsession.refresh(application)
    assert application.status == "approved" and str(application.approved_amount) == "40000.00"
    mail = dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == users.representative.email)).all()[-1]
    assert "40" in mail.text and "Kvalitní projekt." in mail.text
    again = client.post_json(f"/api/v1/grants/applications/{application.id}/decision",
                             {"approved": False, "reason": "Ne"}, headers=api_headers(client),
                             expect_errors=True)
    assert again.status_int == 409
    awarded = client.get("/grants/awarded")
    assert "Testovací spolek pacientů" in awarded.text
    from hub_grants.models import GrantEvent

    actions = set(dbsession.scalars(sa.select(GrantEvent.action).where(
        GrantEvent.application_id == application.id)))
    assert "decision" in actions


def test_staff_create_a_call_by_form_and_api(client, users, dbsession):
    client.login(users.staff)
    page = client.post_form("/grants/staff/calls/new", {
        "title_cs": "Výzva", "description_cs": "Popis", "budget": "100000",
        "max_amount": "200000", "cofinancing_percent": "10", "opens_at": "2027-01-01T00:00",
        "deadline_at": "2026-12-01T00:00", "eligible_kinds":
        "patient_organisation"}, status=422)
    assert "grants-call-form" in page.text and "Uzávěrka musí být po otevření" in page.text
    done = client.post_form("/grants/staff/calls/new", {
        "title_cs": "Výzva", "description_cs": "Popis", "budget": "100000",
        "max_amount": "50000", "cofinancing_percent": "10", "opens_at": "2027-01-01T00:00",
        "deadline_at": "2027-02-01T12:00", "criteria-0-name_cs": "Přínos",
        "criteria-0-name_en": "Benefit", "criteria-0-weight": "2", "criteria-0-max_score": "10",
        "questions-0-key": "members", "questions-0-type": "number",
        "questions-0-cs": "Počet členů", "questions-0-en": "Members",
        "questions-0-required": "1", "documents-0-cs": "Stanovy", "documents-0-en": "Statutes",
        "eligible_kinds": "patient_organisation"},
        status=303)
    assert "/grants/staff/calls/" in done.location
    from hub_grants.models import Call

    call = dbsession.scalars(sa.select(Call).where(Call.title_cs == "Výzva")).one()
    assert call.deadline_at == dt.datetime(2027, 2, 1, 11, 0, tzinfo=dt.UTC)  # 12:00 CET
    created = client.post_json("/api/v1/grants/calls", {
        "title_cs": "API výzva", "description_cs": "Popis", "budget": "100000",
        "max_amount": "50000", "opens_at": "2027-01-01T00:00", "deadline_at": "2027-02-01T00:00",
        "eligible_kinds": ["ngo"], "criteria": [{"name_cs": "Přínos", "weight": 1,
                                                "max_score": 5}], "published": True},
        headers=api_headers(client))
    assert created.status_int == 201 and created.json["published"] is True
    client.login(users.member)
    assert client.post_json("/api/v1/grants/calls", {}, headers=api_headers(client),
                            expect_errors=True).status_int == 403


def test_reviewer_appointment_makes_an_account_for_an_expert(client, users, make_call,
                                                             dbsession):
    from hub.accounts.models import User

    call = make_call()
    client.login(users.staff)
    client.post_form(f"/grants/staff/calls/{call.id}", {
        "action": "reviewer", "email": "Expertka@Example.org", "name": "Eva Expertní"},
        status=303)
    expert = dbsession.scalars(sa.select(User).where(User.email == "expertka@example.org")).one()
    assert expert.role == "member" and expert.password_hash is None
    mail = dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == "expertka@example.org")).one()
    assert "/account/reset" in mail.text


def test_indicators(hub_request, users, make_call, dbsession, client):
    from hub.db import utcnow
    from hub_grants.indicators import indicators

    call = make_call()
    application = _submitted(client, users, call, dbsession)
    application.status, application.approved_amount = "approved", "30000"
    application.decided_at = utcnow()
    dbsession.flush()
    figures = {i.key: i for i in indicators(hub_request, utcnow() - dt.timedelta(days=1),
                                            utcnow() + dt.timedelta(days=1))}
    assert figures["grants_awarded"].value == 30000
    assert dict((k, v) for k, _l, v in figures["grants_awarded"].breakdown)["organisations"] == 1


def test_call_lists_are_edited_as_rows(client, users, make_call, dbsession):
    call = make_call(documents=[{"cs": "Stanovy", "en": "Statutes"},
                                {"cs": "Rozpočet", "en": "Budget"}],
                     questions=[{"key": "kind", "type": "choice", "cs": "Druh", "en": "Kind",
                                 "choices": ["kurz", "setkání"], "required": True}])
    call.faq = [{"q_cs": "Mzdy?", "a_cs": "Ano.", "q_en": "Wages?", "a_en": "Yes."}]
    dbsession.flush()
    client.login(users.staff)
    url = f"/grants/staff/calls/{call.id}/edit"
    page = client.get(url)
    form = page.forms["grants-call-form"]
    assert form["documents-1-cs"].value == "Rozpočet" and form["documents-2-cs"].value == ""
    assert form["questions-0-choices"].value == "kurz\nsetkání"
    assert form["criteria-1-max_score"].value == "5"
    # "Add a criterion" shows the form again with more empty rows and saves nothing.
    added = form.submit("add", value="criteria", headers={"Origin": "https://hub.example.org"})
    assert added.status_int == 200
    assert added.html.select_one("#criteria-3-name_cs") is not None
    form = added.forms["grants-call-form"]
    form["criteria-2-name_cs"] = "Udržitelnost"
    form["criteria-2-name_en"] = "Sustainability"
    form["criteria-2-weight"] = "1"
    form["criteria-2-max_score"] = "3"
    form["documents-0-remove"] = True
    form["faq-1-q_cs"] = "Spolufinancování?"
    form["faq-1-a_cs"] = "Alespoň 10 %."
    form["questions-0-choices"] = "kurz\nsetkání\nporadna"
    done = form.submit(headers={"Origin": "https://hub.example.org"})
    assert done.status_int == 303
    dbsession.refresh(call)
    assert [c.name_cs for c in call.criteria] == ["Přínos", "Rozpočet", "Udržitelnost"]
    assert call.documents == [{"cs": "Rozpočet", "en": "Budget"}]
    assert call.questions[0]["choices"] == ["kurz", "setkání", "poradna"]
    assert [f["q_cs"] for f in call.faq] == ["Mzdy?", "Spolufinancování?"]
    client.set_cookie("hub_lang", "en")
    page = client.get(url)
    assert "Add a question and answer" in page.text and "Remove this row" in page.text
    bad = client.post_form(url, {**{k: v for k, v in page.forms["grants-call-form"].submit_fields()
                                    if k != "csrf_token"},
                                 "criteria-0-weight": "nic"}, status=422)
    assert "Each criterion needs its Czech name" in bad.text
