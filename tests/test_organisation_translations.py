"""An organisation's description in English: the profile editor, the public profiles (the
core's and the directory's), the staff's list of what is missing and the migration."""
import re

import sqlalchemy as sa

from hub import migrate
from hub.db import utcnow
from hub.mail import MailMessage
from hub.organizations.models import Organisation
from hub.testing import html_text

BEFORE, AFTER = "8a0e55ee9017", "5c2f8e0b7a14"


def describe(dbsession, org, czech, english=""):
    org.description, org.description_en = czech, english
    dbsession.flush()


def test_representative_writes_the_english_version(make_app, make_testapp, users, dbsession):
    # Without the directory the core's editor is the profile's one editor.
    client = make_testapp(make_app("news"))
    client.login(users.representative)
    page = client.get(f"/organisation/{users.organisation.id}/profile")
    field = page.html.find("textarea", id="field-description_en")
    assert field["aria-describedby"] == "field-description_en-hint"
    assert "Když pole necháte prázdné" in html_text(page.html.find(
        id="field-description_en-hint"))
    form = page.forms["organisation-form"]
    form["description"] = "Pomáháme pacientům."
    form["description_en"] = "We help patients."
    form["website"] = "ftp://nope"
    page = form.submit(status=422)
    form = page.forms["organisation-form"]
    assert form["description_en"].value == "We help patients."  # kept on errors
    form["website"] = "https://spolek.cz"
    form.submit().follow()
    dbsession.expire_all()
    org = dbsession.get(Organisation, users.organisation.id)
    assert (org.description, org.description_en) == ("Pomáháme pacientům.",
                                                      "We help patients.")


def test_english_version_too_long_is_refused(make_app, make_testapp, users, dbsession):
    client = make_testapp(make_app("news"))
    client.login(users.representative)
    form = client.get(f"/organisation/{users.organisation.id}/profile").forms[
        "organisation-form"]
    form["description_en"] = "x" * 5001
    page = form.submit(status=422)
    assert page.html.find("textarea", id="field-description_en")["aria-invalid"] == "true"
    dbsession.expire_all()
    assert dbsession.get(Organisation, users.organisation.id).description_en == ""


def test_public_profile_in_the_readers_language(make_app, make_testapp, users, dbsession):
    client = make_testapp(make_app("news"))
    org, other = users.organisation, users.other_organisation
    describe(dbsession, org, "Pomáháme pacientům.", "We help patients.")
    describe(dbsession, other, "Jen česky.")
    text = client.get(f"/organisations/{org.id}").html.find("p", class_="hub-org-text")
    assert (text.text, text.get("lang")) == ("Pomáháme pacientům.", None)
    client.set_cookie("hub_lang", "en")
    text = client.get(f"/organisations/{org.id}").html.find("p", class_="hub-org-text")
    assert (text.text, text.get("lang")) == ("We help patients.", None)
    text = client.get(f"/organisations/{other.id}").html.find("p", class_="hub-org-text")
    assert (text.text, text["lang"]) == ("Jen česky.", "cs")


def test_directory_profile_in_the_readers_language(testapp, users, dbsession):
    org, other = users.organisation, users.other_organisation
    describe(dbsession, org, "Pomáháme pacientům.", "We help patients.")
    describe(dbsession, other, "Jen česky.")
    assert "Pomáháme pacientům." in testapp.get(f"/crm/organisations/{org.slug}").text
    testapp.set_cookie("hub_lang", "en")
    page = testapp.get(f"/crm/organisations/{org.slug}")
    assert "We help patients." in page.text and "Pomáháme pacientům." not in page.text
    shown = testapp.get(f"/crm/organisations/{other.slug}").html.find(
        "p", string="Jen česky.")
    assert shown["lang"] == "cs"


def test_invitation_shows_the_description_in_the_readers_language(testapp, make_testapp, app,
                                                                   users, dbsession):
    org, invitee = users.organisation, users.other_representative
    describe(dbsession, org, "Pomáháme pacientům.")
    testapp.login(users.representative)
    form = testapp.get(f"/organisation/{org.id}/manage").forms["add-member-form"]
    form["email"] = invitee.email
    form.submit()
    mail = dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == invitee.email)).first()
    url = re.search(r"https://\S+(/organisation/invitation/\S+)", mail.text).group(1)
    person = make_testapp(app).login(invitee)
    person.set_cookie("hub_lang", "en")
    assert person.get(url).html.find("p", string="Pomáháme pacientům.")["lang"] == "cs"
    describe(dbsession, org, "Pomáháme pacientům.", "We help patients.")
    shown = person.get(url).html.find("p", string="We help patients.")
    assert shown is not None and shown.get("lang") is None


def test_staff_see_organisations_without_english(make_app, make_testapp, users, dbsession):
    client = make_testapp(make_app("news"))
    describe(dbsession, users.organisation, "Pomáháme pacientům.", "We help patients.")
    describe(dbsession, users.other_organisation, "Jen česky.")
    client.login(users.staff)
    page = client.get("/admin/translations")
    assert "Organizace" in html_text(page) and "Popis" in html_text(page)
    link = page.html.find("a", string=users.other_organisation.name)
    assert link["href"] == f"/organisation/{users.other_organisation.id}/profile"
    assert page.html.find("a", string=users.organisation.name) is None
    describe(dbsession, users.other_organisation, "Jen česky.", "Only Czech so far.")
    page = client.get("/admin/translations")
    assert page.html.find("a", string=users.other_organisation.name) is None


def test_with_the_directory_staff_are_sent_to_its_editor(testapp, users, dbsession):
    describe(dbsession, users.other_organisation, "Jen česky.")
    testapp.login(users.staff)
    link = testapp.get("/admin/translations").html.find(
        "a", string=users.other_organisation.name)
    assert link["href"] == f"/crm/organisations/{users.other_organisation.slug}/edit"


def test_migration_adds_an_empty_english_description(migration_registry):
    registry = migration_registry()
    engine = registry["hub.dbengine"]
    migrate.upgrade(registry, BEFORE, branch="core")
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO organisation (name, slug, kind, description, website, email, region, "
            "created_at) VALUES ('Spolek', 'spolek', 'ngo', 'Popis', '', '', '', :now)"),
            {"now": utcnow()})
    migrate.upgrade(registry, AFTER, branch="core")
    with engine.connect() as conn:
        assert conn.execute(sa.text(
            "SELECT description, description_en FROM organisation")).one() == ("Popis", "")
    migrate.downgrade(registry, "core", BEFORE)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("organisation")}
    assert "description_en" not in columns and "description" in columns
