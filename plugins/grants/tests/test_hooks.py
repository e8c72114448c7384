"""What grants gives the rest of the hub: the organisation's workspace, My hub, the
profile, search, OpenAPI, indicators, export and erasure, the newsletter invitation."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from hub.db import utcnow
from hub.testing import html_text


def api_headers(client):
    return {"X-CSRF-Token": client.csrf_token, "Origin": "https://hub.example.org"}


def _application(dbsession, users, call, **kw):
    from hub_grants.models import Application

    application = Application(call_id=call.id, organisation_id=users.organisation.id,
                              applicant_id=users.representative.id, **kw)
    dbsession.add(application)
    dbsession.flush()
    return application


def test_workspace_my_hub_and_profile(client, users, make_call, dbsession):
    from hub_grants.models import Agreement

    call = make_call()
    _application(dbsession, users, call, title="Rozepsaný projekt")
    past = make_call(opens=utcnow() - dt.timedelta(days=60),
                     deadline=utcnow() - dt.timedelta(days=30))
    awarded = _application(dbsession, users, past, title="Podpořený projekt",
                           status="approved", submitted_at=past.opens_at,
                           amount_requested=Decimal("50000"), approved_amount=Decimal("40000"),
                           decided_at=utcnow())
    dbsession.add(Agreement(application_id=awarded.id, number="2026/1", amount=Decimal("40000"),
                            final_report_due=dt.date(2027, 12, 31), document_key="x",
                            document_sha256="0" * 64))
    dbsession.flush()
    client.login(users.representative)
    workspace = html_text(client.get(f"/organisation/{users.organisation.id}"))
    assert "Žádosti o granty" in workspace and "Podpořený projekt" in workspace
    assert "Přijměte smlouvu." in workspace
    my_hub = html_text(client.get("/my"))
    assert "Žádosti o granty a zprávy" in my_hub
    assert "Rozepsaný projekt" in my_hub and "Podat do" in my_hub
    assert "Přijměte smlouvu." in my_hub
    assert "Rozepsaný projekt" in html_text(client.get("/profile"))
    client.set_cookie("hub_lang", "en")
    assert "Accept the agreement." in html_text(client.get("/my"))
    # Another organisation's people see none of it.
    client.login(users.other_representative)
    assert "Rozepsaný projekt" not in html_text(client.get("/my"))
    assert "Rozepsaný projekt" not in html_text(client.get("/profile"))
    client.login(users.staff)
    assert "Podpořený projekt" in html_text(
        client.get(f"/organisation/{users.organisation.id}"))


def test_search_finds_published_calls_only(make_call, dbsession, hub_request):
    from hub.search.query import search

    call = make_call()
    call.title_cs, call.description_cs = "Granty na vzdělávání pacientů", "Kurzy a semináře."
    call.faq = [{"q_cs": "Lze hradit tlumočení?", "a_cs": "Ano.", "q_en": "", "a_en": ""}]
    hidden = make_call()
    hidden.title_cs, hidden.published = "Granty na vzdělávání lékařů", False
    dbsession.flush()
    assert [r.title for r in search(hub_request, "vzdelavani").results] == [
        "Granty na vzdělávání pacientů"]
    assert [r.title for r in search(hub_request, "tlumoceni").results] == [
        "Granty na vzdělávání pacientů"]
    hidden.published = True
    dbsession.flush()
    assert len(search(hub_request, "VZDĚLÁVÁNÍ").results) == 2


def test_openapi_describes_the_grants_api(client):
    document = client.get("/api/v1/openapi.json").json
    for path, method in (("/grants/calls", "get"), ("/grants/calls", "post"),
                         ("/grants/calls/{id}/applications", "post"),
                         ("/grants/applications/{id}/submit", "post"),
                         ("/grants/applications/{id}/reviews", "post"),
                         ("/grants/applications/{id}/decision", "post"),
                         ("/grants/awarded", "get")):
        assert method in document["paths"][path], (path, method)


def test_openapi_samples_of_the_grants_bodies_are_accepted(client, users, make_call,
                                                           dbsession):
    from conftest import api_headers

    from hub.api.samples import sample_body
    from hub_grants.models import Application

    document = client.get("/api/v1/openapi.json").json
    paths = document["paths"]

    def sample(path):
        return sample_body(document, paths[path]["post"])

    call_body = sample("/grants/calls")
    assert call_body["opens_at"] < call_body["deadline_at"]
    assert sample("/grants/applications/{id}/decision") == {"approved": False,
                                                           "reason": "Example"}
    assert set(sample("/grants/applications/{id}/reviews")) == {"conflict_of_interest",
                                                                "scores"}
    client.login(users.staff)
    created = client.post_json("/api/v1/grants/calls", call_body,
                               headers=api_headers(client), status=201).json
    assert created["criteria"][0]["max_score"] == 1 and created["published"] is False
    call = make_call()
    client.login(users.representative)
    draft = client.post_json(f"/api/v1/grants/calls/{call.id}/applications",
                             sample("/grants/calls/{id}/applications"),
                             headers=api_headers(client), status=201).json
    submitted = dbsession.get(Application, draft["id"])
    submitted.status, submitted.submitted_at = "submitted", utcnow()
    dbsession.flush()
    client.login(users.staff)
    decided = client.post_json(f"/api/v1/grants/applications/{draft['id']}/decision",
                               sample("/grants/applications/{id}/decision"),
                               headers=api_headers(client)).json
    assert decided["status"] == "rejected"


def test_indicators_report_money_in_czk_with_definitions(hub_request, users, make_call,
                                                        dbsession):
    from hub_grants.indicators import indicators

    call = make_call()
    now = utcnow()
    _application(dbsession, users, call, title="A", status="submitted", submitted_at=now,
                 amount_requested=Decimal("50000.40"))
    _application(dbsession, users, make_call(multiple=True), title="B", status="approved",
                 submitted_at=now, decided_at=now, amount_requested=Decimal("30000"),
                 approved_amount=Decimal("25000.50"))
    _application(dbsession, users, make_call(), title="Koncept",
                 amount_requested=Decimal("99999"))
    figures = {i.key: i for i in indicators(hub_request, now - dt.timedelta(days=1),
                                            now + dt.timedelta(days=1))}
    requested, awarded = figures["grants_requested"], figures["grants_awarded"]
    assert requested.value == 80000 and awarded.value == 25001  # whole crowns, drafts left out
    for figure in (requested, awarded):
        assert hub_request.localizer.translate(figure.unit) == "Kč"
        assert len(hub_request.localizer.translate(figure.definition)) > 60
    assert dict((k, v) for k, _l, v in requested.breakdown)["applications"] == 2
    assert dict((k, v) for k, _l, v in awarded.breakdown) == {"grants": 1, "organisations": 1}


def test_export_and_erase_keep_agreements_and_reports_without_the_person(
        dbsession, hub_request, users, make_call):
    from hub_grants.hooks import hub_personal_data_erase, hub_personal_data_export
    from hub_grants.models import Agreement, Report

    call = make_call()
    application = _application(dbsession, users, call, title="Kurz", status="approved",
                               submitted_at=utcnow(), approved_amount=Decimal("1000"),
                               decided_at=utcnow())
    agreement = Agreement(application_id=application.id, number="2026/9", amount=Decimal(1000),
                          final_report_due=dt.date(2027, 1, 1), document_key="k",
                          document_sha256="a" * 64, status="accepted", accepted_at=utcnow(),
                          accepted_by_id=users.representative.id, accepted_sha256="a" * 64)
    report = Report(application_id=application.id, kind="final", status="submitted",
                    submitted_at=utcnow(), submitted_by_id=users.representative.id,
                    narrative="Hotovo")
    dbsession.add_all([agreement, report])
    dbsession.flush()
    exported = hub_personal_data_export(hub_request, users.representative)
    sections = {hub_request.localizer.translate(k): v for k, v in exported.items()}
    assert sections["Smlouvy o grantu, které jsem přijal(a)"][0]["number"] == "2026/9"
    assert sections["Zprávy o grantech, které jsem podal(a)"][0]["kind"] == "final"
    hub_personal_data_erase(hub_request, users.representative)
    dbsession.refresh(agreement)
    dbsession.refresh(report)
    assert agreement.accepted_by_id is None and agreement.accepted_sha256 == "a" * 64
    assert report.submitted_by_id is None and report.narrative == "Hotovo"


def test_newsletter_drafts_an_invitation_to_a_call(make_app, make_testapp, users, make_call,
                                                   dbsession):
    from hub_newsletter.models import Campaign

    call = make_call()
    alone = make_testapp(make_app("grants"))
    alone.login(users.staff)
    assert "Připravit pozvánku" not in alone.get(f"/grants/staff/calls/{call.id}").text
    alone.post_form(f"/grants/staff/calls/{call.id}", {"action": "invite"}, status=404)
    client = make_testapp(make_app("grants", "newsletter"))
    client.login(users.staff)
    page = client.get(f"/grants/staff/calls/{call.id}")
    assert "Připravit pozvánku" in page.text
    done = client.post_form(f"/grants/staff/calls/{call.id}", {"action": "invite"}, status=303)
    campaign = dbsession.scalars(sa.select(Campaign).order_by(Campaign.id.desc())).first()
    assert done.location.endswith(f"/admin/campaigns/{campaign.id}/edit")
    assert campaign.status == "draft"
    assert "Malé granty" in campaign.subject
    assert f"https://hub.example.org/grants/calls/{call.id}" in campaign.body
    assert "100 000,00" in campaign.body.replace("\xa0", " ")  # babel's narrow spaces
    assert campaign.body.startswith("${salutation},")
    edit = client.get(done.location)
    assert edit.status_int == 200 and "Pozvánka k výzvě byla připravena" in edit.text
    from hub_grants.models import GrantEvent

    assert "invitation_prepared" in set(dbsession.scalars(
        sa.select(GrantEvent.action).where(GrantEvent.call_id == call.id)))
    client.set_cookie("hub_lang", "en")
    client.post_form(f"/grants/staff/calls/{call.id}", {"action": "invite"}, status=303)
    english = dbsession.scalars(sa.select(Campaign).order_by(Campaign.id.desc())).first()
    # Drafted in Czech with the English version beside it, whoever drafts it.
    assert english.subject_en.startswith("Call for grant")


def test_api_still_takes_structured_call_lists(client, users):
    client.login(users.staff)
    created = client.post_json("/api/v1/grants/calls", {
        "title_cs": "Výzva", "description_cs": "Popis", "budget": "100000",
        "max_amount": "50000", "opens_at": "2027-01-01T00:00", "deadline_at": "2027-02-01T00:00",
        "eligible_kinds": ["ngo"],
        "criteria": [{"name_cs": "Přínos", "weight": 1, "max_score": 5}],
        "documents": [{"cs": "Stanovy", "en": "Statutes"}],
        "questions": [{"key": "kind", "type": "choice", "cs": "Druh", "choices": ["a", "b"]}],
        "faq": [{"q_cs": "Otázka?", "a_cs": "Odpověď."}]}, headers=api_headers(client))
    assert created.status_int == 201
    assert created.json["questions"][0]["choices"] == ["a", "b"]
    assert created.json["faq"][0]["a_cs"] == "Odpověď."
