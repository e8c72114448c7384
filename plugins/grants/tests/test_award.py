"""After the award: the agreement and its schedule, acceptance, payments, reports with a
financial statement and files, their review, closure; audit and notifications."""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from hub.mail import MailMessage

ORIGIN = "https://hub.example.org"


@pytest.fixture
def approved(dbsession, users, make_call):
    from hub.db import utcnow
    from hub_grants.models import Application, BudgetItem

    call = make_call()
    application = Application(
        call_id=call.id, organisation_id=users.organisation.id,
        applicant_id=users.representative.id, title="Kurz pro rodiče", summary="Kurzy.",
        amount_requested=Decimal("50000"), status="approved", submitted_at=call.opens_at,
        approved_amount=Decimal("40000.00"), decision_reason="Kvalitní.", decided_at=utcnow(),
        decided_by_id=users.staff.id,
        items=[BudgetItem(position=0, description="Lektoři", amount=Decimal("60000")),
               BudgetItem(position=1, description="Pronájem", amount=Decimal("20000"))])
    dbsession.add(application)
    dbsession.flush()
    return application


def _schedule(amounts=("28000", "12000"), interim="2027-06-30", final="2027-12-31"):
    form = {"action": "issue", "interim_report_due": interim, "final_report_due": final}
    kinds = ("advance", "final")
    for i, amount in enumerate(amounts):
        form.update({f"instalments-{i}-kind": kinds[min(i, 1)],
                     f"instalments-{i}-due_on": f"2027-0{i + 1}-15",
                     f"instalments-{i}-amount": amount})
    return form


def _issue(client, users, application, **kw):
    client.login(users.staff)
    return client.post_form(f"/grants/staff/applications/{application.id}/grant",
                            _schedule(**kw), status=303)


def _accept(client, users, application, dbsession):
    dbsession.refresh(application)
    client.login(users.representative)
    client.post_form(f"/grants/applications/{application.id}/grant",
                     {"confirm": "1", "sha256": application.agreement.document_sha256},
                     status=303)


def _events(dbsession, application):
    from hub_grants.models import GrantEvent

    return [e.action for e in dbsession.scalars(sa.select(GrantEvent).where(
        GrantEvent.application_id == application.id).order_by(GrantEvent.id))]


def test_schedule_must_add_up_to_the_approved_amount(client, users, approved, dbsession):
    client.login(users.staff)
    url = f"/grants/staff/applications/{approved.id}/grant"
    page = client.get(url)
    assert page.html.select_one("#instalments-0-amount")["value"] == "28000.00"  # 70 %
    wrong = client.post_form(url, _schedule(amounts=("30000", "12000")), status=422)
    assert "musí dát dohromady schválenou částku" in wrong.text
    late = client.post_form(url, _schedule(interim="2028-01-01"), status=422)
    assert "Průběžná zpráva předchází závěrečné" in late.text
    more = client.post_form(url, {**_schedule(), "action": "", "add": "instalments"})
    assert more.html.select_one("#instalments-3-amount") is not None
    assert approved.agreement is None
    client.post_form(url, _schedule(), status=303)
    dbsession.refresh(approved)
    agreement = approved.agreement
    assert [i.amount for i in agreement.instalments] == [Decimal("28000.00"),
                                                         Decimal("12000.00")]
    assert agreement.status == "issued" and agreement.number.endswith(f"{approved.id:05d}")
    pdf = client.get(f"/grants/applications/{approved.id}/agreement.pdf")
    assert pdf.body.startswith(b"%PDF") and pdf.headers["X-Content-Type-Options"] == "nosniff"


def test_the_representative_accepts_exactly_the_version_shown(client, users, approved,
                                                              dbsession):
    _issue(client, users, approved)
    dbsession.refresh(approved)
    first = approved.agreement.document_sha256
    notes = dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == users.representative.email)).all()
    assert "Smlouva o grantu je připravena" in notes[-1].subject
    _issue(client, users, approved, amounts=("20000", "20000"))  # issued again: version 2
    dbsession.refresh(approved)
    assert approved.agreement.version == 2 and approved.agreement.document_sha256 != first
    client.login(users.other_representative)
    client.get(f"/grants/applications/{approved.id}/grant", status=404)
    client.get(f"/grants/applications/{approved.id}/agreement.pdf", status=404)
    client.login(users.representative)
    page = client.get(f"/grants/applications/{approved.id}/grant")
    assert "Přijmout smlouvu" in page.text
    unconfirmed = client.post_form(f"/grants/applications/{approved.id}/grant",
                                   {"sha256": approved.agreement.document_sha256}, status=422)
    assert "Potvrďte" in unconfirmed.text
    stale = client.post_form(f"/grants/applications/{approved.id}/grant",
                             {"confirm": "1", "sha256": first}, status=409)
    assert "novou verzi" in stale.text
    _accept(client, users, approved, dbsession)
    dbsession.refresh(approved.agreement)
    agreement = approved.agreement
    assert agreement.status == "accepted" and agreement.accepted_by_id == users.representative.id
    assert agreement.accepted_sha256 == agreement.document_sha256
    client.login(users.staff)
    refused = client.post_form(f"/grants/staff/applications/{approved.id}/grant", _schedule(),
                               status=409)
    assert "již nelze měnit" in refused.text
    assert _events(dbsession, approved) == ["agreement_issued", "agreement_issued",
                                            "agreement_accepted"]


def test_payments_reports_and_closure(client, users, approved, dbsession):
    _issue(client, users, approved)
    staff_url = f"/grants/staff/applications/{approved.id}/grant"
    dbsession.refresh(approved)
    advance = approved.agreement.instalments[0]
    # No payment before the agreement is accepted.
    client.post_form(staff_url, {"action": "pay", "instalment": str(advance.id),
                                 f"paid_on-{advance.id}": "2027-01-15"}, status=409)
    _accept(client, users, approved, dbsession)
    client.login(users.staff)
    future = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    client.post_form(staff_url, {"action": "pay", "instalment": str(advance.id),
                                 f"paid_on-{advance.id}": future}, status=422)
    client.post_form(staff_url, {"action": "pay", "instalment": str(advance.id),
                                 f"paid_on-{advance.id}": dt.date.today().isoformat(),
                                 f"reference-{advance.id}": "VS 2027001"}, status=303)
    dbsession.refresh(advance)
    assert advance.paid_on == dt.date.today() and advance.reference == "VS 2027001"
    # The interim report: the statement is checked against the budget and the grant.
    client.login(users.representative)
    report_url = f"/grants/applications/{approved.id}/reports/interim"
    items = approved.items
    bad = client.post_form(report_url, {
        "narrative": "Proběhly tři kurzy.", f"spent-{items[0].id}": "30000",
        f"grant-{items[0].id}": "35000", "action": "save"}, status=422)
    assert "nemůže převýšit" in bad.text
    over = client.post_form(report_url, {
        "narrative": "Proběhly tři kurzy.", f"spent-{items[0].id}": "60000",
        f"grant-{items[0].id}": "45000", "action": "save"}, status=422)
    assert "grant je" in over.text
    client.post_form(report_url, {
        "narrative": "Proběhly tři kurzy.", f"spent-{items[0].id}": "30 000",
        f"grant-{items[0].id}": "25000", f"spent-{items[1].id}": "5000",
        f"grant-{items[1].id}": "0", "action": "submit"}, status=303)
    client.login(users.staff)
    page = client.get(staff_url)
    assert "Proběhly tři kurzy." in page.text and "25" in page.text
    unexplained = client.post_form(staff_url, {"action": "review", "kind": "interim",
                                               "decision-interim": "return"}, status=422)
    assert "co je třeba opravit" in unexplained.text
    client.post_form(staff_url, {"action": "review", "kind": "interim",
                                 "decision-interim": "return",
                                 "comment-interim": "Doplňte počet účastníků."}, status=303)
    client.login(users.representative)
    page = client.get(report_url)
    assert "Doplňte počet účastníků." in page.text and "Vráceno k opravě" in page.text
    client.post_form(report_url, {
        "narrative": "Proběhly tři kurzy pro 45 rodičů.", f"spent-{items[0].id}": "30000",
        f"grant-{items[0].id}": "25000", "action": "submit"}, status=303)
    client.login(users.staff)
    client.post_form(staff_url, {"action": "review", "kind": "interim",
                                 "decision-interim": "approve"}, status=303)
    # The final report needs its documents.
    client.login(users.representative)
    final_url = f"/grants/applications/{approved.id}/reports/final"
    no_files = client.post_form(final_url, {
        "narrative": "Hotovo.", f"spent-{items[0].id}": "60000",
        f"grant-{items[0].id}": "40000", "action": "submit"}, status=422)
    assert "Přiložte doklady" in no_files.text
    client.post(f"{final_url}/files", {"csrf_token": client.csrf_token},
                upload_files=[("file", "vyuctovani.pdf", b"%PDF-1.7 vyuctovani")],
                headers={"Origin": ORIGIN}, status=303)
    client.post_form(final_url, {
        "narrative": "Hotovo.", f"spent-{items[0].id}": "60000",
        f"grant-{items[0].id}": "40000", "action": "submit"}, status=303)
    link = client.get(final_url).html.select_one("#files + ul a, #files ~ ul a")["href"]
    client.login(users.other_representative)
    client.get(link, status=404)
    client.login(users.staff)
    assert client.get(link).body == b"%PDF-1.7 vyuctovani"
    client.post_form(staff_url, {"action": "review", "kind": "final",
                                 "decision-final": "approve"}, status=303)
    # Closure waits for the last instalment.
    refused = client.post_form(staff_url, {"action": "close"}, status=409)
    assert "nebyla vyplacena" in refused.text
    final = approved.agreement.instalments[1]
    client.post_form(staff_url, {"action": "pay", "instalment": str(final.id),
                                 f"paid_on-{final.id}": dt.date.today().isoformat()},
                     status=303)
    client.post_form(staff_url, {"action": "close", "note": "Vše v pořádku."}, status=303)
    dbsession.refresh(approved.agreement)
    assert approved.agreement.status == "closed"
    assert _events(dbsession, approved) == [
        "agreement_issued", "agreement_accepted", "payment_recorded", "report_saved",
        "report_submitted", "report_returned", "report_saved", "report_submitted",
        "report_approved", "report_file_added", "report_saved", "report_submitted",
        "report_approved", "payment_recorded", "grant_closed"]
    subjects = [m.subject for m in dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == users.representative.email))]
    assert any("Grant uzavřen" in s for s in subjects)
    assert any("Zpráva o grantu vrácena" in s for s in subjects)
    client.login(users.representative)
    page = client.get(f"/grants/applications/{approved.id}/grant")
    assert "grants-closed" in page.text


def test_reports_wait_for_the_accepted_agreement(client, users, approved):
    client.login(users.representative)
    client.get(f"/grants/applications/{approved.id}/reports/final", status=404)
    _issue(client, users, approved, interim="")
    client.login(users.representative)
    client.get(f"/grants/applications/{approved.id}/reports/final", status=404)
    client.login(users.member)
    client.get(f"/grants/applications/{approved.id}/grant", status=404)
