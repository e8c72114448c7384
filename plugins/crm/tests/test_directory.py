"""The public directory, profiles kept by representatives, per-field visibility."""
from hub.testing import html_text
from hub_crm.models import OrganisationProfile


def test_representative_edits_own_profile_and_controls_visibility(client, anonymous, users,
                                                                  crm):
    org = users.organisation
    client.login(users.representative)
    page = client.get(f"/crm/organisations/{org.slug}")
    assert "Edit profile" in page.text or "Upravit profil" in page.text
    form = client.get(f"/crm/organisations/{org.slug}/edit").forms["organisation-form"]
    form["description"] = "Pomáháme pacientům."
    form["email"] = "info@spolek.cz"
    form["phone"] = "+420 777 111 222"
    form["region"] = "Praha"
    form["show_email"].checked = False
    form["show_phone"].checked = True
    form.submit().follow()
    public = html_text(anonymous.get(f"/crm/organisations/{org.slug}"))
    assert "Pomáháme pacientům." in public and "+420 777 111 222" in public
    assert "info@spolek.cz" not in public
    found = html_text(anonymous.get("/crm", {"region": "Praha"}))
    assert org.name in found and users.other_organisation.name not in found


def test_profile_edit_ignores_extra_fields_and_other_representatives_get_404(client, users,
                                                                            crm):
    org = users.organisation
    client.login(users.representative)
    client.get(f"/crm/organisations/{org.slug}/edit")
    client.post_form(f"/crm/organisations/{org.slug}/edit",
                     {"description": "x", "name": "Přejmenováno", "slug": "hacked",
                      "kind": "company", "listed": "1"})
    crm.req.dbsession.refresh(org)
    # The one profile editor: name and kind are edited here too, the address never.
    assert org.name == "Přejmenováno" and org.slug == "test-spolek"
    assert org.kind == "company"
    client.login(users.other_representative)
    assert client.get(f"/crm/organisations/{org.slug}/edit", expect_errors=True).status_int \
        == 404
    client.login(users.member)
    assert client.post_form(f"/crm/organisations/{org.slug}/edit", {"description": "y"},
                            expect_errors=True).status_int == 404
    crm.req.dbsession.refresh(org)
    assert org.description == "x"


def test_unlisted_organisations_are_hidden_and_bad_input_keeps_the_form(client, anonymous,
                                                                       users, crm):
    org = users.organisation
    client.login(users.representative)
    form = client.get(f"/crm/organisations/{org.slug}/edit").forms["organisation-form"]
    form["email"] = "not an address"
    form["description"] = "Zachovaný text"
    again = form.submit()
    assert again.status_int == 200 and "hub-error-summary" in again.text
    assert "Zachovaný text" in again.text
    form = again.forms["organisation-form"]
    form["email"] = ""
    form["listed"].checked = False
    form.submit()
    assert crm.req.dbsession.get(OrganisationProfile, org.id).listed is False
    assert org.name not in html_text(anonymous.get("/crm"))
    assert anonymous.get(f"/crm/organisations/{org.slug}", expect_errors=True).status_int == 404


def test_people_who_opt_in_are_listed(client, crm):
    shown = crm.contact("listed@example.cz", first="Věra", last="Veřejná",
                        directory=("name", "stakeholder_type", "region"),
                        stakeholder_type="academic")
    crm.contact("hidden@example.cz", first="Skrytá", last="Osoba")
    page = html_text(client.get("/crm", {"type": "academic"}))
    assert "Věra Veřejná" in page and "Skrytá" not in page
    assert "listed@example.cz" not in client.get(f"/crm/people/{shown.id}").text


def test_search_finds_listed_organisations_for_everyone_and_contacts_for_staff(users, crm,
                                                                               crm_app):
    from hub.jobs import background_request
    from hub.search.query import search

    crm.contact("jana@example.cz", first="Jana", last="Hledaná")
    hook = crm_app.registry["hub.pm"].hook

    class Request:
        dbsession = crm.req.dbsession

        def __init__(self, staff):
            self.staff = staff

        def has_permission(self, permission):
            return self.staff

        def route_path(self, name, **kw):
            return f"/{name}/{kw}"

    request = background_request(crm_app.registry)
    request.dbsession = crm.req.dbsession
    assert "Testovací spolek pacientů" in [r.title for r in search(request, "spolek").results]
    assert "Testovací spolek pacientů" in [r.title for r in search(request, "PACIENTU").results]
    db = crm.req.dbsession
    profile = db.get(OrganisationProfile, users.organisation.id) \
        or OrganisationProfile(organisation_id=users.organisation.id)
    profile.listed = False
    db.add(profile)
    db.flush()
    assert "Testovací spolek pacientů" not in [r.title for r in search(request, "spolek").results]
    assert not [r for rs in hook.hub_search(request=Request(False), query="Hledaná")
                for r in rs]
    staff = [r for rs in hook.hub_search(request=Request(True), query="hledaná") for r in rs]
    assert [r.title for r in staff] == ["Jana Hledaná"]


def test_directory_title_names_the_search_and_the_page(anonymous, crm):
    import html
    import re

    def title(url):
        page = anonymous.get(url)
        return html.unescape(re.search(r"<title>([^<]*)</title>", page.text).group(1))

    assert title("/crm").startswith("Adresář organizací |")
    assert title("/crm?q=diabetes&page=2").startswith(
        "Adresář organizací – hledání „diabetes“ – strana 2 |")


def test_representative_writes_the_description_in_english(client, anonymous, users, crm):
    org = users.organisation
    client.login(users.representative)
    form = client.get(f"/crm/organisations/{org.slug}/edit").forms["organisation-form"]
    form["description"] = "Pomáháme pacientům."
    form["description_en"] = "We help patients."
    form.submit().follow()
    anonymous.set_cookie("hub_lang", "en")
    english = anonymous.get(f"/crm/organisations/{org.slug}")
    assert "We help patients." in html_text(english)
    assert "Pomáháme pacientům." not in html_text(english)
    form = client.get(f"/crm/organisations/{org.slug}/edit").forms["organisation-form"]
    assert form["description_en"].value == "We help patients."
    form["description_en"] = "x" * 5001
    page = form.submit()
    assert page.status_int == 200 and 'id="description_en-error"' in page.text
