"""The CRM's consents live in the core's consent ledger: one store for the CRM, My consents,
withdraw links and the newsletter's audiences."""
import sqlalchemy as sa

from hub.consent import ConsentRecord, Subject, has_consent, purposes
from hub_crm import hooks as crm_hooks
from hub_crm.consent import PURPOSES, consents_of, set_consent
from hub_crm.services import make_token, segment_query


def members(crm, segment):
    return list(crm.req.dbsession.scalars(segment_query(crm.req, segment.purpose,
                                                        segment.match, segment.conditions)))


def test_the_crm_purposes_are_declared_with_their_wording(crm_app):
    declared = purposes(crm_app.registry)
    assert {p.key for p in PURPOSES.values()} <= set(declared)
    research = declared["crm.research"]
    assert research.special_category and research.legal_basis == "explicit_consent"
    assert "Výslovně souhlasím" in research.text_in("cs")
    assert "withdraw" in declared["crm.newsletter"].text_in("en")


def test_the_preferences_page_records_the_wording_shown_and_refuses_a_changed_one(client, crm):
    contact = crm.contact("jana@example.cz")
    url = f"/crm/preferences/{make_token(crm.req, contact.id)}"
    page = client.get(url)
    assert PURPOSES["research"].text_in("cs") in page.text
    form = page.forms["preferences-form"]
    form["consent_research"].checked = True
    form["version_research"] = "0" * 16  # the text changed while the page was open
    refused = form.submit(status=409)
    assert "Text souhlasu se právě změnil" in refused.text
    assert "research" not in consents_of(crm.req, contact)
    form = client.get(url).forms["preferences-form"]
    form["consent_research"].checked = True
    form.submit().follow()
    state = consents_of(crm.req, contact)["research"]
    assert (state.given, state.source, state.text_version) == (
        True, "form", PURPOSES["research"].text_version)


def test_a_staff_record_needs_evidence_which_becomes_the_note(client, users, crm):
    contact = crm.contact("jana@example.cz")
    client.login(users.staff)
    form = client.get(f"/crm/staff/contacts/{contact.id}").forms["consent-form"]
    form["purpose"], form["granted"], form["source"] = "newsletter", "1", "Papírový formulář"
    form.submit().follow()
    record = crm.req.dbsession.scalar(sa.select(ConsentRecord).where(
        ConsentRecord.contact_ref == f"crm:{contact.id}"))
    assert (record.source, record.note, record.recorded_by_id) == (
        "staff", "Papírový formulář", users.staff.id)


def test_linking_an_account_carries_consents_and_my_consents_withdraws_everywhere(
        client, users, crm):
    contact = crm.contact(users.member.email, consents=("newsletter",))
    segment = crm.segment("Všichni", "newsletter")
    assert members(crm, segment) == [contact.id]
    # The member acts on the portal: the contact is linked and the consent carried over.
    client.login(users.member)
    client.get("/crm/my-preferences").forms["preferences-form"].submit().follow()
    crm.req.dbsession.refresh(contact)
    assert contact.user_id == users.member.id
    account = Subject.of_user(users.member)
    assert has_consent(crm.req, account, "crm.newsletter")
    mine = client.get("/api/v1/me/consents").json["items"]
    assert [c["purpose"] for c in mine if c["given"]] == ["crm.newsletter"]
    # Withdrawn on My consents (the account's record): the contact's is withdrawn too.
    client.delete("/api/v1/me/consents/crm.newsletter",
                  headers={"X-CSRF-Token": client.csrf_token, "Origin": client.origin},
                  status=204)
    assert members(crm, segment) == []
    assert not has_consent(crm.req, Subject(contact=f"crm:{contact.id}"), "crm.newsletter")
    assert not consents_of(crm.req, contact)["newsletter"].given


def test_the_withdraw_link_of_an_audience_empties_the_segment_at_once(anonymous, crm, crm_app):
    jana = crm.contact("jana@example.cz", consents=("newsletter",))
    crm.contact("petr@example.cz", first="Petr", consents=("newsletter",))
    segment = crm.segment("Všichni", "newsletter")
    links = crm_hooks.hub_audience_withdraw_links(
        request=crm.req, key=f"crm.segment.{segment.id}",
        addresses=["jana@example.cz", "petr@example.cz", "nobody@example.cz"])
    assert set(links) == {"jana@example.cz", "petr@example.cz"}
    anonymous.post(links["jana@example.cz"].removeprefix("https://hub.example.org"),
                   {"List-Unsubscribe": "One-Click"}, status=200)
    assert len(members(crm, segment)) == 1 and jana.id not in members(crm, segment)
    assert crm_hooks.hub_audience_withdraw_links(request=crm.req, key="other.list.1",
                                                 addresses=["jana@example.cz"]) is None


def test_a_withdrawal_needs_no_earlier_consent_and_changes_nothing_then(crm):
    contact = crm.contact("jana@example.cz")
    assert set_consent(crm.req, contact, "research", False, "form") is False
    assert crm.req.dbsession.scalar(sa.select(sa.func.count()).select_from(ConsentRecord)
                                    .where(ConsentRecord.purpose.like("crm.%"))) == 0


def test_a_segment_a_send_used_keeps_its_purpose(client, users, crm, crm_app):
    segment = crm.segment("Pacienti", "newsletter", [{"kind": "type", "value": "patient"}])
    used = crm_hooks.hub_audience_used(request=crm.req, key=f"crm.segment.{segment.id}")
    assert used["purpose"] == "crm.newsletter"
    assert used["definition"]["conditions"] == [{"kind": "type", "value": "patient"}]
    assert segment.used_at is not None
    crm.req.dbsession.flush()
    client.login(users.admin)
    page = client.get(f"/crm/staff/segments/{segment.id}/edit")
    assert "jeho účel je pevně daný" in page.text
    form = page.forms["segment-form"]
    form["purpose"] = "event_invitations"
    refused = form.submit(status=200)
    assert "jeho účel proto nelze změnit" in refused.text
    form = refused.forms["segment-form"]
    form["purpose"] = "newsletter"
    form["name"] = "Pacienti a pacientky"  # everything else may still change
    form.submit().follow()
    crm.req.dbsession.refresh(segment)
    assert (segment.name, segment.purpose) == ("Pacienti a pacientky", "newsletter")
