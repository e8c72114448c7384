"""A segment never returns a contact without the consent its purpose needs; withdrawal is
effective at once (pages, API, the audience hooks the newsletter plugin uses)."""
import re

import sqlalchemy as sa

from hub.consent import ConsentRecord
from hub.testing import html_text
from hub_crm import hooks as crm_hooks
from hub_crm.consent import consents_of
from hub_crm.models import Segment
from hub_crm.services import make_token, segment_query, set_consent


def test_segment_only_returns_contacts_with_the_purposes_consent(client, users, crm, crm_app):
    ok = crm.contact("ok@example.cz", first="Alena", consents=("newsletter",),
                     stakeholder_type="patient")
    crm.contact("none@example.cz", first="Bohdan", stakeholder_type="patient")
    crm.contact("other@example.cz", first="Cyril", consents=("event_invitations",),
                stakeholder_type="patient")
    withdrawn = crm.contact("gone@example.cz", first="Dana", consents=("newsletter",),
                            stakeholder_type="patient")
    set_consent(crm.req, withdrawn, "newsletter", False, source="form")
    crm.contact("restricted@example.cz", first="Emil", consents=("newsletter",),
                stakeholder_type="patient", restricted=True)
    seg = crm.segment("Pacienti", "newsletter", [{"kind": "type", "value": "patient"}])
    everyone = crm.segment("Všichni", "newsletter", [], match="any")

    for s in (seg, everyone):
        ids = list(crm.req.dbsession.scalars(segment_query(crm.req, s.purpose, s.match,
                                                           s.conditions)))
        assert ids == [ok.id]
    members = crm_hooks.hub_audience_members(request=crm.req, key=f"crm.segment.{seg.id}")
    assert [m["email"] for m in members] == ["ok@example.cz"]
    assert set(members[0]) == {"email", "name", "first_name", "last_name", "gender",
                               "language", "contact_id", "preferences_url",
                               "consent_record_id"}
    # The link in every mail leads to the contact's own preferences page.
    link = members[0]["preferences_url"]
    assert link.startswith("https://hub.example.org/crm/preferences/")
    assert "ok@example.cz" in client.get(link.split("hub.example.org")[1]).text
    audiences = crm_hooks.hub_audiences(request=crm.req)
    assert {"key": f"crm.segment.{seg.id}", "label": "Pacienti", "purpose": "newsletter",
            "count": 1} in audiences

    client.login(users.staff)
    page = client.get(f"/crm/staff/segments/{seg.id}")
    assert "Alena" in html_text(page) and "Bohdan" not in html_text(page)
    assert "<li>Typ aktéra: Pacient/ka</li>" in page.text  # the condition as chosen
    assert re.search(r'id="segment-total">1<', page.text)
    data = client.get(f"/api/v1/crm/segments/{seg.id}/contacts").json
    assert data["total"] == 1 and [c["email"] for c in data["items"]] == ["ok@example.cz"]


def test_withdrawal_through_the_signed_link_takes_effect_at_once(client, users, crm, crm_app):
    contact = crm.contact("jana@example.cz", consents=("newsletter", "research"))
    seg = crm.segment("Newsletter", "newsletter")
    key = f"crm.segment.{seg.id}"
    assert crm_hooks.hub_audience_consents(request=crm.req, key=key,
                                           email="jana@example.cz") is True
    token = make_token(crm.req, contact.id)
    page = client.get(f"/crm/preferences/{token}")
    form = page.forms["preferences-form"]
    assert form["consent_newsletter"].checked and form["consent_research"].checked
    form["consent_newsletter"].checked = False
    form.submit().follow()
    assert crm_hooks.hub_audience_consents(request=crm.req, key=key,
                                           email="jana@example.cz") is False
    assert crm_hooks.hub_audience_members(request=crm.req, key=key) == []
    assert consents_of(crm.req, contact)["newsletter"].given is False
    # The evidence is the ledger's: the contact's records with the wording's version.
    records = crm.req.dbsession.scalars(sa.select(ConsentRecord).where(
        ConsentRecord.contact_ref == f"crm:{contact.id}", ConsentRecord.purpose == "crm.newsletter")
        .order_by(ConsentRecord.id)).all()
    assert [(r.action, r.source) for r in records] == [("given", "form"), ("withdrawn", "form")]
    assert records[-1].subject_key == f"contact:crm:{contact.id}" and records[-1].text_version
    # Research stays given.
    assert consents_of(crm.req, contact)["research"].given


def test_unknown_audience_keys_are_not_ours(crm, crm_app):
    assert crm_hooks.hub_audience_members(request=crm.req, key="other.list.1") is None
    assert crm_hooks.hub_audience_consents(request=crm.req, key="crm.segment.999999",
                                           email="x@example.cz") is None


def test_tampered_preferences_token_is_404(client, crm):
    contact = crm.contact("jana@example.cz")
    token = make_token(crm.req, contact.id)
    other = crm.contact("petr@example.cz", first="Petr")
    forged = token.split(".")[0][:-2] + "xx." + token.split(".")[1]
    assert client.get(f"/crm/preferences/{forged}", expect_errors=True).status_int == 404
    assert client.get(f"/crm/preferences/{other.id}", expect_errors=True).status_int == 404


def test_health_conditions_need_a_health_purpose(client, users, crm):
    crm.topic("Diabetes", "disease", slug="diabetes")
    client.login(users.staff)
    page = client.get("/crm/staff/segments/new")
    form = page.forms["segment-form"]
    form["name"] = "Diabetici"
    form["purpose"] = "newsletter"
    form["cond_0"] = "topic=diabetes"  # chosen from the list
    result = form.submit("action", value="save")
    assert result.status_int == 200
    assert "health data" in html_text(result) or "zdravotní" in html_text(result)
    assert crm.req.dbsession.scalar(sa.select(Segment.id).where(Segment.name == "Diabetici")) \
        is None
    form = result.forms["segment-form"]
    form["purpose"] = "disease_information"
    saved = form.submit("action", value="save")
    assert saved.status_int == 303


def test_segment_editor_counts_live_and_combines_with_or(client, users, crm):
    crm.contact("a@example.cz", first="A", consents=("event_invitations",),
                stakeholder_type="doctor")
    crm.contact("b@example.cz", first="B", consents=("event_invitations",),
                stakeholder_type="medical_student")
    crm.contact("c@example.cz", first="C", consents=("event_invitations",),
                stakeholder_type="patient")
    crm.contact("d@example.cz", first="D", stakeholder_type="doctor", region="Praha")
    crm.contact("e@example.cz", first="E", stakeholder_type="doctor", region="Brno")
    client.login(users.staff)
    editor = client.get("/crm/staff/segments/new")
    regions = [v for v, *_rest in editor.forms["segment-form"]["cond_0"].options
               if v.startswith("region=")]
    assert regions == ["region=Brno", "region=Praha"]  # every region in use, once
    form = editor.forms["segment-form"]
    form["purpose"] = "event_invitations"
    form["match"] = "any"
    form["cond_0"] = "type=doctor"
    form["cond_1"] = "type=medical_student"
    counted = form.submit("action", value="count")
    assert re.search(r"<strong>2</strong>", counted.text)
    form = counted.forms["segment-form"]
    form["match"] = "all"
    assert re.search(r"<strong>0</strong>", form.submit("action", value="count").text)


class FakeCriterionPlugin:
    """A plugin offering "has a portal account with this e-mail" as a segment criterion."""

    @staticmethod
    def criterion():
        from hub.accounts.models import User
        from hub.contributions import SegmentCriterion

        return SegmentCriterion(
            "fake.account_email", "Account e-mail",
            options=lambda request: [("member@test.example", "Marie")],
            user_ids=lambda request, value: sa.select(User.id).where(User.email == value))


def test_criteria_from_other_plugins_combine_in_one_query(client, users, crm, crm_app):
    from hub import hookimpl

    class Plugin:
        @hookimpl
        def hub_segment_criteria(self):
            return [FakeCriterionPlugin.criterion()]

    pm = crm_app.registry["hub.pm"]
    plugin = Plugin()
    pm.register(plugin, name="fake-criteria")
    try:
        linked = crm.contact("marie@example.cz", first="Marie", consents=("research",),
                             user_id=users.member.id)
        crm.contact("rep@example.cz", first="Roman", consents=("research",),
                    user_id=users.representative.id)
        crm.contact("noconsent@example.cz", first="Bez", user_id=users.staff.id)
        conditions = [{"kind": "criterion:fake.account_email", "value": "member@test.example"}]
        stmt = segment_query(crm.req, "research", "all", conditions)
        assert list(crm.req.dbsession.scalars(stmt)) == [linked.id]
        client.login(users.staff)
        editor = client.get("/crm/staff/segments/new")
        # The criterion's values are offered in the list.
        assert 'value="criterion:fake.account_email=member@test.example">Marie<' in editor.text
        form = editor.forms["segment-form"]
        form["name"], form["purpose"] = "Marie", "research"
        form["cond_0"] = "criterion:fake.account_email=member@test.example"
        page = form.submit("action", value="save").follow()
        assert re.search(r'id="segment-total">1<', page.text)
    finally:
        pm.unregister(plugin)


def test_export_of_a_segment_contains_only_consenting_contacts(client, users, crm):
    crm.contact("ano@example.cz", first="Ano", consents=("newsletter",))
    crm.contact("ne@example.cz", first="Ne")
    seg = crm.segment("Newsletter", "newsletter")
    client.login(users.staff)
    form = client.get("/crm/staff/export").forms["export-form"]
    form["segment"] = str(seg.id)
    csv_text = form.submit().text
    assert "ano@example.cz" in csv_text and "ne@example.cz" not in csv_text


def test_contact_export_neutralises_every_cell_header_included(client, users, crm):
    import csv
    import io

    contact = crm.contact("vzorec@example.cz", first='=HYPERLINK("https://evil.example")',
                          last="@SUM(1+1)")
    field = crm.field("-poznamka", special=False)
    crm.value(contact, field, "+420 777 000 000")
    client.login(users.staff)
    reply = client.get("/crm/staff/export").forms["export-form"].submit()
    header, row = list(csv.reader(io.StringIO(reply.body.decode("utf-8-sig"))))
    assert header[-1] == "'-poznamka"
    assert row[header.index("first_name")] == '\'=HYPERLINK("https://evil.example")'
    assert row[header.index("last_name")] == "'@SUM(1+1)"
    assert row[-1] == "'+420 777 000 000"


def test_audience_allowed_drops_a_withdrawn_or_erased_address_at_once(crm, crm_app, users):
    from sqlalchemy import event

    from hub_crm.gdpr import erase_contact

    jana = crm.contact("jana@example.cz", consents=("newsletter",), stakeholder_type="patient")
    petr = crm.contact("petr@example.cz", first="Petr", consents=("newsletter",),
                       stakeholder_type="patient")
    crm.contact("eva@example.cz", first="Eva", consents=("newsletter",),
                stakeholder_type="doctor")  # consents, but not in the segment
    seg = crm.segment("Pacienti", "newsletter", [{"kind": "type", "value": "patient"}])
    key = f"crm.segment.{seg.id}"
    hook = crm_hooks.hub_audience_allowed
    addresses = ["Jana@Example.cz", "petr@example.cz", "eva@example.cz", "nobody@example.cz"]
    assert hook(request=crm.req, key=key, addresses=addresses) == {"Jana@Example.cz",
                                                                   "petr@example.cz"}
    set_consent(crm.req, jana, "newsletter", False, source="form")
    assert hook(request=crm.req, key=key, addresses=addresses) == {"petr@example.cz"}
    erase_contact(crm.req, petr)
    assert hook(request=crm.req, key=key, addresses=addresses) == set()
    assert hook(request=crm.req, key="other.list.1", addresses=addresses) is None
    assert hook(request=crm.req, key=key, addresses=[]) == set()

    # One query for the whole list, however long (besides loading the segment).
    many = [f"person{n}@example.cz" for n in range(3000)] + ["eva@example.cz"]
    statements = []
    engine = crm.req.dbsession.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert hook(request=crm.req, key=key, addresses=many) == set()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len([s for s in statements if "crm_contact.email IN" in s]) == 1
    assert len(statements) <= 2


def test_topic_condition_includes_interests_people_declared_on_the_portal(crm, users, client):
    from hub.topics.models import UserTopic

    theme = crm.topic("Digitální zdravotnictví", "theme", slug="digital-health")
    recorded = crm.contact("zapsana@example.cz", first="Zapsaná", consents=("newsletter",))
    recorded.topics = [theme]
    declared = crm.contact("marie@example.cz", first="Marie", consents=("newsletter",),
                           user_id=users.member.id)
    crm.contact("nikdo@example.cz", first="Nikdo", consents=("newsletter",),
                user_id=users.representative.id)
    crm.req.dbsession.add(UserTopic(user_id=users.member.id, topic_id=theme.id))
    crm.req.dbsession.flush()
    stmt = segment_query(crm.req, "newsletter", "all",
                         [{"kind": "topic", "value": "digital-health"}])
    assert set(crm.req.dbsession.scalars(stmt)) == {recorded.id, declared.id}
    client.login(users.staff)
    page = html_text(client.get(f"/crm/staff/contacts/{declared.id}"))
    assert "Zájmy uvedené na portálu Digitální zdravotnictví" in page
