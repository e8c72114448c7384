import sqlalchemy as sa

from hub_crm.models import Contact


def headers(client):
    return {"X-CSRF-Token": client.csrf_token, "Origin": client.origin}


def test_contacts_crud_with_validation_and_conflicts(client, users, crm):
    crm.contact("existing@example.cz")
    client.login(users.staff)
    client.get("/crm/staff/contacts")
    created = client.post_json("/api/v1/crm/contacts", {
        "first_name": "Jan", "last_name": "Novák", "email": "Jan@Example.cz",
        "stakeholder_type": "doctor"}, headers=headers(client), status=201).json
    assert created["name"] == "Jan Novák" and created["email"] == "jan@example.cz"
    listed = client.get("/api/v1/crm/contacts", {"type": "doctor"}).json
    assert [c["id"] for c in listed["items"]] == [created["id"]] and listed["total"] == 1
    got = client.get(f"/api/v1/crm/contacts/{created['id']}").json
    assert got == created
    patched = client.patch_json(f"/api/v1/crm/contacts/{created['id']}", {"region": "Praha"},
                                headers=headers(client)).json
    assert patched["region"] == "Praha"
    conflict = client.patch_json(f"/api/v1/crm/contacts/{created['id']}",
                                 {"email": "existing@example.cz"}, headers=headers(client),
                                 status=409).json
    assert conflict["error"]["code"] == "conflict"
    bad = client.post_json("/api/v1/crm/contacts", {"first_name": "X", "gender": "x",
                                                    "user_id": 1},
                           headers=headers(client), status=422).json
    assert bad["error"]["details"]["fields"] == ["user_id"]
    bad = client.post_json("/api/v1/crm/contacts", {"first_name": "X", "gender": "x"},
                           headers=headers(client), status=422).json
    assert "gender" in bad["error"]["details"]["fields"]
    assert client.get("/api/v1/crm/contacts/999999", status=404).json["error"]["code"] \
        == "not_found"
    assert crm.req.dbsession.scalar(sa.select(sa.func.count(Contact.id))) == 2


def test_consents_per_contact(client, users, crm):
    contact = crm.contact("jana@example.cz", consents=("newsletter",))
    client.login(users.staff)
    client.get("/crm/staff/contacts")
    data = client.get(f"/api/v1/crm/contacts/{contact.id}/consents").json
    state = {c["purpose"]: c["granted"] for c in data["items"]}
    assert state == {"newsletter": True, "event_invitations": False,
                     "disease_information": False, "research": False}
    changed = client.post_json(f"/api/v1/crm/contacts/{contact.id}/consents",
                               {"purpose": "newsletter", "granted": False,
                                "source": "telefonát"}, headers=headers(client)).json
    assert changed["changed"] is True
    assert not [c for c in changed["items"] if c["granted"]]
    client.post_json(f"/api/v1/crm/contacts/{contact.id}/consents", {"purpose": "spam"},
                     headers=headers(client), status=422)
    long = client.post_json(f"/api/v1/crm/contacts/{contact.id}/consents",
                            {"purpose": "research", "granted": True, "source": "x" * 501},
                            headers=headers(client), status=422)
    assert "500" in long.text


def test_organisations_and_segments(client, users, crm):
    crm.segment("Newsletter", "newsletter")
    client.login(users.staff)
    orgs = client.get("/api/v1/crm/organisations").json
    assert "Testovací spolek pacientů" in [o["name"] for o in orgs["items"]]
    segs = client.get("/api/v1/crm/segments").json
    assert [s["name"] for s in segs["items"]] == ["Newsletter"]
    assert segs["items"][0]["count"] == 0


def test_members_get_no_api_access(client, users, crm):
    client.login(users.member)
    for url in ("/api/v1/crm/contacts", "/api/v1/crm/segments", "/api/v1/crm/organisations"):
        assert client.get(url, expect_errors=True).status_int == 403


def test_openapi_document_lists_the_crm_paths(client, crm_app):
    doc = client.get("/api/v1/openapi.json").json
    for path in ("/crm/contacts", "/crm/contacts/{id}", "/crm/contacts/{id}/consents",
                 "/crm/organisations", "/crm/segments", "/crm/segments/{id}/contacts"):
        assert path in doc["paths"] or "/api/v1" + path in doc["paths"], path


def test_staff_bearer_tokens_work_without_csrf_and_member_tokens_are_refused(client, users,
                                                                            crm):
    from hub.tokens import create_token

    _row, staff_secret = create_token(crm.req.dbsession, users.staff, "crm sync")
    _row, member_secret = create_token(crm.req.dbsession, users.member, "mine")
    staff = {"Authorization": f"Bearer {staff_secret}"}
    created = client.post_json("/api/v1/crm/contacts", {"name": "Spolek Token",
                                                        "kind": "organisation"},
                               headers=staff, status=201).json
    assert created["name"] == "Spolek Token"
    assert client.get("/api/v1/crm/contacts", headers=staff).json["total"] == 1
    member = {"Authorization": f"Bearer {member_secret}"}
    assert client.get("/api/v1/crm/contacts", headers=member, expect_errors=True).status_int \
        == 403
    assert client.get("/api/v1/crm/contacts", expect_errors=True).status_int == 401


def test_profile_section_and_search(client, users, crm):
    crm.contact(users.member.email, first="Marie", consents=("newsletter",))
    client.login(users.member)
    assert "/crm/my-preferences" in client.get("/profile").text
    page = client.get("/crm/my-preferences")
    assert page.forms["preferences-form"]["consent_newsletter"].checked
    form = page.forms["preferences-form"]
    form["consent_research"].checked = True
    form.submit().follow()
    import sqlalchemy as sa

    from hub_crm.consent import consents_of
    from hub_crm.models import Contact

    contact = crm.req.dbsession.scalar(sa.select(Contact).where(
        Contact.email == users.member.email))
    crm.req.dbsession.refresh(contact)
    assert contact.user_id == users.member.id  # linked when the member acted
    assert consents_of(crm.req, contact)["research"].given


def test_custom_fields_and_themes_are_read_and_written_through_the_api(client, users, crm):
    from hub_crm.models import AuditEntry

    crm.field("membership", special=False, type="choice", choices=("member", "guest"))
    since = crm.field("since", special=False, type="date")
    crm.field("diagnosis", special=True)
    crm.topic("Dobrovolnictví", "theme", slug="volunteering")
    crm.topic("Vzdělávání", "theme", slug="education")
    disease = crm.topic("Diabetes", "disease", slug="diabetes")
    contact = crm.contact("jana@example.cz")
    contact.topics = [disease]
    crm.value(contact, since, "2020-05-01")
    crm.commit()
    client.login(users.staff)
    client.get("/crm/staff/contacts")
    url = f"/api/v1/crm/contacts/{contact.id}"

    got = client.get(url).json
    # Every ordinary custom field, empty ones too; no health field, no disease area.
    assert got["fields"] == {"membership": "", "since": "2020-05-01"}
    assert got["topics"] == []
    changed = client.patch_json(url, {"fields": {"membership": "Member", "since": "1. 2. 2021"},
                                      "topics": ["volunteering"]},
                                headers=headers(client)).json
    assert changed["fields"] == {"membership": "member", "since": "2021-02-01"}
    assert changed["topics"] == ["volunteering"]
    cleared = client.patch_json(url, {"fields": {"since": None}}, headers=headers(client)).json
    assert cleared["fields"] == {"membership": "member", "since": ""}
    assert client.get("/api/v1/crm/contacts", {"q": "jana"}).json["items"][0]["fields"] \
        == cleared["fields"]
    # The disease area the API never shows is kept when the themes are replaced.
    db = crm.req.dbsession
    assert {t.slug for t in db.get(Contact, contact.id).topics} == {"diabetes", "volunteering"}

    bad = client.patch_json(url, {"fields": {"since": "někdy", "diagnosis": "x", "nope": "1"},
                                  "topics": ["diabetes", "unknown"]},
                            headers=headers(client), status=422).json["error"]["details"]
    assert bad["fields"] == {
        "fields.since": "Since: enter a date as YYYY-MM-DD or D. M. YYYY.",
        "fields.diagnosis": "special-category (health) data: not writable here",
        "fields.nope": "no such custom field",
        "topics": "unknown or inactive themes: diabetes, unknown"}
    assert client.patch_json(url, {"fields": ["since"]}, headers=headers(client),
                             status=422).json["error"]["details"]["fields"] == {
        "fields": "must be an object of custom field keys and values"}
    created = client.post_json("/api/v1/crm/contacts", {
        "first_name": "Petr", "fields": {"membership": "guest"}, "topics": ["education"]},
        headers=headers(client), status=201).json
    assert created["fields"] == {"membership": "guest", "since": ""}
    assert created["topics"] == ["education"]
    assert db.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "health.read")) == 0


def test_contacts_page_with_next_offset(client, users, crm):
    for email in ("a@example.cz", "b@example.cz", "c@example.cz"):
        crm.contact(email)
    client.login(users.staff)
    first = client.get("/api/v1/crm/contacts", {"limit": 1}).json
    assert (first["total"], first["limit"], first["offset"], first["next_offset"]) == (3, 1, 0, 1)
    second = client.get("/api/v1/crm/contacts", {"limit": 1,
                                                 "offset": first["next_offset"]}).json
    assert second["items"][0]["id"] > first["items"][0]["id"]
    last = client.get("/api/v1/crm/contacts", {"limit": 2, "offset": 2}).json
    assert len(last["items"]) == 1 and last["next_offset"] is None
    assert client.get("/api/v1/crm/contacts", {"limit": 1, "page": 3}).json["offset"] == 2
    consents = client.get(f"/api/v1/crm/contacts/{first['items'][0]['id']}/consents").json
    assert consents["total"] == 4 and consents["next_offset"] is None
    assert client.get("/api/v1/crm/segments").json["next_offset"] is None


def test_contact_names_depend_on_kind_as_the_schema_says(client, users, crm):
    from hub.api.samples import sample_body

    client.login(users.staff)
    client.get("/crm/staff/contacts")
    doc = client.get("/api/v1/openapi.json").json
    body = sample_body(doc, doc["paths"]["/crm/contacts"]["post"])
    assert body == {"last_name": "Example"}
    client.post_json("/api/v1/crm/contacts", body, headers=headers(client), status=201)
    org = client.post_json("/api/v1/crm/contacts", {"kind": "organisation", "first_name": "X"},
                           headers=headers(client), status=422).json
    assert org["error"]["details"]["fields"] == {"name": "a name is required"}
    person = client.post_json("/api/v1/crm/contacts", {"name": "Jan Novák"},
                              headers=headers(client), status=422).json
    assert person["error"]["details"]["fields"] == {
        "last_name": "a first or last name is required"}
