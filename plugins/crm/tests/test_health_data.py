"""Special-category fields: hidden without the permission (pages, exports, API), every read
audited, never used for targeting without a matching purpose."""
import sqlalchemy as sa

from hub.testing import html_text
from hub_crm.models import AuditEntry, HealthAccess


def health_reads(crm, contact_id=None):
    stmt = sa.select(AuditEntry).where(AuditEntry.action == "health.read")
    if contact_id:
        stmt = stmt.where(AuditEntry.contact_id == contact_id)
    return crm.req.dbsession.scalars(stmt).all()


def setup_contact(crm):
    contact = crm.contact("pacient@example.cz", first="Petra")
    diagnosis = crm.field("diagnosis", special=True)
    employer = crm.field("employer", special=False)
    crm.value(contact, diagnosis, "DIAGNOSIS-CANARY")
    crm.value(contact, employer, "Nemocnice Motol")
    return contact


def test_staff_without_access_never_sees_health_fields(client, users, crm):
    contact = setup_contact(crm)
    client.login(users.staff)
    page = client.get(f"/crm/staff/contacts/{contact.id}")
    assert "Nemocnice Motol" in page.text
    assert "DIAGNOSIS-CANARY" not in page.text and "Diagnosis" not in page.text
    assert "health-reveal" not in page.text
    reveal = client.post_form(f"/crm/staff/contacts/{contact.id}/health", {"action": "show"},
                              expect_errors=True)
    assert reveal.status_int == 404 and "DIAGNOSIS-CANARY" not in reveal.text
    edit = client.get(f"/crm/staff/contacts/{contact.id}/edit")
    assert "DIAGNOSIS-CANARY" not in edit.text and "field_diagnosis" not in edit.text
    export = client.post_form("/crm/staff/export", {"include_health": "1"})
    assert "Nemocnice Motol" in export.text
    assert "DIAGNOSIS-CANARY" not in export.text and "diagnosis" not in export.text
    headers = {"X-CSRF-Token": client.csrf_token, "Origin": client.origin}
    api = client.get(f"/api/v1/crm/contacts/{contact.id}").json
    assert "DIAGNOSIS-CANARY" not in str(api)
    assert client.post(f"/api/v1/crm/contacts/{contact.id}/health", headers=headers,
                       expect_errors=True).status_int == 404
    assert health_reads(crm) == []


def test_a_granted_read_is_shown_on_request_and_audited(client, users, crm):
    contact = setup_contact(crm)
    client.login(users.admin)
    page = client.get(f"/crm/staff/contacts/{contact.id}")
    # A plain GET shows nothing (and records nothing): the data appear only on request.
    assert "DIAGNOSIS-CANARY" not in page.text and health_reads(crm) == []
    shown = page.forms["health-reveal"].submit()
    assert "DIAGNOSIS-CANARY" in shown.text
    reads = health_reads(crm, contact.id)
    assert len(reads) == 1 and reads[0].user_id == users.admin.id
    assert "diagnosis" in reads[0].detail and reads[0].at is not None


def test_staff_with_a_grant_can_read_and_the_export_only_includes_health_when_chosen(
        client, users, crm):
    contact = setup_contact(crm)
    crm.req.dbsession.add(HealthAccess(user_id=users.staff.id))
    crm.req.dbsession.flush()
    client.login(users.staff)
    client.get("/crm/staff/export")  # the CSRF cookie comes from the site, as in a browser
    plain = client.post_form("/crm/staff/export", {})
    assert "DIAGNOSIS-CANARY" not in plain.text and health_reads(crm) == []
    chosen = client.post_form("/crm/staff/export", {"include_health": "1"})
    assert "DIAGNOSIS-CANARY" in chosen.text
    assert [r.contact_id for r in health_reads(crm)] == [contact.id]
    headers = {"X-CSRF-Token": client.csrf_token, "Origin": client.origin}
    api = client.post(f"/api/v1/crm/contacts/{contact.id}/health", headers=headers).json
    assert api["fields"]["diagnosis"] == "DIAGNOSIS-CANARY"
    assert len(health_reads(crm, contact.id)) == 2


def test_health_fields_can_only_target_health_purposes(crm):
    from hub_crm.services import SegmentError, segment_query

    contact = setup_contact(crm)
    for purpose in ("disease_information", "research"):
        stmt = segment_query(crm.req, purpose, "all",
                             [{"kind": "field:diagnosis", "value": "DIAGNOSIS-CANARY"}])
        assert list(crm.req.dbsession.scalars(stmt)) == []  # no consent yet
    from hub_crm.services import set_consent

    set_consent(crm.req, contact, "research", True, source="form")
    stmt = segment_query(crm.req, "research", "all",
                         [{"kind": "field:diagnosis", "value": "DIAGNOSIS-CANARY"}])
    assert list(crm.req.dbsession.scalars(stmt)) == [contact.id]
    for purpose in ("newsletter", "event_invitations"):
        try:
            segment_query(crm.req, purpose, "all",
                          [{"kind": "field:diagnosis", "value": "DIAGNOSIS-CANARY"}])
        except SegmentError:
            pass
        else:
            raise AssertionError(f"health field accepted for {purpose}")


def test_representatives_and_members_get_nothing(client, users, crm):
    contact = setup_contact(crm)
    for user in (users.member, users.representative):
        client.login(user)
        for url in (f"/crm/staff/contacts/{contact.id}", f"/api/v1/crm/contacts/{contact.id}",
                    "/crm/staff/export"):
            response = client.get(url, expect_errors=True)
            assert response.status_int in (401, 403, 404), url
            assert "DIAGNOSIS-CANARY" not in response.text
    assert "DIAGNOSIS-CANARY" not in html_text(client.get("/crm"))


def test_admin_defines_fields_grants_access_and_staff_saves_health_data(client, users, crm):
    contact = crm.contact("pacient@example.cz", first="Petra")
    crm.topic("Diabetes", "disease")
    client.login(users.admin)
    form = client.get("/crm/staff/fields").forms["field-form"]
    form["label"], form["key"] = "Diagnóza", "Bad Key!"
    bad = form.submit()
    assert bad.status_int == 200 and "hub-error-summary" in bad.text
    form = bad.forms["field-form"]
    form["key"] = "diagnosis"
    form["is_special"].checked = True
    form.submit().follow()
    access = client.get("/crm/staff/health-access")
    grant = [f for f in access.forms.values()
             if "user_id" in f.fields and f["user_id"].value == str(users.staff.id)]
    grant[0].submit("action", value="grant").follow()

    client.login(users.staff)
    page = client.get(f"/crm/staff/contacts/{contact.id}")
    shown = page.forms["health-reveal"].submit()
    form = shown.forms["health-form"]
    form["field_diagnosis"] = "E11"
    form.get("diseases", index=0).checked = True
    form.submit().follow()
    shown = client.get(f"/crm/staff/contacts/{contact.id}").forms["health-reveal"].submit()
    assert 'value="E11"' in shown.text
    # Disease areas stay out of the ordinary page and edit form.
    assert "Diabetes" not in client.get(f"/crm/staff/contacts/{contact.id}/edit").text
    actions = [e.action for e in crm.req.dbsession.scalars(
        sa.select(AuditEntry).where(AuditEntry.contact_id == contact.id))]
    assert "health.write" in actions and actions.count("health.read") == 2

    client.login(users.admin)
    access = client.get("/crm/staff/health-access")
    revoke = [f for f in access.forms.values()
             if "user_id" in f.fields and f["user_id"].value == str(users.staff.id)]
    revoke[0].submit("action", value="revoke").follow()
    client.login(users.staff)
    assert "health-reveal" not in client.get(f"/crm/staff/contacts/{contact.id}").text


def test_interests_are_the_shared_topics(client, users, crm, anonymous):
    """Themes on the contact form and in the directory; disease areas only as health data."""
    theme = crm.topic("Práva pacientů", "theme", name_en="Patient rights")
    disease = crm.topic("Roztroušená skleróza", "disease", name_en="Multiple sclerosis")
    person = crm.contact("osoba@example.cz", first="Olga",
                         directory=("name", "stakeholder_type", "region"))
    person.topics = [theme, disease]
    crm.req.dbsession.flush()
    client.login(users.admin)
    settings = client.get("/crm/staff/fields")
    assert 'href="/topics/manage"' in settings.text and "interest-form" not in settings.text
    edit = client.get(f"/crm/staff/contacts/{person.id}/edit").forms["contact-form"]
    assert [f.id for f in edit.fields["topics"]] == [f"topic-{theme.id}"]
    edit.submit().follow()  # saving the form keeps the (hidden) disease area
    crm.req.dbsession.refresh(person)
    assert {t.slug for t in person.topics} == {theme.slug, disease.slug}
    # Public directory: a person's topics are none of the fields they chose to show, so
    # nobody finds them by a theme, let alone a disease area, and neither is shown.
    assert "Olga" in html_text(anonymous.get("/crm"))
    assert "Olga" not in html_text(anonymous.get("/crm", {"topic": theme.slug}))
    assert "Olga" not in html_text(anonymous.get("/crm", {"topic": disease.slug}))
    page = html_text(anonymous.get(f"/crm/people/{person.id}"))
    assert "Roztroušená" not in page and "Práva pacientů" not in page
