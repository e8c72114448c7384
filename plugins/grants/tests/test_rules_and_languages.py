"""Rules of the web form (eligibility, required documents and questions, the deadline),
its error markup, money and years as people read them, both languages, and who is shown
the reviewers' entry."""
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import api_headers

from hub.testing import make_user

ORIGIN = "https://hub.example.org"


def _draft(client, users, call):
    client.login(users.representative)
    response = client.post_json(f"/api/v1/grants/calls/{call.id}/applications",
                                {"title": "Kurz", "amount_requested": "50000",
                                 "summary": "Kurzy."}, headers=api_headers(client))
    return response.json["id"]


def _form(action="submit", amount="50000", line="90000", **extra):
    return {"title": "Kurz", "summary": "Kurzy pro rodiče.", "amount_requested": amount,
            "item_desc_0": "Lektoři", "item_amount_0": line, "action": action, **extra}


def _approved(dbsession, users, call, decided_at, title="Kurz pro rodiče"):
    from hub_grants.models import Application, BudgetItem

    application = Application(
        call_id=call.id, organisation_id=users.organisation.id,
        applicant_id=users.representative.id, title=title, summary="Kurzy.",
        amount_requested=Decimal("50000"), status="approved", submitted_at=call.opens_at,
        approved_amount=Decimal("30000.00"), decision_reason="Kvalitní.",
        decided_at=decided_at, decided_by_id=users.staff.id,
        items=[BudgetItem(position=0, description="Lektoři", amount=Decimal("60000"))])
    dbsession.add(application)
    dbsession.flush()
    return application


# -- awarded grants -------------------------------------------------------------------------

def test_no_awarded_grants_says_so(client):
    page = client.get("/grants/awarded")
    assert page.html.select_one("#grants-none-awarded").text == "Zatím nebyl udělen žádný grant."
    assert page.html.select_one("#grants-awarded") is None


def test_awarded_grants_count_the_year_in_prague(client, users, make_call, dbsession):
    call = make_call()
    # 23:30 UTC on New Year's Eve is already 00:30 on 1 January in Prague.
    _approved(dbsession, users, call, dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC))
    page = client.get("/grants/awarded")
    cells = [td.text for td in page.html.select("#grants-awarded tbody td")]
    assert cells[0] == "Testovací spolek pacientů" and cells[1] == "Kurz pro rodiče"
    assert cells[3] == "2027"
    assert "Udělené granty" in page.text and "Rok" in page.text
    body = client.get("/api/v1/grants/awarded").json
    assert body == {"items": [{"organisation": "Testovací spolek pacientů",
                               "project": "Kurz pro rodiče", "amount": "30000.00",
                               "currency": "CZK", "year": 2027, "call_id": call.id}],
                    "total": 1, "limit": 100, "offset": 0, "next_offset": None}


def test_awarded_grants_in_english(client, users, make_call, dbsession):
    from hub_grants.services import format_money

    _approved(dbsession, users, make_call(), dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC))
    client.set_cookie("hub_lang", "en")
    page = client.get("/grants/awarded")
    assert page.html.select_one("h1").text == "Awarded grants"
    assert [th.text for th in page.html.select("#grants-awarded th")] == [
        "Organisation", "Project", "Amount", "Year"]
    assert format_money(Decimal("30000"), "en") in page.text
    assert "Udělené granty" not in page.text


# -- money in messages ------------------------------------------------------------------------

def test_amounts_in_messages_are_written_for_the_language(client, users, make_call,
                                                           dbsession):
    from hub_grants.services import format_money

    call = make_call()
    app_id = _draft(client, users, call)
    url = f"/grants/applications/{app_id}"
    page = client.post_form(url, _form(amount="150000", line="200000"), status=422)
    assert format_money(Decimal("100000"), "cs") in page.text  # "100 000,00 Kč"
    assert "100,000.00 CZK" not in page.text
    client.set_cookie("hub_lang", "en")
    page = client.post_form(url, _form(amount="150000", line="200000"), status=422)
    assert "The call gives at most " + format_money(Decimal("100000"), "en") in page.text


def test_decision_and_schedule_messages_show_czech_amounts(client, users, make_call,
                                                           dbsession):
    from hub_grants.award import check_schedule
    from hub_grants.services import GrantError, format_money

    call = make_call()
    application = _approved(dbsession, users, call, dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    application.status, application.approved_amount = "submitted", None
    dbsession.flush()
    client.login(users.staff)
    refused = client.post_json(f"/api/v1/grants/applications/{application.id}/decision",
                               {"approved": True, "amount": "120000", "reason": "Dobré."},
                               headers=api_headers(client), expect_errors=True)
    assert refused.status_int == 422
    assert refused.json["error"]["message"] == \
        f"Výzva dává nejvýše {format_money(Decimal('100000'), 'cs')} na jednu žádost."
    application.approved_amount = Decimal("30000.00")
    with pytest.raises(GrantError) as refused_schedule:
        check_schedule(application, {"final_report_due": "2027-12-31", "instalments": [
            {"kind": "advance", "due_on": "2027-01-15", "amount": "10000"}]}, "cs")
    assert refused_schedule.value.errors["instalments"].mapping == {
        "total": format_money(Decimal("10000"), "cs"),
        "amount": format_money(Decimal("30000"), "cs")}


# -- the agreement in the applicant's language -----------------------------------------------

def _agreement_text(client, users, application, dbsession):
    from pypdf import PdfReader

    client.login(users.staff)
    client.post_form(f"/grants/staff/applications/{application.id}/grant", {
        "action": "issue", "interim_report_due": "2027-06-30", "final_report_due": "2027-12-31",
        "instalments-0-kind": "advance", "instalments-0-due_on": "2027-01-15",
        "instalments-0-amount": "21000", "instalments-1-kind": "final",
        "instalments-1-due_on": "2027-02-15", "instalments-1-amount": "9000"}, status=303)
    client.login(users.representative)
    pdf = client.get(f"/grants/applications/{application.id}/agreement.pdf").body
    reader = PdfReader(io.BytesIO(pdf))
    return reader.metadata.title, "".join(p.extract_text() for p in reader.pages)


def test_the_agreement_is_in_the_language_of_the_applicant(client, users, make_call,
                                                           dbsession):
    call = make_call()
    czech = _approved(dbsession, users, call, dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    title, text = _agreement_text(client, users, czech, dbsession)
    assert title.startswith("Smlouva") and "Splátkový kalendář" in text

    users.representative.language = "en"
    dbsession.flush()
    english = _approved(dbsession, users, make_call(multiple=True),
                        dt.datetime(2026, 6, 2, tzinfo=dt.UTC), title="Second course")
    title, text = _agreement_text(client, users, english, dbsession)
    assert title.startswith("Grant agreement") and "Payment schedule" in text
    assert "Splátkový kalendář" not in text


# -- reviewers' entry ---------------------------------------------------------------------

def test_only_reviewers_and_staff_are_shown_applications_to_review(client, users, make_call,
                                                                   dbsession):
    from hub_grants.models import Reviewer

    call = make_call()
    client.login(users.member)
    page = client.get("/my")
    assert not page.html.select('a[href="/grants/reviews"]')
    assert page.html.select_one("#grants-to-review") is None

    expert = make_user(dbsession, "expert@test.example", name="Eva Expertka")
    dbsession.add(Reviewer(call_id=call.id, user_id=expert.id))
    _approved(dbsession, users, call, dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    from hub_grants.models import Application

    dbsession.add(Application(call_id=call.id, organisation_id=users.other_organisation.id,
                              applicant_id=users.other_representative.id, title="Jiný",
                              summary="x", status="submitted", submitted_at=call.opens_at,
                              exclusive=False))
    dbsession.flush()
    client.login(expert)
    page = client.get("/my")
    block = page.html.select_one("#grants-to-review")
    assert block is not None and block.select_one('a[href="/grants/reviews"]')
    assert block.select_one("strong").text == "1"
    # Being appointed is a role (hub_roles): the user menu offers the reviews too.
    menu = client.get("/grants").html
    assert [a for a in menu.select('a[href="/grants/reviews"]')
            if not a.find_parent(id="grants-to-review")]

    client.login(users.member)  # appointed to nothing: the review pages are closed
    client.get("/grants/reviews", status=403)

    client.login(users.staff)
    assert client.get("/grants").html.select('a[href="/grants/reviews"]')


# -- rules of the web form ------------------------------------------------------------------

def test_an_organisation_of_another_kind_is_refused(client, users, make_call, dbsession):
    call = make_call()
    call.eligible_kinds = ["university"]
    dbsession.flush()
    client.login(users.representative)
    refused = client.post_json(f"/api/v1/grants/calls/{call.id}/applications",
                               {"title": "Kurz", "amount_requested": "50000"},
                               headers=api_headers(client), expect_errors=True)
    assert refused.status_int == 422
    assert refused.json["error"]["message"] == \
        "Organizace tohoto druhu nemohou do této výzvy žádat."
    page = client.get(f"/grants/calls/{call.id}")
    assert page.html.select_one("#grants-apply") is None
    back = client.post_form(f"/grants/calls/{call.id}/apply",
                            {"organisation": str(users.organisation.id)}, status=303)
    assert "Organizace tohoto druhu nemohou do této výzvy žádat." in back.follow().text
    from hub_grants.models import Application

    assert dbsession.query(Application).count() == 0


QUESTIONS = [{"key": "members", "type": "number", "cs": "Počet členů", "en": "Members",
              "choices": [], "required": True},
             {"key": "region", "type": "choice", "cs": "Kraj", "en": "Region",
              "choices": ["Praha", "Brno"], "required": True}]


def test_required_documents_and_questions_block_submission(client, users, make_call,
                                                           dbsession):
    call = make_call(documents=[{"cs": "Stanovy", "en": "Statutes"}], questions=QUESTIONS)
    app_id = _draft(client, users, call)
    url = f"/grants/applications/{app_id}"
    page = client.post_form(url, _form(), status=422)
    summary = page.html.select_one(".hub-error-summary").text
    assert "Připojte tento dokument." in summary and "Odpovězte na tuto otázku." in summary
    from hub_grants.models import Application

    assert dbsession.get(Application, app_id).status == "draft"
    # A wrong type is refused even in a draft, next to the question it belongs to.
    page = client.post_form(url, _form(action="save", q_members="mnoho", q_region="Ostrava"),
                            status=422)
    for name, message in (("q-members", "Uveďte číslo."),
                          ("q-region", "Vyberte jednu z nabízených hodnot.")):
        field = page.html.select_one(f"#{name}")
        assert field["aria-invalid"] == "true"
        assert field["aria-describedby"] == f"{name}-error"
        error = page.html.select_one(f"#{name}-error")
        assert "hub-error" in error["class"] and message in error.text
        assert error.select_one(".visually-hidden").text == "Chyba:"
    client.post_form(url, _form(action="save", q_members="12", q_region="Brno"), status=303)
    client.post(f"/grants/applications/{app_id}/attachments",
                {"slot": "doc:0", "csrf_token": client.csrf_token},
                upload_files=[("file", "stanovy.pdf", b"%PDF-1.7 stanovy")],
                headers={"Origin": ORIGIN}, status=303)
    client.post_form(url, _form(q_members="12", q_region="Brno"), status=303)
    assert dbsession.get(Application, app_id).status == "submitted"


def test_amount_error_is_linked_to_its_field(client, users, make_call):
    call = make_call()
    app_id = _draft(client, users, call)
    page = client.post_form(f"/grants/applications/{app_id}", _form(amount="hodně"),
                            status=422)
    field = page.html.select_one("#amount_requested")
    assert field["aria-invalid"] == "true"
    assert field["aria-describedby"].split() == ["amount-hint", "amount_requested-error"]
    assert "Uveďte částku v Kč" in page.html.select_one("#amount_requested-error").text
    assert page.html.select_one('.hub-error-summary a[href="#amount_requested"]') is not None
    fine = client.get(f"/grants/applications/{app_id}").html.select_one("#amount_requested")
    assert fine["aria-describedby"] == "amount-hint" and not fine.get("aria-invalid")


def test_late_submission_through_the_form_is_refused(client, users, make_call, dbsession):
    prague = ZoneInfo("Europe/Prague")
    deadline = dt.datetime(2027, 1, 15, 12, 0, tzinfo=prague)
    with time_machine.travel(dt.datetime(2027, 1, 10, 9, 0, tzinfo=prague), tick=False):
        call = make_call(deadline=deadline.astimezone(dt.UTC),
                         opens=dt.datetime(2027, 1, 1, tzinfo=prague).astimezone(dt.UTC))
        app_id = _draft(client, users, call)
        client.post_form(f"/grants/applications/{app_id}", _form(action="save"), status=303)
    with time_machine.travel(dt.datetime(2027, 1, 15, 12, 0, 1, tzinfo=prague), tick=False):
        client.login(users.representative)
        page = client.post_form(f"/grants/applications/{app_id}", _form(), status=409)
        assert "Uzávěrka uplynula; žádost už nelze podat." in page.text
    from hub_grants.models import Application

    application = dbsession.get(Application, app_id)
    dbsession.refresh(application)
    assert application.status == "draft" and application.submitted_at is None


def test_the_applicants_pages_in_english(client, users, make_call, dbsession):
    from hub_grants.services import format_money

    call = make_call(questions=QUESTIONS[:1])
    app_id = _draft(client, users, call)
    client.set_cookie("hub_lang", "en")
    mine = client.get("/grants/applications")
    assert mine.html.select_one("h1").text.strip() == "Grant applications"
    assert "Small grants" in mine.text and "Draft" in mine.text
    page = client.get(f"/grants/applications/{app_id}")
    labels = [label.text for label in page.html.select("#grants-application label")]
    assert "Project title" in labels and "Members" in labels and "Počet členů" not in labels
    assert "Save the draft" in page.text and "Submit the application" in page.text
    page = client.post_form(f"/grants/applications/{app_id}", _form(), status=422)
    assert "Answer this question." in page.html.select_one("#q-members-error").text
    assert page.html.select_one("#q-members-error .visually-hidden").text == "Error:"
    assert format_money(Decimal("100000"), "en") in page.text
