"""Who is in a segment defined by health data is health data: hidden from staff without
access (page, editor count, API, export, audiences), shown to staff with access only on
request, and every read audited; other segments are unchanged."""
import re

import pytest
import sqlalchemy as sa

from hub.testing import html_text
from hub_crm.models import AuditEntry, Contact, HealthAccess, Segment
from hub_crm.services import segment_uses_health_data

CANARY = "clen-segmentu@example.cz"


def audit_entries(crm, action):
    return crm.req.dbsession.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                     .order_by(AuditEntry.id)).all()


def api_headers(client):
    return {"X-CSRF-Token": client.csrf_token, "Origin": client.origin}


@pytest.fixture
def health_segment(crm):
    """A research segment of people with diabetes, with one member."""
    diabetes = crm.topic("Diabetes", "disease", slug="diabetes")
    member = crm.contact(CANARY, first="Kamila", last="Členská", consents=("research",))
    member.topics = [diabetes]
    crm.req.dbsession.flush()
    return crm.segment("Diabetici", "research", [{"kind": "topic", "value": "diabetes"}])


def grant(crm, user):
    crm.req.dbsession.add(HealthAccess(user_id=user.id))
    crm.req.dbsession.flush()


def test_each_kind_of_condition_is_classified(crm):
    crm.topic("Diabetes", "disease", slug="diabetes")
    crm.topic("Práva pacientů", "theme", slug="prava-pacientu")
    crm.topic("Roztroušená skleróza", "disease", slug="rs")
    crm.field("diagnosis", special=True)
    crm.field("employer", special=False)
    blood = crm.field("blood_group", special=False, type="choice", choices=["A", "B"])
    plain = [{"kind": "type", "value": "patient"}, {"kind": "tag", "value": "VIP"},
             {"kind": "region", "value": "Praha"}, {"kind": "language", "value": "cs"},
             {"kind": "relationship", "value": "member_of:1"},
             {"kind": "topic", "value": "prava-pacientu"},
             {"kind": "field:employer", "value": "Motol"},
             {"kind": "criterion:events.attended", "value": "1"},
             {"kind": "topic", "value": "no-such-topic"},
             {"kind": "field:no_such_field", "value": "x"}]

    def uses(conditions, match="all"):
        return segment_uses_health_data(crm.req, Segment(name="x", purpose="research",
                                                         match=match, conditions=conditions))

    assert uses([]) is False
    for condition in plain:
        assert uses([condition]) is False, condition
    assert uses(plain, "all") is False and uses(plain, "any") is False
    assert uses([{"kind": "topic", "value": "diabetes"}]) is True
    assert uses([{"kind": "topic", "value": " rs "}]) is True  # as the query strips it
    assert uses([{"kind": "field:diagnosis", "value": "E11"}]) is True
    # Combined with other conditions, by AND or by OR, at any place in the list.
    for match in ("all", "any"):
        assert uses(plain + [{"kind": "topic", "value": "diabetes"}], match) is True
        assert uses([{"kind": "field:diagnosis", "value": "E11"}] + plain, match) is True
        assert uses(plain[:3] + [{"kind": "field:diagnosis", "value": "E11"},
                                 {"kind": "topic", "value": "rs"}] + plain[3:], match) is True
    # Judged by the fields and topics as they are now.
    condition = [{"kind": "field:blood_group", "value": "A"}]
    assert uses(condition) is False
    blood.is_special = True
    crm.req.dbsession.flush()
    assert uses(condition) is True


def test_staff_without_health_access_never_sees_members_or_their_number(
        client, users, crm, crm_app, health_segment):
    seg = health_segment
    client.login(users.staff)
    page = client.get(f"/crm/staff/segments/{seg.id}")
    text = html_text(page)
    assert "Diabetes" in text  # the definition is shown
    assert CANARY not in page.text and "Kamila" not in text
    assert "segment-total" not in page.text and "segment-reveal" not in page.text
    assert "Jeho členy a jejich počet vidí jen pracovníci s přístupem" in text
    refused = client.post_form(f"/crm/staff/segments/{seg.id}", {"page": "1"}, status=403)
    assert CANARY not in refused.text and "segment-total" not in refused.text
    assert "Jeho členy a jejich počet vidí jen pracovníci" in html_text(refused)

    for method in (client.get, client.post):
        api = method(f"/api/v1/crm/segments/{seg.id}/contacts", headers=api_headers(client),
                     status=403)
        assert api.json["error"]["status"] == 403
        assert api.json["error"]["code"] == "health_data" and CANARY not in api.text
    listed = client.get("/api/v1/crm/segments").json["items"]
    assert listed == [{"id": seg.id, "name": "Diabetici", "purpose": "research",
                       "match": "all", "conditions": seg.conditions, "count": None,
                       "used_at": None, "health_data": True}]

    export_form = client.get("/crm/staff/export")
    assert "Diabetici" not in export_form.text
    export = client.post_form("/crm/staff/export", {"segment": str(seg.id)}, status=303)
    shown = export.follow()
    assert CANARY not in export.text + shown.text
    assert "exportovat jen pracovníci s přístupem" in html_text(shown)

    editor = client.get(f"/crm/staff/segments/{seg.id}/edit").forms["segment-form"]
    counted = editor.submit("action", value="count")
    assert "segment-count-hidden" in counted.text and 'id="segment-count"' not in counted.text

    hook = crm_app.registry["hub.pm"].hook
    audiences = [a for r in hook.hub_audiences(request=crm.req) for a in r]
    assert [a["count"] for a in audiences if a["label"] == "Diabetici"] == [None]
    assert audit_entries(crm, "segment.read") == [] and audit_entries(crm, "health.read") == []
    client.set_cookie("hub_lang", "en")
    assert "Only staff with access to health data can see its members" in html_text(
        client.get(f"/crm/staff/segments/{seg.id}"))


def test_staff_with_health_access_see_members_on_request_and_every_read_is_audited(
        client, users, crm, health_segment):
    seg = health_segment
    member_id = crm.req.dbsession.scalar(sa.select(Contact.id).where(Contact.email == CANARY))
    grant(crm, users.staff)
    client.login(users.staff)
    page = client.get(f"/crm/staff/segments/{seg.id}")
    # A GET shows neither members nor their number, and records nothing.
    assert CANARY not in page.text and "segment-total" not in page.text
    assert audit_entries(crm, "segment.read") == []

    shown = page.forms["segment-reveal"].submit()
    assert CANARY in shown.text and re.search(r'id="segment-total">1<', shown.text)
    reads = audit_entries(crm, "segment.read")
    assert len(reads) == 1 and reads[0].user_id == users.staff.id
    assert f"segment {seg.id} «Diabetici»" in reads[0].detail
    assert reads[0].detail.startswith("page:")
    per_contact = audit_entries(crm, "health.read")
    assert [(e.contact_id, e.user_id) for e in per_contact] == [(member_id, users.staff.id)]
    assert "Diabetici" in per_contact[0].detail and per_contact[0].at is not None

    get = client.get(f"/api/v1/crm/segments/{seg.id}/contacts", status=403)
    assert get.json["error"]["details"] == {"read_with": "POST"}
    assert len(audit_entries(crm, "segment.read")) == 1
    api = client.post(f"/api/v1/crm/segments/{seg.id}/contacts", headers=api_headers(client))
    assert api.json["total"] == 1 and [c["email"] for c in api.json["items"]] == [CANARY]
    assert audit_entries(crm, "segment.read")[-1].detail.startswith("api:")

    assert "Diabetici" in client.get("/crm/staff/export").text
    export = client.post_form("/crm/staff/export", {"segment": str(seg.id)})
    assert CANARY in export.text
    assert audit_entries(crm, "segment.read")[-1].detail.startswith("export:")

    editor = client.get(f"/crm/staff/segments/{seg.id}/edit").forms["segment-form"]
    counted = editor.submit("action", value="count")
    assert re.search(r'id="segment-count">.*?<strong>1</strong>', counted.text, re.S)
    assert audit_entries(crm, "segment.read")[-1].detail.startswith("editor:")

    # One entry per read, each naming the segment; the member's trail has each one too.
    reads = audit_entries(crm, "segment.read")
    assert [r.detail.split(":")[0] for r in reads] == ["page", "api", "export", "editor"]
    assert all("«Diabetici»" in r.detail for r in reads)
    assert len([e for e in audit_entries(crm, "health.read")
                if e.contact_id == member_id]) == 3
    # The administrator sees them in the audit log.
    client.login(users.admin)
    log = html_text(client.get("/crm/staff/audit"))
    assert "segment.read" in log and "«Diabetici»" in log


def test_special_category_field_segment_pages_through_posts(client, users, crm, monkeypatch):
    from hub_crm import segment_views

    monkeypatch.setattr(segment_views, "PAGE_SIZE", 1)
    diagnosis = crm.field("diagnosis", special=True)
    first = crm.contact("a@example.cz", first="Alena", last="Alfa", consents=("research",))
    second = crm.contact("b@example.cz", first="Bára", last="Beta", consents=("research",))
    for contact in (first, second):
        crm.value(contact, diagnosis, "E11")
    seg = crm.segment("Studie", "research", [{"kind": "field:diagnosis", "value": "E11"},
                                             {"kind": "type", "value": "patient"}])
    client.login(users.admin)  # administrators may read health data by their role
    shown = client.get(f"/crm/staff/segments/{seg.id}").forms["segment-reveal"].submit()
    assert "a@example.cz" in shown.text and "b@example.cz" not in shown.text
    following = [f for f in shown.forms.values() if f.get("page", default=None) is not None
                 and f["page"].value == "2"]
    second_page = following[0].submit()
    assert "b@example.cz" in second_page.text and "a@example.cz" not in second_page.text
    assert [e.contact_id for e in audit_entries(crm, "health.read")] == [first.id, second.id]
    assert len(audit_entries(crm, "segment.read")) == 2


def test_segments_not_about_health_are_unchanged(client, users, crm, crm_app):
    theme = crm.topic("Práva pacientů", "theme", slug="prava-pacientu")
    employer = crm.field("employer", special=False)
    member = crm.contact(CANARY, first="Kamila", consents=("newsletter",))
    member.topics = [theme]
    crm.value(member, employer, "Motol")
    seg = crm.segment("Práva", "newsletter", [{"kind": "topic", "value": "prava-pacientu"},
                                              {"kind": "field:employer", "value": "Motol"}])
    client.login(users.staff)
    page = client.get(f"/crm/staff/segments/{seg.id}")
    assert CANARY in page.text and re.search(r'id="segment-total">1<', page.text)
    assert "segment-health" not in page.text
    api = client.get(f"/api/v1/crm/segments/{seg.id}/contacts").json
    assert [c["email"] for c in api["items"]] == [CANARY]
    listed = client.get("/api/v1/crm/segments").json["items"][0]
    assert listed["count"] == 1 and listed["health_data"] is False
    client.get("/crm/staff/export")
    assert CANARY in client.post_form("/crm/staff/export", {"segment": str(seg.id)}).text
    editor = client.get(f"/crm/staff/segments/{seg.id}/edit").forms["segment-form"]
    assert "segment-count-hidden" not in editor.submit("action", value="count").text
    hook = crm_app.registry["hub.pm"].hook
    audiences = [a for r in hook.hub_audiences(request=crm.req) for a in r]
    assert [a["count"] for a in audiences if a["label"] == "Práva"] == [1]
    assert audit_entries(crm, "segment.read") == [] and audit_entries(crm, "health.read") == []
