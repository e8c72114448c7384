"""Applications: own organisation only, budget rules, deadline in Prague time, one per
organisation, confirmation with a PDF, files through hub.storage."""
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import time_machine
from conftest import api_headers

from hub.mail import MailMessage


def _draft(client, users, call, **body):
    client.login(users.representative)
    body = {"title": "Kurz pro rodiče", "amount_requested": "50000", "summary": "Kurzy.", **body}
    return client.post_json(f"/api/v1/grants/calls/{call.id}/applications", body,
                            headers=api_headers(client), expect_errors=True)


def _budget(client, app_id, amount="90000"):
    return client.post_form(f"/grants/applications/{app_id}", {
        "title": "Kurz pro rodiče", "summary": "Kurzy pro rodiče dětí s diabetem.",
        "amount_requested": "50000", "item_desc_0": "Lektoři", "item_amount_0": amount,
        "action": "save"}, status=303)


def test_public_call_page_in_both_languages(client, make_call):
    call = make_call()
    page = client.get(f"/grants/calls/{call.id}")
    assert "Malé granty" in page.text and "Přínos" in page.text
    client.set_cookie("hub_lang", "en")
    assert "Small grants" in client.get(f"/grants/calls/{call.id}").text
    assert client.get("/api/v1/grants/calls").json["items"][0]["max_amount"] == "100000.00"


def test_api_calls_are_a_collection_with_next_offset(client, make_call):
    later = make_call(deadline=dt.datetime.now(dt.UTC) + dt.timedelta(days=20))
    sooner = make_call()
    listed = client.get("/api/v1/grants/calls").json
    assert [c["id"] for c in listed["items"]] == [later.id, sooner.id]
    assert (listed["total"], listed["offset"], listed["next_offset"]) == (2, 0, None)
    first = client.get("/api/v1/grants/calls", {"limit": 1}).json
    assert first["items"][0]["id"] == later.id and first["next_offset"] == 1
    second = client.get("/api/v1/grants/calls", {"limit": 1,
                                                 "offset": first["next_offset"]}).json
    assert second["items"][0]["id"] == sooner.id and second["next_offset"] is None
    awarded = client.get("/api/v1/grants/awarded").json
    assert (awarded["items"], awarded["total"], awarded["next_offset"]) == ([], 0, None)


def test_draft_submit_and_confirmation_with_pdf(client, users, make_call, dbsession):
    call = make_call()
    response = _draft(client, users, call)
    assert response.status_int == 201 and response.json["status"] == "draft"
    app_id = response.json["id"]
    _budget(client, app_id)
    page = client.post_form(f"/grants/applications/{app_id}", {
        "title": "Kurz pro rodiče", "summary": "Kurzy.", "amount_requested": "50000",
        "item_desc_0": "Lektoři", "item_amount_0": "90000", "action": "submit"}, status=303)
    assert page.status_int == 303
    mail = dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == users.representative.email)).all()[-1]
    assert mail.attachments[0]["content_type"] == "application/pdf"
    import base64

    assert base64.b64decode(mail.attachments[0]["data"]).startswith(b"%PDF")
    pdf = client.get(f"/grants/applications/{app_id}/pdf")
    assert pdf.body.startswith(b"%PDF")


def test_cofinancing_and_maximum_are_checked(client, users, make_call):
    call = make_call()
    app_id = _draft(client, users, call).json["id"]
    _budget(client, app_id, amount="52000")  # own sources 2000 < 10 % of 52000
    page = client.post_form(f"/grants/applications/{app_id}", {
        "title": "Kurz", "summary": "Kurzy.", "amount_requested": "50000",
        "item_desc_0": "Lektoři", "item_amount_0": "52000", "action": "submit"}, status=422)
    assert "vlastních zdrojů" in page.text
    refused = client.post_json(f"/api/v1/grants/applications/{app_id}/submit", {},
                               headers=api_headers(client), expect_errors=True)
    assert refused.status_int == 422


def test_only_for_own_organisation(client, users, make_call):
    call = make_call()
    response = _draft(client, users, call, organisation_id=users.other_organisation.id)
    assert response.status_int == 403
    app_id = _draft(client, users, call).json["id"]
    client.login(users.other_representative)
    assert client.get(f"/grants/applications/{app_id}", status=404).status_int == 404
    assert client.post_json(f"/api/v1/grants/applications/{app_id}/submit", {},
                            headers=api_headers(client), expect_errors=True).status_int == 404
    client.login(users.member)
    assert client.post_json(f"/api/v1/grants/calls/{call.id}/applications", {"title": "x"},
                            headers=api_headers(client), expect_errors=True).status_int == 403


def test_one_application_per_organisation(client, users, make_call):
    call = make_call()
    assert _draft(client, users, call).status_int == 201
    second = _draft(client, users, call)
    assert second.status_int == 409
    page = client.post_form(f"/grants/calls/{call.id}/apply",
                            {"organisation": str(users.organisation.id)}, status=303)
    assert "/grants/calls/" in page.location
    allowed = make_call(multiple=True)
    assert _draft(client, users, allowed).status_int == 201
    assert _draft(client, users, allowed).status_int == 201


def test_deadline_is_enforced_in_prague_time(client, users, make_call, dbsession):
    prague = ZoneInfo("Europe/Prague")
    deadline = dt.datetime(2027, 3, 31, 23, 59, tzinfo=prague)
    with time_machine.travel(dt.datetime(2027, 3, 20, 12, 0, tzinfo=prague), tick=False):
        call = make_call(deadline=deadline.astimezone(dt.UTC),
                         opens=dt.datetime(2027, 3, 1, tzinfo=prague).astimezone(dt.UTC))
        app_id = _draft(client, users, call).json["id"]
        _budget(client, app_id)
    # 23:59 Prague is 21:59 UTC in summer time: one minute earlier still counts...
    with time_machine.travel(dt.datetime(2027, 3, 31, 23, 58, 59, tzinfo=prague), tick=False):
        other = make_call(deadline=deadline.astimezone(dt.UTC),
                          opens=dt.datetime(2027, 3, 1, tzinfo=prague).astimezone(dt.UTC),
                          multiple=True)
        on_time = _draft(client, users, other).json["id"]
        _budget(client, on_time)
        ok = client.post_json(f"/api/v1/grants/applications/{on_time}/submit", {},
                              headers=api_headers(client))
        assert ok.json["status"] == "submitted"
    # ...and at the deadline itself the server refuses.
    with time_machine.travel(dt.datetime(2027, 3, 31, 23, 59, 0, tzinfo=prague), tick=False):
        late = client.post_json(f"/api/v1/grants/applications/{app_id}/submit", {},
                                headers=api_headers(client), expect_errors=True)
        assert late.status_int == 409
        assert "Uzávěrka uplynula" in late.json["error"]["message"]


def test_attachments_through_storage(client, users, make_call):
    call = make_call(documents=[{"cs": "Stanovy", "en": "Statutes"}])
    app_id = _draft(client, users, call).json["id"]
    page = client.post(f"/grants/applications/{app_id}/attachments",
                       {"slot": "doc:0", "csrf_token": client.csrf_token},
                       upload_files=[("file", "stanovy.pdf", b"MZ\x90\x00not a pdf\x00")],
                       headers={"Origin": ORIGIN_}, status=422)
    assert "Tento typ souboru" in page.text
    done = client.post(f"/grants/applications/{app_id}/attachments",
                       {"slot": "doc:0", "csrf_token": client.csrf_token},
                       upload_files=[("file", "stanovy.pdf", b"%PDF-1.7 stanovy")],
                       headers={"Origin": ORIGIN_}, status=303)
    assert done.status_int == 303
    page = client.get(f"/grants/applications/{app_id}")
    link = page.html.select_one("#attachments + ul a")["href"]
    download = client.get(link)
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.body == b"%PDF-1.7 stanovy"
    client.login(users.other_representative)
    client.get(link, status=404)


ORIGIN_ = "https://hub.example.org"
