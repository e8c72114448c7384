from hub.testing import html_text


def test_directory_is_public(client, users):
    page = client.get("/crm")
    assert "Testovací spolek pacientů" in html_text(page)


def test_staff_pages_need_staff(client, users, crm):
    crm.commit()
    for url in ("/crm/staff/contacts", "/crm/staff/segments", "/crm/staff/enquiries",
                "/crm/staff/tasks", "/crm/staff/contacts/new", "/crm/staff/import"):
        client.login(users.member)
        assert client.get(url, expect_errors=True).status_int in (403, 404), url
        client.login(users.staff)
        assert client.get(url).status_int == 200, url
    client.login(users.staff)
    assert client.get("/crm/staff/fields", expect_errors=True).status_int in (403, 404)
    client.login(users.admin)
    for url in ("/crm/staff/fields", "/crm/staff/health-access", "/crm/staff/audit"):
        assert client.get(url).status_int == 200


def test_staff_create_and_edit_a_contact_with_audit(client, users, crm):
    import sqlalchemy as sa

    from hub_crm.models import AuditEntry, Contact

    crm.field("employer", special=False)
    crm.topic("Práva pacientů", "theme")
    client.login(users.staff)
    form = client.get("/crm/staff/contacts/new").forms["contact-form"]
    form["first_name"] = "Marie"
    form["last_name"] = "Členová"
    form["email"] = "MEMBER@test.example"
    form["stakeholder_type"] = "caregiver"
    form["tags"] = "mentor, dobrovolník"
    form["field_employer"] = "FN Brno"
    form.get("topics", index=0).checked = True
    page = form.submit().follow()
    text = html_text(page)
    assert "Marie Členová" in text and "FN Brno" in text and "dobrovolník, mentor" in text
    contact = crm.req.dbsession.scalar(sa.select(Contact).where(
        Contact.email == "member@test.example"))
    assert contact.user_id == users.member.id  # linked to the portal account
    form = client.get(f"/crm/staff/contacts/{contact.id}/edit").forms["contact-form"]
    form["region"] = "Praha"
    form["email"] = "rep@test.example"
    crm.contact("rep@test.example", first="Roman")
    duplicate = form.submit()
    assert duplicate.status_int == 200 and "hub-error-summary" in duplicate.text
    form = duplicate.forms["contact-form"]
    form["email"] = "member@test.example"
    form.submit().follow()
    entries = crm.req.dbsession.scalars(sa.select(AuditEntry).where(
        AuditEntry.contact_id == contact.id).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["contact.created", "contact.updated"]
    assert "region" in entries[-1].detail and entries[-1].user_id == users.staff.id


def test_contact_page_with_relationships_consent_and_timeline(client, users, crm):
    person = crm.contact("jana@example.cz")
    org = crm.contact("spolek@example.cz", first="", last="")
    org.kind, org.name = "organisation", "Spolek Naděje"
    crm.req.dbsession.flush()
    client.login(users.staff)
    page = client.get(f"/crm/staff/contacts/{person.id}")
    form = page.forms["relationship-form"]
    form["kind"] = "member_of"
    form["related_id"] = str(org.id)
    page = form.submit().follow()
    assert "Spolek Naděje" in html_text(page)
    form = page.forms["consent-form"]
    form["purpose"] = "event_invitations"
    form["granted"] = "1"
    form["source"] = "x" * 501  # longer than the form allows: refused by name, not a 500
    refused = form.submit().follow()
    assert "nejvýše 500 znaky" in html_text(refused)
    form = refused.forms["consent-form"]
    form["purpose"] = "event_invitations"
    form["granted"] = "1"
    form["source"] = "podepsaný formulář"
    page = form.submit().follow()
    text = html_text(page)
    # In the ledger, entered by staff with the evidence as the note.
    assert "Zapsal tým hubu: podepsaný formulář" in text
    assert client.get(f"/crm/staff/contacts/{org.id}").status_int == 200
    assert client.get("/crm/staff/contacts/999999", expect_errors=True).status_int == 404
    client.login(users.admin)
    audit = html_text(client.get("/crm/staff/audit", {"contact": person.id}))
    assert "consent.given" in audit and "relationship.added" in audit


def test_timeline_includes_other_plugins_activity(client, users, crm, crm_app):
    import datetime as dt

    from hub import hookimpl

    class Plugin:
        @hookimpl
        def hub_activity(self, request, user):
            return [{"when": dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC),
                     "kind": "Akce", "title": f"Účast: Konference ({user.email})",
                     "url": "/events/1"}]

    pm = crm_app.registry["hub.pm"]
    plugin = Plugin()
    pm.register(plugin, name="fake-activity")
    try:
        contact = crm.contact("marie@example.cz", user_id=users.member.id)
        client.login(users.staff)
        text = html_text(client.get(f"/crm/staff/contacts/{contact.id}"))
        assert "Účast: Konference (member@test.example)" in text
    finally:
        pm.unregister(plugin)
