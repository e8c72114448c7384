"""The contact relay: signed-in people write to an organisation or to a person who chose to
be reachable; no address is shown to the sender; senders are rate-limited; recipients
report abuse and staff block the sender; texts are kept only for the reporting period."""
import datetime as dt
import re

import sqlalchemy as sa

from hub.consent import Subject, give, withdraw
from hub.db import utcnow
from hub.mail import MailMessage
from hub.organizations.network_models import RelayBlock, RelayMessage
from hub.organizations.relay import REACHABLE_PURPOSE, apply_retention
from hub.testing import html_text


def mails_to(dbsession, address):
    dbsession.expire_all()
    return list(dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == address).order_by(MailMessage.id)))


def relayed(dbsession):
    dbsession.expire_all()
    return list(dbsession.scalars(sa.select(RelayMessage).order_by(RelayMessage.id)))


def send(testapp, url, subject="Spolupráce", text="Dobrý den, rádi bychom spolupracovali.",
         status=303):
    form = testapp.get(url).forms["contact-form"]
    form["subject"], form["text"] = subject, text
    return form.submit(status=status)


def reachable(hook_request, user):
    request = hook_request(user)
    give(request, Subject.of_user(user), REACHABLE_PURPOSE.key, REACHABLE_PURPOSE.text_version,
         "form")


def report_link(mail):
    return re.search(r"https?://[^\s]+/contact/report/[A-Za-z0-9_-]+", mail.text).group(0)


def test_writing_to_an_organisation_reaches_its_representatives_without_addresses(
        testapp, users, dbsession):
    org = users.organisation
    testapp.login(users.other_representative)
    profile = html_text(testapp.get(f"/crm/organisations/{org.slug}"))
    assert "Napsat této organizaci" in profile
    page = testapp.get(f"/contact/organisation/{org.id}")
    text = html_text(page)
    assert "uvidíte, jen pokud vám odpoví" in text
    assert users.representative.email not in page.text
    send(testapp, f"/contact/organisation/{org.id}").follow()
    (mail,) = mails_to(dbsession, users.representative.email)
    assert mail.subject == "Zpráva přes hub: Spolupráce"
    assert mail.headers["Reply-To"] == "Olga Jiná <rep2@test.example>"
    assert "Dobrý den, rádi bychom spolupracovali." in mail.text
    assert "/contact/report/" in mail.text
    (message,) = relayed(dbsession)
    assert (message.kind, message.sender_id, message.organisation_id) == (
        "organisation", users.other_representative.id, org.id)
    assert message.mail_ids == [mail.id]


def test_only_signed_in_people_write_and_bad_input_is_refused(testapp, users, dbsession):
    org = users.organisation
    anonymous = testapp.get(f"/crm/organisations/{org.slug}")
    assert f"/login?next=%2Fcontact%2Forganisation%2F{org.id}" in anonymous.text
    testapp.get(f"/contact/organisation/{org.id}", status=(302, 303, 403))
    testapp.login(users.member)
    page = send(testapp, f"/contact/organisation/{org.id}", subject="", text="x" * 3001,
                status=422)
    assert "Vyplňte toto pole." in html_text(page)
    assert relayed(dbsession) == []
    # An organisation nobody can be reached at has no form.
    users.other_organisation.email = ""
    dbsession.execute(sa.text("DELETE FROM membership WHERE organisation_id = :o"),
                      {"o": users.other_organisation.id})
    dbsession.flush()
    testapp.get(f"/contact/organisation/{users.other_organisation.id}", status=404)


def test_a_person_is_reachable_only_with_their_consent(testapp, users, dbsession,
                                                       hook_request):
    person = users.member
    testapp.login(users.other_representative)
    testapp.get(f"/contact/person/{person.id}", status=404)
    reachable(hook_request, person)
    dbsession.flush()
    send(testapp, f"/contact/person/{person.id}").follow()
    (mail,) = mails_to(dbsession, person.email)
    assert "Olga Jiná vám napsal(a) přes hub" in mail.text
    # Withdrawn on My consents: the form is gone at once.
    withdraw(hook_request(person), Subject.of_user(person), REACHABLE_PURPOSE.key, "form")
    dbsession.flush()
    testapp.get(f"/contact/person/{person.id}", status=404)
    # Nobody writes to themself.
    testapp.login(person)
    testapp.get(f"/contact/person/{person.id}", status=404)


def test_my_consents_offers_being_reachable(testapp, users, dbsession):
    testapp.login(users.member)
    page = testapp.get("/my/consents")
    assert "Mohou mi psát ostatní v hubu" in html_text(page)


def test_senders_are_rate_limited(testapp, users, dbsession):
    org = users.organisation
    testapp.login(users.member)
    for _i in range(5):
        send(testapp, f"/contact/organisation/{org.id}")
    page = send(testapp, f"/contact/organisation/{org.id}", status=429)
    assert "V poslední době jste poslali mnoho zpráv" in html_text(page)
    assert len(relayed(dbsession)) == 5


def test_a_report_lets_staff_block_the_sender(testapp, users, dbsession):
    org = users.organisation
    testapp.login(users.member)
    send(testapp, f"/contact/organisation/{org.id}", subject="Nákup", text="Kupte si!")
    link = report_link(mails_to(dbsession, users.representative.email)[0])
    # The recipient reports by the link, signed in or not.
    testapp.logout()
    form = testapp.get(link).forms["report-form"]
    form["note"] = "Reklama."
    assert "Děkujeme" in html_text(form.submit())
    assert "už byla týmu hubu nahlášena" in html_text(testapp.get(link))
    (message,) = relayed(dbsession)
    assert (message.report_state, message.report_note) == ("open", "Reklama.")
    testapp.get("/contact/report/not-a-real-token", status=404)

    testapp.login(users.staff)
    page = testapp.get("/admin/messages")
    assert "Kupte si!" in page.text and "Reklama." in page.text
    testapp.post_form(f"/admin/messages/{message.id}",
                      {"action": "block", "reason": "Reklama"}).follow()
    dbsession.expire_all()
    assert dbsession.get(RelayBlock, users.member.id).reason == "Reklama"
    assert relayed(dbsession)[0].report_state == "blocked"

    testapp.login(users.member)
    page = testapp.get(f"/contact/organisation/{org.id}", status=403)
    assert "Tým hubu vám zastavil posílání zpráv" in html_text(page)
    testapp.post_form(f"/contact/organisation/{org.id}", {"subject": "a", "text": "b"},
                      status=403)
    assert len(relayed(dbsession)) == 1

    # Only staff decide reports and unblock.
    testapp.post_form(f"/admin/messages/blocked/{users.member.id}/unblock", {}, status=403)
    testapp.login(users.staff)
    testapp.post_form(f"/admin/messages/blocked/{users.member.id}/unblock", {}).follow()
    dbsession.expire_all()
    assert dbsession.get(RelayBlock, users.member.id) is None


def test_texts_are_emptied_after_the_reporting_period(testapp, users, dbsession,
                                                      hook_request):
    org = users.organisation
    testapp.login(users.member)
    send(testapp, f"/contact/organisation/{org.id}")
    send(testapp, f"/contact/organisation/{org.id}", subject="Hlášená")
    old, reported = relayed(dbsession)
    link = report_link(mails_to(dbsession, users.representative.email)[0])
    reported.report_state = "open"
    mail = dbsession.get(MailMessage, old.mail_ids[0])
    mail.status = "sent"
    dbsession.flush()
    later = utcnow() + dt.timedelta(days=31)
    assert apply_retention(hook_request(), now=later) == (1, 0)
    dbsession.expire_all()
    assert (old.subject, old.body, old.sender_id) == ("", "", users.member.id)
    assert dbsession.get(MailMessage, mail.id).text == ""
    assert reported.body != ""  # an open report keeps its message
    assert "starší než 30 dní" in html_text(testapp.get(link))
    assert apply_retention(hook_request(), now=utcnow() + dt.timedelta(days=366)) == (0, 1)
    assert [m.id for m in relayed(dbsession)] == [reported.id]



def test_erasing_a_sender_empties_their_messages_and_the_export_lists_them(
        testapp, users, dbsession, hook_request):
    from hub.privacy import erase

    org = users.organisation
    testapp.login(users.member)
    send(testapp, f"/contact/organisation/{org.id}", subject="Dotaz")
    request = hook_request(users.member)
    exported = request.hooks.hub_personal_data_export(request=request, user=users.member)
    sent = [part for result in exported for title, part in result.items()
            if title == "Messages I sent through the hub"]
    assert sent == [[{"to": org.name, "at": relayed(dbsession)[0].created_at,
                      "subject": "Dotaz", "text": "Dobrý den, rádi bychom spolupracovali."}]]
    erase(hook_request(users.admin), users.member, users.admin, journal=False)
    dbsession.flush()
    (message,) = relayed(dbsession)
    assert (message.sender_id, message.subject, message.body) == (None, "", "")
    assert message.organisation_id == org.id  # who was contacted stays, unsigned


def test_members_of_a_group_see_a_contact_link_for_a_reachable_coordinator(
        testapp, users, dbsession, hook_request):
    from hub.organizations.network_models import WorkingGroup, WorkingGroupMember

    group = WorkingGroup(name="Skupina", description="", coordinator_id=users.representative.id)
    dbsession.add(group)
    dbsession.flush()
    dbsession.add(WorkingGroupMember(group_id=group.id,
                                     organisation_id=users.other_organisation.id))
    dbsession.flush()
    testapp.login(users.other_representative)
    url = f"/contact/person/{users.representative.id}"
    assert url not in testapp.get(f"/working-groups/{group.id}").text
    reachable(hook_request, users.representative)
    dbsession.flush()
    assert url in testapp.get(f"/working-groups/{group.id}").text
    testapp.logout()
    assert url not in testapp.get(f"/working-groups/{group.id}").text


def test_in_english_the_relay_the_report_and_the_block(testapp, users, dbsession):
    org = users.organisation
    users.representative.language = "en"
    dbsession.flush()
    testapp.set_cookie("hub_lang", "en")
    testapp.login(users.member)
    page = html_text(testapp.get(f"/contact/organisation/{org.id}"))
    assert f"Write to {org.name}" in page
    assert "you do not see their address unless they reply to you" in page
    sent = send(testapp, f"/contact/organisation/{org.id}", subject="Buy now",
                text="Cheap pills!").follow()
    assert "Your message has been sent." in html_text(sent)
    # The representative reads it in their own language.
    (mail,) = mails_to(dbsession, users.representative.email)
    assert mail.subject == "Message through the hub: Buy now"
    assert "wrote to Testovací spolek pacientů through the hub" in mail.text
    assert "Report it to the hub team" in mail.text
    testapp.logout()
    form = testapp.get(report_link(mail)).forms["report-form"]
    assert "Report a message" in html_text(form.response)
    form["note"] = "Spam."
    assert "Thank you. The hub team has been told" in html_text(form.submit())
    (message,) = relayed(dbsession)
    testapp.login(users.staff)
    queue = html_text(testapp.get("/admin/messages"))
    assert "Reported messages" in queue and "Block the sender" in queue
    testapp.post_form(f"/admin/messages/{message.id}",
                      {"action": "block", "reason": "Spam"}).follow()
    testapp.login(users.member)
    page = html_text(testapp.get(f"/contact/organisation/{org.id}", status=403))
    assert "The hub team has stopped you from sending messages through the hub" in page
