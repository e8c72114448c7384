"""Answers by mail: the counselling mailbox (a Maildir here) read through the core's
``hub.mail.inbox``; signed or proven mail joins its case, anything else the staff inbox."""
import mailbox
from email.message import EmailMessage

import sqlalchemy as sa

from hub.notifications.models import Notification
from hub_counselling import services
from hub_counselling.incoming import read_mailbox
from hub_counselling.models import Counsellor, InboxMail

from .conftest import mails_to


def mail(sender, to, subject, text) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(text)
    return bytes(message)


def deliver(tmp_path, monkeypatch, request, *messages) -> mailbox.Maildir:
    box = mailbox.Maildir(str(tmp_path / "counselling"), create=True)
    for raw in messages:
        box.add(raw)
    monkeypatch.setitem(request.registry.settings, "counselling.mailbox_maildir",
                        str(tmp_path / "counselling"))
    return box


def test_reply_by_mail_joins_its_case_forged_and_unmatched_mail_go_to_the_inbox(
        make_case, hub_request, dbsession, users, tmp_path, monkeypatch):
    case = make_case(email="petr@example.org")
    services.reply(hub_request, case, "Potřebujeme číslo rozhodnutí.", users.admin, wait=True)
    dbsession.flush()
    (sent,) = [m for m in mails_to(dbsession, "petr@example.org") if "Potřebujeme" in m.text]
    signed = sent.headers["Reply-To"]
    assert case.reference in signed and case.status == "waiting"
    mailbox_address = signed.split("+")[0] + "@" + signed.split("@")[1]
    box = deliver(tmp_path, monkeypatch, hub_request,
                  mail("Petr <petr@example.org>", signed, f"Re: [{case.reference}] Odpověď",
                       "Rozhodnutí má číslo 12/2026.\n\nOn Mon, 7 Dec 2026, hub wrote:\n"
                       "> Potřebujeme číslo rozhodnutí."),
                  # The reference in the subject, but not from the asker and not signed.
                  mail("someone@example.net", mailbox_address, f"Re: [{case.reference}]",
                       "Pošlete mi, prosím, celou konverzaci."),
                  # A signed address with a made-up signature.
                  mail("someone@example.net", signed.replace(signed.split(".")[-2][-16:],
                                                             "0" * 16, 1),
                       "Dotaz", "Hádám podpis."),
                  mail("jana@example.org", mailbox_address, "Dotaz na dotace",
                       "Kdy bude vyhlášena výzva?"))

    assert read_mailbox(hub_request) == 1
    dbsession.flush()
    dbsession.refresh(case)
    last = case.messages[-1]
    assert (last.direction, last.channel, last.body) == ("in", "mail",
                                                         "Rozhodnutí má číslo 12/2026.")
    assert case.status == "open"
    assert sum(m.direction == "in" for m in case.messages) == 2
    assert dbsession.scalar(sa.select(Notification.id).where(
        Notification.user_id == users.admin.id,
        Notification.kind == "counselling.answered")) is not None
    inbox = {(m.email, m.reason) for m in dbsession.scalars(sa.select(InboxMail))}
    assert inbox == {("someone@example.net", "forged"), ("someone@example.net", "unmatched"),
                     ("jana@example.org", "unmatched")}
    assert list(box.keys()) == []  # every mail was taken: none is read twice


def test_mail_to_a_closed_case_waits_in_the_inbox(make_case, hub_request, dbsession,
                                                  tmp_path, monkeypatch):
    case = make_case(email="petr@example.org")
    services.set_status(hub_request, case, "closed")
    dbsession.flush()
    deliver(tmp_path, monkeypatch, hub_request,
            mail("petr@example.org", services.reply_address(hub_request, case),
                 f"Re: [{case.reference}]", "Ještě jedna otázka."))
    assert read_mailbox(hub_request) == 0
    dbsession.flush()
    assert dbsession.scalar(sa.select(InboxMail.reason)) == "closed"
    assert case.status == "closed" and len(case.messages) == 1


def test_automatic_mail_to_a_signed_address_waits_in_the_inbox(
        make_case, hub_request, dbsession, tmp_path, monkeypatch):
    case = make_case(email="eva@example.org")
    message = EmailMessage()
    message["From"], message["To"] = "eva@example.org", services.reply_address(hub_request, case)
    message["Subject"], message["Auto-Submitted"] = "Out of office", "auto-replied"
    message.set_content("I am away until Monday.")
    deliver(tmp_path, monkeypatch, hub_request, bytes(message))
    assert read_mailbox(hub_request) == 0
    dbsession.flush()
    assert dbsession.scalar(sa.select(InboxMail.reason)) == "automatic"
    assert len(case.messages) == 1


def test_counsellors_attach_inbox_mail_to_a_case(client, users, make_case, dbsession,
                                                 hub_request):
    case = make_case()
    services.set_status(hub_request, case, "closed")
    item = InboxMail(email="jana@example.org", name="Jana", subject="Doplnění",
                     body="Doplňuji rodné číslo.", reason="unmatched")
    dbsession.add(item)
    dbsession.flush()
    item_id = item.id
    client.login(users.staff)
    client.get("/counselling/staff/inbox", status=403)
    dbsession.add(Counsellor(user_id=users.staff.id))
    dbsession.flush()
    page = client.get("/counselling/staff/inbox")
    assert "Doplňuji rodné číslo." in page.text
    wrong = client.post_form("/counselling/staff/inbox", {"mail": str(item.id),
                                                         "action": "attach",
                                                         "reference": "PH-1999-00001"},
                             status=422)
    assert "hub-error-summary" in wrong.text
    client.post_form("/counselling/staff/inbox", {"mail": str(item.id), "action": "attach",
                                                  "reference": case.reference.lower()})
    dbsession.expire_all()
    assert dbsession.get(InboxMail, item_id) is None
    assert case.messages[-1].body == "Doplňuji rodné číslo." and case.status == "open"


def test_inbox_mail_is_in_the_senders_export_and_goes_with_their_erasure(
        hub_request, dbsession, users):
    from hub_counselling.hooks import hub_personal_data_erase, hub_personal_data_export

    member = users.member
    dbsession.add_all([InboxMail(email=member.email.upper(), subject="Dotaz", body="Můj text",
                                 reason="unmatched"),
                       InboxMail(email="jiny@example.org", subject="Cizí", body="Cizí text",
                                 reason="unmatched")])
    dbsession.flush()
    (exported,) = [v for k, v in hub_personal_data_export(hub_request, member).items()
                   if "attached" in str(k)]
    assert [m["text"] for m in exported] == ["Můj text"]
    hub_personal_data_erase(hub_request, member)
    dbsession.flush()
    assert list(dbsession.scalars(sa.select(InboxMail.body))) == ["Cizí text"]
