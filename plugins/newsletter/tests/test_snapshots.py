"""Every send keeps what it relied on: purpose, wording, the consent records, the lists."""
import hashlib

import sqlalchemy as sa

from hub.consent import ConsentRecord
from hub.testing import html_text
from hub_newsletter.models import Campaign, Delivery
from hub_newsletter.purposes import LIST_PURPOSE

from .conftest import add_campaign, add_list, add_subscriber, post


def test_a_send_keeps_its_snapshot_shown_on_the_page_and_in_the_api(nl_testapp, dbsession,
                                                                    users, sink):
    nl = add_list(dbsession)
    for address in ("jana@example.cz", "petr@example.cz"):
        add_subscriber(dbsession, nl, address, "Jana Nováková")
    add_subscriber(dbsession, nl, "eva@example.cz", status="pending")  # no consent yet
    campaign = add_campaign(dbsession, [nl])
    nl_testapp.login(users.admin)
    post(nl_testapp, f"/newsletter/admin/campaigns/{campaign.id}/send", {})
    dbsession.expire_all()
    snapshot = dbsession.get(Campaign, campaign.id).snapshot
    assert snapshot["recipients"] == 2
    [source] = snapshot["sources"]
    assert source == {"kind": "list", "list_id": nl.id, "label": "Novinky",
                      "purpose": "newsletter.list", "object": f"list:{nl.id}",
                      "current_text_version": LIST_PURPOSE.text_version, "recipients": 2,
                      "consents": 2, "text_versions": {LIST_PURPOSE.text_version: 2}}
    # Each delivery names the ledger record it was sent on; the digest proves the list.
    relied = dbsession.execute(
        sa.select(Delivery.address, ConsentRecord.email, ConsentRecord.action)
        .join(ConsentRecord, ConsentRecord.id == Delivery.consent_record_id)
        .where(Delivery.campaign_id == campaign.id).order_by(Delivery.address)).all()
    assert [tuple(r) for r in relied] == [("jana@example.cz", "jana@example.cz", "given"),
                                          ("petr@example.cz", "petr@example.cz", "given")]
    ids = sorted(dbsession.scalars(sa.select(Delivery.consent_record_id)
                                   .where(Delivery.campaign_id == campaign.id)))
    records = snapshot["consent_records"]
    assert records["count"] == 2 and records["ledger_max_id"] >= max(ids)
    assert records["sha256"] == hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
    page = html_text(nl_testapp.get(f"/newsletter/admin/campaigns/{campaign.id}"))
    assert "Z čeho toto rozeslání vycházelo" in page
    assert records["sha256"] in page and LIST_PURPOSE.text_version in page
    api = nl_testapp.get(f"/api/v1/newsletter/campaigns/{campaign.id}").json
    assert api["snapshot"] == snapshot
    # A campaign not started has none.
    draft = add_campaign(dbsession, [nl], status="draft", subject="Koncept")
    assert nl_testapp.get(f"/api/v1/newsletter/campaigns/{draft.id}").json["snapshot"] is None


def test_starting_again_adds_the_new_recipients_as_an_addition(nl_testapp, dbsession, users,
                                                               sink):
    from hub.jobs import background_request
    from hub_newsletter import services

    nl = add_list(dbsession)
    add_subscriber(dbsession, nl, "jana@example.cz")
    campaign = add_campaign(dbsession, [nl])
    request = background_request(nl_testapp.app.registry)
    request.dbsession = dbsession
    services.start_sending(request, campaign)
    add_subscriber(dbsession, nl, "petr@example.cz")
    services.start_sending(request, campaign)
    assert campaign.snapshot["recipients"] == 1
    [later] = campaign.snapshot["additions"]
    assert later["recipients"] == 1 and later["consent_records"]["count"] == 1


def test_the_snapshot_keeps_both_versions_and_the_recipients_languages(nl_testapp, dbsession,
                                                                      users, sink):
    from hub_newsletter.models import Subscriber

    nl = add_list(dbsession)
    add_subscriber(dbsession, nl, "jana@example.cz", "Jana Nováková")
    add_subscriber(dbsession, nl, "john@example.org", "John Smith")
    dbsession.execute(sa.update(Subscriber).where(Subscriber.email == "john@example.org")
                      .values(language="en"))
    campaign = add_campaign(dbsession, [nl], subject="Novinky", body="<p>Česky</p>",
                            subject_en="News", body_en="<p>In English</p>")
    nl_testapp.login(users.admin)
    post(nl_testapp, f"/newsletter/admin/campaigns/{campaign.id}/send", {})
    dbsession.expire_all()
    snapshot = dbsession.get(Campaign, campaign.id).snapshot
    assert snapshot["versions"]["cs"]["subject"] == "Novinky"
    assert snapshot["versions"]["en"]["body"] == "<p>In English</p>"
    assert snapshot["languages"] == {"cs": {"recipients": 1, "version": "cs"},
                                     "en": {"recipients": 1, "version": "en"}}
    assert snapshot["template"]["layout"] == "gov"
    page = html_text(nl_testapp.get(f"/newsletter/admin/campaigns/{campaign.id}"))
    assert "Adresáti podle jazyka" in page and "Angličtina: 1" in page
    # The template changing afterwards leaves the record of what was sent as it was.
    from hub_newsletter.models import NewsletterTemplate

    used = dbsession.get(NewsletterTemplate, snapshot["template"]["id"])
    used.accent = "#000000"
    dbsession.flush()
    dbsession.expire_all()
    assert dbsession.get(Campaign, campaign.id).snapshot["template"]["accent"] == "#2362a2"
