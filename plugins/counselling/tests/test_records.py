"""Export and erasure, retention, reminders, statistics, reply templates, Czech."""
import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from hub.db import utcnow
from hub.notifications.models import Notification
from hub_counselling.models import Access, Case, ReplyTemplate


def test_export_holds_my_cases_without_notes_and_nobody_elses(make_case, users, hub_request,
                                                              dbsession):
    from hub_counselling.hooks import hub_personal_data_export
    from hub_counselling.services import note

    mine = make_case(user=users.member, message="Moje otázka")
    by_address = make_case(email=users.member.email, message="Bez přihlášení")
    make_case(user=users.representative, message="Cizí otázka")
    note(hub_request, mine, "Interní", users.admin)
    [(section, cases)] = hub_personal_data_export(hub_request, users.member).items()
    assert sorted(c["reference"] for c in cases) == sorted([mine.reference,
                                                            by_address.reference])
    texts = [m["text"] for c in cases for m in c["thread"]]
    assert sorted(texts) == ["Bez přihlášení", "Moje otázka"]
    assert hub_personal_data_export(hub_request, users.admin) == {section: []}


def test_erasure_deletes_the_askers_cases_and_keeps_the_trail(make_case, users, hub_request,
                                                              dbsession):
    from hub_counselling.hooks import hub_personal_data_erase

    mine = make_case(user=users.member)
    assigned = make_case()
    assigned.assignee_id = users.staff.id
    dbsession.flush()
    reference = mine.reference
    hub_personal_data_erase(hub_request, users.member)
    hub_personal_data_erase(hub_request, users.staff)
    dbsession.expire_all()
    assert dbsession.scalar(sa.select(Case).where(Case.reference == reference)) is None
    assert dbsession.get(Case, assigned.id).assignee_id is None
    assert dbsession.scalar(sa.select(Access.action).where(Access.reference == reference)) \
        == "erased"


def test_retention_deletes_cases_long_closed(make_case, hub_request, dbsession):
    from hub_counselling.jobs import retention

    old, recent, open_ = make_case(), make_case(), make_case()
    old.status = recent.status = "closed"
    old.closed_at = utcnow() - dt.timedelta(days=3 * 365 + 1)
    recent.closed_at = utcnow() - dt.timedelta(days=10)
    open_.created_at = utcnow() - dt.timedelta(days=5000)
    dbsession.flush()
    ids = (old.id, recent.id, open_.id)
    assert retention(hub_request) == 1
    dbsession.expire_all()
    assert [dbsession.get(Case, i) is not None for i in ids] == [False, True, True]


def test_reminders_before_due_go_once_to_the_assignee_or_the_counsellors(
        make_case, users, hub_request, dbsession):
    from hub_counselling.jobs import remind_due

    assigned, unassigned, later = make_case(), make_case(), make_case()
    assigned.assignee_id = users.admin.id
    assigned.due_at = unassigned.due_at = utcnow() + dt.timedelta(days=2)
    dbsession.flush()
    assert remind_due(hub_request) == 2
    assert remind_due(hub_request) == 0
    notes = dbsession.scalars(sa.select(Notification).where(
        Notification.kind == "counselling.due")).all()
    assert sorted(n.subject.split()[1] for n in notes) == sorted(
        [assigned.reference, unassigned.reference])  # the admin is the only counsellor
    assert later.reminded_at is None


def test_statistics_by_category_and_month_median_and_share_in_time(
        client, users, make_case, dbsession):
    from hub_counselling.staff import case_statistics

    now = utcnow()
    fast, slow, waiting = make_case(category="grants"), make_case(), make_case()
    fast.created_at = now - dt.timedelta(days=40)
    fast.due_at, fast.first_reply_at = now - dt.timedelta(days=10), now - dt.timedelta(days=38)
    slow.created_at = now - dt.timedelta(days=40)
    slow.due_at, slow.first_reply_at = now - dt.timedelta(days=10), now - dt.timedelta(days=5)
    waiting.due_at = now - dt.timedelta(days=1)  # past due without an answer
    dbsession.flush()
    stats = case_statistics(type("R", (), {"dbsession": dbsession})())
    assert stats["total"] == 3 and stats["median_days"] == 18.5
    assert stats["in_time_share"] == 33
    assert sum(counts["grants"] for _m, counts in stats["months"]) == 3
    client.login(users.staff)
    page = client.get("/counselling/staff/statistics")
    assert "18,5" in page.text or "18.5" in page.text


def test_reply_templates_in_czech_and_english(client, users, make_case, dbsession):
    case = make_case()
    client.login(users.admin)
    client.post_form("/counselling/staff/templates", {"title": "", "language": "de",
                                                      "body": ""}, status=422)
    client.post_form("/counselling/staff/templates", {
        "title": "Lázně", "language": "cs", "body": "Dobrý den, o lázních rozhoduje lékař."},
        status=303)
    client.post_form("/counselling/staff/templates", {
        "title": "Spa", "language": "en", "body": "Hello, your doctor decides."}, status=303)
    template = dbsession.scalar(sa.select(ReplyTemplate).where(ReplyTemplate.title == "Spa"))
    page = client.post_form(f"/counselling/staff/{case.id}", {"action": "template",
                                                              "template": str(template.id)})
    assert "Hello, your doctor decides.</textarea>" in page.text
    client.login(users.staff)
    client.get("/counselling/staff/templates", status=403)


def test_administrators_appoint_counsellors(client, users, make_case, dbsession):
    case = make_case()
    client.login(users.admin)
    client.post_form("/counselling/staff/counsellors", {"user": str(users.staff.id),
                                                        "action": "grant"}, status=303)
    client.post_form("/counselling/staff/counsellors", {"user": str(users.member.id),
                                                        "action": "grant"}, status=404)
    client.login(users.staff)
    client.post_form(f"/counselling/staff/{case.id}", {"action": "read"}, status=200)


def test_czech_catalogue_has_no_empty_translation():
    from babel.messages.pofile import read_po

    import hub_counselling

    po = Path(hub_counselling.__file__).parent / "locale" / "cs" / "LC_MESSAGES" / \
        "hub_counselling.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale="cs")
    assert len([m for m in catalog if m.id]) > 100
    assert [m.id for m in catalog if m.id and not m.string] == []


def test_pages_in_english(client):
    client.set_cookie("hub_lang", "en")
    page = client.get("/counselling")
    assert "Ask for advice" in page.text and "I explicitly agree" in page.text
