"""CRM audiences during a running send: ``hub_audience_allowed`` once per batch."""
import collections

import pytest
import sqlalchemy as sa

from hub.jobs import background_request
from hub.markers import hookimpl
from hub_newsletter.models import Delivery, Subscriber

from .conftest import add_campaign

ADDRESSES = [f"p{i}@example.cz" for i in range(6)]


class BatchCrm:
    """A CRM that answers per batch and records each question."""

    def __init__(self):
        self.withdrawn = set()
        self.asked = []

    @hookimpl
    def hub_audience_allowed(self, request, key, addresses):
        if key != "patients":
            return None
        self.asked.append(list(addresses))
        return [a for a in addresses if a not in self.withdrawn]

    @hookimpl
    def hub_audience_consents(self, request, key, email):
        # Per-address questions only for keys the batch hook did not know.
        assert key != "patients", "asked per address although the batch hook answers"
        return None


@pytest.fixture
def batch_crm(nl_app):
    pm = nl_app.registry["hub.pm"]
    crm = BatchCrm()
    pm.register(crm, name="batch-crm")
    yield crm
    pm.unregister(crm)


def audience_campaign(db):
    campaign = add_campaign(db, [], audiences=["patients"])
    for address in ADDRESSES:
        subscriber = Subscriber(email=address, name="Petr Novák")
        db.add(subscriber)
        db.flush()
        db.add(Delivery(campaign_id=campaign.id, subscriber_id=subscriber.id, address=address,
                        source="audience:patients"))
    campaign.status = "sending"
    db.flush()
    return campaign


def test_a_withdrawal_in_the_crm_during_a_send_stops_the_remaining_messages(
        nl_testapp, dbsession, sink, batch_crm, monkeypatch, after_first_message):
    from hub_newsletter import sending

    monkeypatch.setitem(nl_testapp.app.registry.settings, "newsletter.batch_size", "2")
    campaign = audience_campaign(dbsession)
    # p3 withdraws consent in the CRM while the first batch is being sent.
    after_first_message(lambda: batch_crm.withdrawn.add(ADDRESSES[3]))
    sending.send_campaign(background_request(nl_testapp.app.registry), campaign.id)
    received = [r for _f, rcpts, _m in sink.messages for r in rcpts]
    assert sorted(received) == [a for a in ADDRESSES if a != ADDRESSES[3]]
    # One question per batch of two, each with the batch's addresses.
    assert batch_crm.asked == [ADDRESSES[0:2], ADDRESSES[2:4], ADDRESSES[4:6]]
    statuses = dict(dbsession.execute(sa.select(Delivery.address, Delivery.status)
                                      .where(Delivery.campaign_id == campaign.id)).all())
    assert statuses[ADDRESSES[3]] == "skipped"
    assert collections.Counter(statuses.values()) == {"sent": 5, "skipped": 1}


def test_an_audience_the_crm_does_not_know_sends_nothing(nl_testapp, dbsession, sink,
                                                          batch_crm):
    from hub_newsletter import sending

    campaign = audience_campaign(dbsession)
    campaign.audiences = ["unknown"]
    dbsession.execute(sa.update(Delivery).where(Delivery.campaign_id == campaign.id)
                      .values(source="audience:unknown"))
    dbsession.flush()
    sending.send_campaign(background_request(nl_testapp.app.registry), campaign.id)
    assert sink.messages == []
    assert set(dbsession.scalars(sa.select(Delivery.status)
                                 .where(Delivery.campaign_id == campaign.id))) == {"skipped"}


class QueryingCrm:
    """A CRM whose hook reads the database through ``request.dbsession``, as the real one."""

    @hookimpl
    def hub_audience_allowed(self, request, key, addresses):
        known = set(request.dbsession.scalars(sa.select(Subscriber.email)))
        return [a for a in addresses if a in known and a != ADDRESSES[1]]


def test_crm_hooks_reading_the_database_do_not_block_the_send_on_a_file_database(
        committed_app, sink):
    """The job's own session is a writer; the hook gets a read session, so the sending
    loop's connection is not left waiting for a write lock (SQLite)."""
    from hub.jobs import run_job

    from .conftest import smtp_settings

    app = committed_app("newsletter", **smtp_settings(sink),
                        **{"sqlalchemy.pool_timeout": "5"})
    pm = app.registry["hub.pm"]
    pm.register(QueryingCrm(), name="querying-crm")
    with app.registry["hub.dbsession_factory"]() as db, db.begin():
        campaign_id = audience_campaign(db).id
    run_job(app.registry, "newsletter.send", {"campaign_id": campaign_id})
    received = sorted(r for _f, rcpts, _m in sink.messages for r in rcpts)
    assert received == [a for a in ADDRESSES if a != ADDRESSES[1]]
