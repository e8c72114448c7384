"""Counsellors: who reads case texts, audited reads, replies, notes, hand-over, the API."""
import sqlalchemy as sa

from hub.notifications.models import Notification
from hub_counselling.models import Access, Counsellor

from .conftest import api_headers, mails_to

SECRET = "Text dotazu"


def reads(dbsession, case):
    return dbsession.scalar(sa.select(sa.func.count()).select_from(Access).where(
        Access.case_id == case.id, Access.action == "read"))


def test_staff_see_the_queue_but_only_counsellors_read_texts(client, users, make_case,
                                                             dbsession):
    case = make_case()
    client.login(users.staff)
    queue = client.get("/counselling/staff")
    assert case.reference in queue.text and SECRET not in queue.text
    page = client.get(f"/counselling/staff/{case.id}")
    assert SECRET not in page.text and "counselling-read" not in page.text
    client.post_form(f"/counselling/staff/{case.id}", {"action": "read"}, status=403)
    client.login(users.member)
    client.get("/counselling/staff", status=403)


def test_every_read_is_recorded_and_get_never_writes(client, users, make_case, dbsession):
    case = make_case()
    dbsession.add(Counsellor(user_id=users.staff.id))
    dbsession.flush()
    client.login(users.staff)
    page = client.get(f"/counselling/staff/{case.id}")
    assert SECRET not in page.text and reads(dbsession, case) == 0
    shown = page.forms["counselling-read"].submit(headers={"Origin": client.origin})
    assert SECRET in shown.text and "petr@example.org" in shown.text
    assert reads(dbsession, case) == 1
    entry = dbsession.scalar(sa.select(Access).where(Access.action == "read"))
    assert (entry.user_id, entry.reference) == (users.staff.id, case.reference)


def test_reply_from_the_case_page_is_mailed_with_reference_and_reply_to(
        client, users, make_case, dbsession):
    case = make_case()
    client.login(users.admin)
    page = client.post_form(f"/counselling/staff/{case.id}", {"action": "read"})
    form = page.forms["counselling-reply"]
    form["body"] = "Ano, máte nárok. ${reference} zůstává doslova."
    form.submit("action", value="reply", headers={"Origin": client.origin}, status=303)
    dbsession.refresh(case)
    assert case.status == "answered" and case.first_reply_at is not None
    assert case.assignee_id == users.admin.id
    ack, answer = mails_to(dbsession, "petr@example.org")
    assert answer.subject == f"[{case.reference}] Odpověď na váš dotaz: Dotaz"
    assert answer.text.startswith("Ano, máte nárok. ${reference} zůstává doslova.")
    assert answer.headers["Reply-To"].startswith(f"hub+{case.reference}.")
    assert f"/counselling/case/{case.id}." in answer.text


def test_notes_stay_internal(client, users, make_case, dbsession):
    case = make_case()
    client.login(users.admin)
    client.post_form(f"/counselling/staff/{case.id}", {"action": "note",
                                                       "body": "Zavolat na VZP."}, status=303)
    dbsession.refresh(case)
    assert [m.direction for m in case.messages] == ["in", "note"]
    assert case.status == "open" and case.first_reply_at is None
    assert len(mails_to(dbsession, "petr@example.org")) == 1  # the acknowledgement only
    from hub_counselling.services import link_token

    client.logout()
    assert "Zavolat na VZP" not in client.get(f"/counselling/case/{link_token(case)}").text


def test_empty_reply_is_a_form_error(client, users, make_case, dbsession):
    case = make_case()
    client.login(users.admin)
    page = client.post_form(f"/counselling/staff/{case.id}", {"action": "reply", "body": " "},
                            status=422)
    assert "Napište text." in page.text
    assert len(case.messages) == 1


def test_hand_over_to_a_counsellor_notifies_them(client, users, make_case, dbsession):
    case = make_case()
    dbsession.add(Counsellor(user_id=users.staff.id))
    dbsession.flush()
    client.login(users.admin)
    client.post_form(f"/counselling/staff/{case.id}", {"action": "assign",
                                                       "assignee": str(users.member.id)},
                     status=422)
    client.post_form(f"/counselling/staff/{case.id}", {"action": "assign",
                                                       "assignee": str(users.staff.id)},
                     status=303)
    dbsession.refresh(case)
    assert case.assignee_id == users.staff.id and case.status == "open"
    note = dbsession.scalar(sa.select(Notification).where(
        Notification.user_id == users.staff.id, Notification.kind == "counselling.handed_over"))
    assert case.reference in note.subject
    mine = client.get("/counselling/staff", {"assignee": str(users.staff.id)})
    assert case.reference in mine.text
    assert case.reference not in client.get("/counselling/staff", {"assignee": "nobody"}).text


def test_queue_filters_by_category_and_status(client, users, make_case, dbsession):
    grants = make_case(category="grants")
    rights = make_case(category="patients_rights")
    client.login(users.staff)
    page = client.get("/counselling/staff", {"category": "grants"})
    assert grants.reference in page.text and rights.reference not in page.text
    rights.status = "closed"
    dbsession.flush()
    assert rights.reference not in client.get("/counselling/staff").text
    assert rights.reference in client.get("/counselling/staff", {"status": "closed"}).text


def test_api_get_gives_the_thread_and_records_the_read(client, users, make_case, dbsession):
    case = make_case()
    client.login(users.admin)
    url = f"/api/v1/counselling/cases/{case.id}"
    meta = client.get(url, {"texts": "false"}).json
    assert meta["reference"] == case.reference and meta["subject"] is None
    assert [m["body"] for m in meta["thread"]] == [None] and reads(dbsession, case) == 0
    client.get(url, {"texts": "maybe"}, status=422)
    full = client.get(url).json
    assert [m["body"] for m in full["thread"]] == [SECRET]
    assert full["asker"]["email"] == "petr@example.org" and reads(dbsession, case) == 1
    client.post(url, headers=api_headers(client))
    assert reads(dbsession, case) == 2


def test_api_reply_is_201_and_mailed(client, users, make_case, dbsession):
    case = make_case()
    client.login(users.admin)
    url = f"/api/v1/counselling/cases/{case.id}/replies"
    client.post_json(url, {"body": ""}, headers=api_headers(client), status=422)
    response = client.post_json(url, {"body": "Odpověď z API"}, headers=api_headers(client),
                                status=201)
    assert response.json["reference"] == case.reference
    full = client.post(f"/api/v1/counselling/cases/{case.id}", headers=api_headers(client))
    assert [(m["direction"], m["body"]) for m in full.json["thread"]] == [
        ("in", SECRET), ("out", "Odpověď z API")]
    assert mails_to(dbsession, "petr@example.org")[-1].subject.startswith(f"[{case.reference}]")


def test_api_refuses_non_counsellors(client, users, make_case):
    case = make_case()
    client.login(users.staff)
    url = f"/api/v1/counselling/cases/{case.id}"
    assert client.get(url, status=403).json["error"]["code"] == "forbidden"
    client.post_json(url + "/replies", {"body": "x"}, headers=api_headers(client), status=403)
    client.login(users.member)
    client.get(url, status=403)
    client.login(users.admin)
    client.get("/api/v1/counselling/cases/999999", status=404)


def test_a_reply_that_asks_for_more_waits_for_the_asker(client, users, make_case, dbsession):
    from hub_counselling.services import link_token

    case = make_case()
    client.login(users.admin)
    client.post_form(f"/counselling/staff/{case.id}", {"action": "reply_wait",
                                                       "body": "Kterou pojišťovnu máte?"},
                     status=303)
    dbsession.refresh(case)
    assert case.status == "waiting"
    client.logout()
    client.post_form(f"/counselling/case/{link_token(case)}", {"body": "VZP."}, status=303)
    dbsession.refresh(case)
    assert case.status == "open"
    assert [m.direction for m in case.messages] == ["in", "out", "in"]
