"""A campaign to a CRM segment with the real crm plugin: the mail carries the consent
ledger's withdraw link of the CRM purpose, and its one-click POST stops the next send."""
import pytest
import sqlalchemy as sa

from hub.consent import ConsentRecord
from hub.jobs import background_request

from .conftest import add_campaign, post, smtp_settings
from .test_campaigns import part


@pytest.fixture
def both_app(make_app, sink):
    return make_app("crm", "newsletter", **smtp_settings(sink))


@pytest.fixture
def both(both_app, make_testapp):
    return make_testapp(both_app)


def crm_request(app, dbsession):
    import transaction

    request = background_request(app.registry, tm=transaction.manager)
    request.dbsession = dbsession
    return request


def test_a_segment_mail_withdraws_the_crm_consent_with_one_click(both, both_app, dbsession,
                                                                 users, sink):
    from hub_crm.consent import consents_of, set_consent
    from hub_crm.models import Contact, Segment

    request = crm_request(both_app, dbsession)
    contacts = {}
    for email, first in (("jana@example.cz", "Jana"), ("petr@example.cz", "Petr")):
        contact = Contact(kind="person", first_name=first, last_name="Nováková", email=email,
                          name=f"{first} Nováková")
        dbsession.add(contact)
        dbsession.flush()
        set_consent(request, contact, "newsletter", True, "form")
        contacts[email] = contact
    segment = Segment(name="Všichni", purpose="newsletter", match="all", conditions=[])
    dbsession.add(segment)
    dbsession.flush()
    key = f"crm.segment.{segment.id}"
    first = add_campaign(dbsession, [], audiences=[key])
    both.login(users.admin)
    post(both, f"/newsletter/admin/campaigns/{first.id}/send", {})
    # The snapshot: the CRM purpose, its wording and the segment as it was.
    from hub_crm.consent import PURPOSES
    from hub_newsletter.models import Campaign

    dbsession.expire_all()
    [source] = dbsession.get(Campaign, first.id).snapshot["sources"]
    assert source["purpose"] == "crm.newsletter" and source["consents"] == 2
    assert source["text_versions"] == {PURPOSES["newsletter"].text_version: 2}
    assert source["definition"] == {"segment_id": segment.id, "name": "Všichni",
                                    "purpose": "newsletter", "match": "all", "conditions": []}
    assert dbsession.get(Segment, segment.id).used_at is not None
    jana = sink.to("jana@example.cz")[0]
    links = [u.strip(" <>") for u in jana["List-Unsubscribe"].split(",")]
    # The ledger's link of the CRM purpose, not the newsletter's own unsubscribe page.
    assert links[0].startswith("https://hub.example.org/consent/withdraw/")
    assert not any("/newsletter/u/" in link for link in links)
    assert links[0] in part(jana, "plain")
    both.reset()
    both.post(links[0].removeprefix("https://hub.example.org"), "List-Unsubscribe=One-Click",
              content_type="application/x-www-form-urlencoded")
    last = dbsession.scalar(sa.select(ConsentRecord).where(
        ConsentRecord.contact_ref == f"crm:{contacts['jana@example.cz'].id}")
        .order_by(ConsentRecord.id.desc()))
    assert (last.purpose, last.action, last.source) == ("crm.newsletter", "withdrawn", "link")
    assert not consents_of(request, contacts["jana@example.cz"])["newsletter"].given
    sink.messages.clear()
    second = add_campaign(dbsession, [], subject="Další", audiences=[key])
    both.login(users.admin)
    post(both, f"/newsletter/admin/campaigns/{second.id}/send", {})
    assert sorted(r for _f, rcpts, _m in sink.messages for r in rcpts) == ["petr@example.cz"]


def test_the_footer_says_how_the_contact_agreed(both, both_app, dbsession, users, sink):
    """A contact who agreed on the phone is not told they "subscribed"; one who ticked a
    form is."""
    from hub_crm.consent import set_consent
    from hub_crm.models import Contact, Segment

    request = crm_request(both_app, dbsession)
    for email, source, note in (("telefon@example.cz", "staff", "Telefonát 3. 3."),
                                ("formular@example.cz", "form", None)):
        contact = Contact(kind="person", first_name="Eva", last_name="Malá", email=email,
                          name="Eva Malá")
        dbsession.add(contact)
        dbsession.flush()
        set_consent(request, contact, "newsletter", True, source, note=note)
    segment = Segment(name="Všichni", purpose="newsletter", match="all", conditions=[])
    dbsession.add(segment)
    dbsession.flush()
    campaign = add_campaign(dbsession, [], audiences=[f"crm.segment.{segment.id}"])
    both.login(users.admin)
    post(both, f"/newsletter/admin/campaigns/{campaign.id}/send", {})
    by_phone = part(sink.to("telefon@example.cz")[0], "plain")
    by_form = part(sink.to("formular@example.cz")[0], "plain")
    assert "přihlásili" not in by_phone and "pracovníkům Pacientský" in by_phone
    assert "přihlásili k odběru" in by_form
    assert "pracovníkům Pacientský" in part(sink.to("telefon@example.cz")[0], "html")
