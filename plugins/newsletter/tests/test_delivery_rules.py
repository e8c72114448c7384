"""Retries, bounces at SMTP time, scheduling, invitations, list management, retention."""
import datetime as dt

import pytest
import sqlalchemy as sa

from hub.db import utcnow
from hub.jobs import background_request
from hub.markers import hookimpl
from hub_newsletter.models import Campaign, Delivery, NewsletterList, Subscription

from .conftest import add_campaign, add_list, add_subscriber, both_sinks, post, prepare_deliveries


@both_sinks
def test_temporary_failures_are_retried_and_refused_addresses_stop(sink, nl_testapp,
                                                                   dbsession):
    from hub_newsletter.sending import send_campaign

    sink.refuse.update({"later@example.cz": "451 4.7.1 try again later",
                        "nobody@example.cz": "550 5.1.1 no such user"})
    testapp = nl_testapp
    nl = add_list(dbsession)
    for address in ("ok@example.cz", "later@example.cz", "nobody@example.cz"):
        add_subscriber(dbsession, nl, address, "Jan Novák")
    campaign = add_campaign(dbsession, [nl])
    prepare_deliveries(dbsession, campaign)
    registry = testapp.app.registry
    send_campaign(background_request(registry), campaign.id)
    rows = {d.address: d for d in dbsession.scalars(sa.select(Delivery))}
    for row in rows.values():
        dbsession.refresh(row)
    assert sink.recipients() == ["ok@example.cz"]
    assert rows["ok@example.cz"].status == "sent"
    later = rows["later@example.cz"]
    assert later.status == "pending" and later.attempts == 1 and later.next_attempt_at > utcnow()
    assert rows["nobody@example.cz"].status == "bounced"
    dbsession.refresh(campaign)
    assert campaign.status == "sending"  # a retry is due later
    # The server accepts now; the retry time has come.
    sink.refuse.pop("later@example.cz")
    later.next_attempt_at = utcnow() - dt.timedelta(seconds=1)
    dbsession.flush()
    send_campaign(background_request(registry), campaign.id)
    dbsession.refresh(later)
    dbsession.refresh(campaign)
    assert later.status == "sent" and campaign.status == "sent"
    assert sink.recipients() == ["ok@example.cz", "later@example.cz"]
    from hub_newsletter.models import Subscriber

    refused = dbsession.scalar(sa.select(Subscriber).where(
        Subscriber.email == "nobody@example.cz"))
    dbsession.refresh(refused)
    assert refused.hard_bounced_at is not None


def test_scheduled_campaign_starts_when_due(nl_testapp, dbsession, users, sink):
    from hub_newsletter.services import start_due_campaigns

    nl = add_list(dbsession)
    add_subscriber(dbsession, nl, "jana@example.cz", "Jana Nováková")
    campaign = add_campaign(dbsession, [nl], created_by=users.staff)
    nl_testapp.login(users.admin)
    post(nl_testapp, f"/newsletter/admin/campaigns/{campaign.id}/send",
         {"scheduled_at": "2099-01-01T09:00"})
    dbsession.refresh(campaign)
    assert campaign.status == "scheduled"
    assert campaign.scheduled_at == dt.datetime(2099, 1, 1, 8, 0, tzinfo=dt.UTC)
    assert sink.messages == []
    campaign.scheduled_at = utcnow() - dt.timedelta(minutes=1)
    dbsession.flush()
    request = background_request(nl_testapp.app.registry)
    request.dbsession = dbsession
    import transaction

    campaign_id = campaign.id
    assert start_due_campaigns(request) == 1
    transaction.commit()  # the job is handed to the queue after commit
    assert dbsession.get(Campaign, campaign_id).status == "sent"
    assert [r for _f, rcpts, _m in sink.messages for r in rcpts] == ["jana@example.cz"]


class FakeEvents:
    def __init__(self, starts_at):
        self.starts_at = starts_at

    @hookimpl
    def hub_upcoming_events(self, request):
        return [{"id": 7, "title": "Seminář o právech pacientů", "starts_at": self.starts_at,
                 "url": "https://hub.example.org/events/7"}]


STARTS = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)


# The events plugin gives the start as ISO 8601 text; a datetime is accepted too.
@pytest.mark.parametrize("starts_at", [STARTS.isoformat(), STARTS], ids=["iso", "datetime"])
def test_invitation_links_an_event_from_the_events_plugin(nl_testapp, nl_app, dbsession, users,
                                                          sink, starts_at):
    pm = nl_app.registry["hub.pm"]
    events = FakeEvents(starts_at)
    pm.register(events, name="fake-events")
    try:
        nl = add_list(dbsession)
        add_subscriber(dbsession, nl, "jana@example.cz", "Jana Nováková")
        nl_testapp.login(users.staff)
        form = nl_testapp.get("/newsletter/admin/campaigns/new").forms["newsletter-campaign"]
        form["kind"] = "invitation"
        form["subject"] = "Pozvánka: ${event_title}"
        form["body"] = "${salutation},\n\nzveme vás na ${event_title} (${event_date})."
        form["list"] = [str(nl.id)]
        form["event"] = "7"
        form.submit(headers={"Origin": nl_testapp.origin})
        campaign = dbsession.scalar(sa.select(Campaign))
        assert campaign.event_title == "Seminář o právech pacientů"
        assert campaign.event_starts_at == STARTS
        campaign.status = "approved"
        dbsession.flush()
        nl_testapp.login(users.admin)
        post(nl_testapp, f"/newsletter/admin/campaigns/{campaign.id}/send", {})
    finally:
        pm.unregister(events)
    (message,) = sink.to("jana@example.cz")
    assert "Seminář o právech pacientů" in str(message["Subject"]) or \
        "=?utf-8?" in str(message["Subject"])
    html = [p for p in message.walk() if p.get_content_type() == "text/html"][0]
    html = html.get_payload(decode=True).decode()
    assert "https://hub.example.org/events/7" in html and "4. prosince 2026" in html


def test_event_placeholders_without_an_event_are_reported(nl_testapp, dbsession, users):
    nl = add_list(dbsession)
    campaign = add_campaign(dbsession, [nl], status="draft", body="Přijďte na ${event_title}.",
                            created_by=users.staff)
    nl_testapp.login(users.staff)
    page = nl_testapp.get(f"/newsletter/admin/campaigns/{campaign.id}")
    assert "${event_title}" in page.text
    post(nl_testapp, f"/newsletter/admin/campaigns/{campaign.id}/submit", {})
    dbsession.refresh(campaign)
    assert campaign.status == "draft"


def test_staff_create_lists_whose_consent_is_the_ledger_purpose(nl_testapp, dbsession, users):
    nl_testapp.login(users.staff)
    page = post(nl_testapp, "/newsletter/admin/lists/new",
                {"name": "Novinky", "slug": "Špatně"}, status=422)
    assert 'id="list-errors"' in page.text
    page = nl_testapp.get("/newsletter/admin/lists/new")
    assert "consent_text" not in page.text
    post(nl_testapp, "/newsletter/admin/lists/new",
         {"name": "Novinky", "slug": "novinky", "is_public": "on"})
    nl = dbsession.scalar(sa.select(NewsletterList))
    assert nl.is_public
    post(nl_testapp, "/newsletter/admin/lists/new", {"name": "Jiné", "slug": "novinky"},
         status=422)
    post(nl_testapp, f"/newsletter/admin/lists/{nl.id}", {"name": "Novinky", "slug": "novinky"})
    dbsession.refresh(nl)
    assert not nl.is_public


def test_unconfirmed_subscriptions_expire(nl_app, dbsession):
    from hub_newsletter.services import expire_unconfirmed

    nl = add_list(dbsession)
    add_subscriber(dbsession, nl, "old@example.cz", status="pending")
    add_subscriber(dbsession, nl, "new@example.cz", status="pending")
    old = dbsession.scalar(sa.select(Subscription).join(Subscription.subscriber).where(
        Subscription.subscriber.has(email="old@example.cz")))
    old.requested_at = utcnow() - dt.timedelta(days=30)
    dbsession.flush()
    request = background_request(nl_app.registry)
    request.dbsession = dbsession
    assert expire_unconfirmed(request) == 1
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 1


def test_search_finds_archived_newsletters_only(nl_app, dbsession):
    nl = add_list(dbsession)
    add_campaign(dbsession, [nl], status="sent", subject="Očkování ${first_name}",
                 finished_at=utcnow())
    add_campaign(dbsession, [nl], status="draft", subject="Očkování koncept")
    from hub.search.query import search

    request = background_request(nl_app.registry)
    request.dbsession = dbsession
    assert [r.title for r in search(request, "ockovani").results] == ["Očkování "]


@pytest.mark.parametrize(("sink", "writes"), [("plain", 4), ("pipelining", 2)],
                         indirect=["sink"])
def test_a_message_takes_two_writes_where_the_server_offers_pipelining(sink, writes,
                                                                      monkeypatch):
    import smtplib

    from hub_newsletter.transport import Transport

    from .conftest import smtp_settings

    transport = Transport(smtp_settings(sink))
    message = b"Subject: one\r\n\r\n.a line that starts with a period\r\n"
    transport.send("bounces@hub.example.org", "first@example.cz", message, "first")
    sent = []
    original = smtplib.SMTP.send
    monkeypatch.setattr(smtplib.SMTP, "send",
                        lambda smtp, data: sent.append(data) or original(smtp, data))
    transport.send("bounces@hub.example.org", "second@example.cz", message, "second")
    transport.close()
    assert len(sent) == writes + 1  # + QUIT
    assert transport.pipelining is (writes == 2)
    assert sink.recipients() == ["first@example.cz", "second@example.cz"]
    (second,) = sink.to("second@example.cz")
    assert second.get_payload().startswith(".a line")  # dot-stuffed on the wire, not in the mail


@both_sinks
def test_a_message_given_up_after_its_envelope_never_arrives(sink):
    from hub_newsletter.transport import Transport

    from .conftest import smtp_settings

    transport = Transport(smtp_settings(sink))
    transport.open("bounces@hub.example.org", "gone@example.cz")
    assert transport.in_data
    transport.abandon()
    transport.send("bounces@hub.example.org", "next@example.cz", b"Subject: x\r\n\r\nx\r\n",
                   "next")
    transport.open("bounces@hub.example.org", "closed@example.cz")
    transport.close()  # hangs up: a QUIT now would be a line of the unfinished message
    assert sink.recipients() == ["next@example.cz"]


def test_a_send_job_uses_one_connection_on_sqlite_and_eight_on_postgresql():
    from hub_newsletter.sending import connection_count

    assert connection_count({}, "sqlite") == 1
    assert connection_count({"newsletter.connections": 0}, "postgresql") == 8
    assert connection_count({"newsletter.connections": "3"}, "postgresql") == 3
    assert connection_count({"newsletter.connections": "2"}, "sqlite") == 2
