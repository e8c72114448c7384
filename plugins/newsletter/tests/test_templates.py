"""Reusable e-mail templates (staff pages, API, the mail's look) and the body from the
rich-text editor: images and links made absolute, a plain-text part without markup."""
import sqlalchemy as sa

from hub.jobs import background_request
from hub_newsletter.models import NewsletterTemplate

from .conftest import add_campaign, add_list, post

ORIGIN = "https://hub.example.org"


def api_headers(client):
    return {"X-CSRF-Token": client.csrf_token.strip('"'), "Origin": ORIGIN}


def exists(dbsession, template_id) -> bool:
    return dbsession.scalar(sa.select(sa.func.count()).select_from(NewsletterTemplate)
                            .where(NewsletterTemplate.id == template_id)) == 1


def default(dbsession) -> NewsletterTemplate:
    return dbsession.scalars(sa.select(NewsletterTemplate)
                             .where(NewsletterTemplate.is_default)).one()


def test_the_gov_look_is_the_seeded_default_template(nl_app, dbsession):
    template = default(dbsession)
    assert (template.layout, template.accent) == ("gov", "#2362a2")
    assert {t.layout for t in dbsession.scalars(sa.select(NewsletterTemplate))} == {
        "gov", "light", "plain"}


def test_api_writes_changes_and_deletes_templates_but_not_one_in_use(
        nl_testapp, dbsession, users):
    nl_testapp.login(users.staff)
    created = nl_testapp.post_json("/api/v1/newsletter/templates", {
        "name": "Jarní", "accent": "#6B2D8F", "layout": "light",
        "header_html": '<p onclick="x()">Jaro <script>alert(1)</script>v hubu</p>',
        "translations": {"en": {"footer_html": "<p>Spring</p>"}}, "is_default": True},
        headers=api_headers(nl_testapp), status=201).json
    assert created["accent"] == "#6b2d8f" and created["is_default"] is True
    assert "script" not in created["header_html"] and "onclick" not in created["header_html"]
    assert created["translations"] == {"en": {"footer_html": "<p>Spring</p>"}}
    # The default mark moved: there is one default.
    assert default(dbsession).id == created["id"]

    problems = nl_testapp.post_json("/api/v1/newsletter/templates", {
        "name": "", "accent": "blue", "layout": "fancy", "logo_media_id": "x"},
        headers=api_headers(nl_testapp), status=422).json["error"]["details"]["fields"]
    assert set(problems) == {"name", "accent", "layout", "logo_media_id"}
    nl_testapp.post_json("/api/v1/newsletter/templates", {"name": "Jarní"},
                         headers=api_headers(nl_testapp), status=409)

    url = f"/api/v1/newsletter/templates/{created['id']}"
    changed = nl_testapp.patch_json(url, {"description": "Na jaro"},
                                    headers=api_headers(nl_testapp)).json
    assert changed["description"] == "Na jaro" and changed["accent"] == "#6b2d8f"
    english = nl_testapp.get(url, headers={"Accept-Language": "en"}).json
    assert english["footer_html"] == "<p>Spring</p>"

    nl = add_list(dbsession)
    campaign = add_campaign(dbsession, [nl], status="draft", template_id=created["id"])
    error = nl_testapp.delete(url, headers=api_headers(nl_testapp), status=409).json["error"]
    assert error["details"]["campaigns"] == 1
    campaign.template_id = None
    dbsession.flush()
    assert nl_testapp.delete(url, headers=api_headers(nl_testapp)).json["deleted"] is True
    assert not exists(dbsession, created["id"])
    listed = nl_testapp.get("/api/v1/newsletter/templates").json
    assert listed["total"] == 3


def test_staff_pages_write_duplicate_and_refuse_to_delete_a_used_template(
        nl_testapp, dbsession, users):
    nl_testapp.login(users.staff)
    page = nl_testapp.get("/newsletter/admin/templates/new")
    assert page.forms["newsletter-template"]["accent"].value == "#2362a2"
    bad = post(nl_testapp, "/newsletter/admin/templates/new",
               {"name": "Modrý", "accent": "#12345", "layout": "gov"}, status=422)
    summary = bad.html.select_one(".hub-error-summary")
    assert summary.select_one("a")["href"] == "#field-accent"
    assert "field-accent-error" in bad.html.select_one("#field-accent")["aria-describedby"]
    post(nl_testapp, "/newsletter/admin/templates/new",
         {"name": "Modrý", "accent": "#123456", "layout": "gov",
          "footer_html": "<p>Pacientský hub, Praha</p>"}, status=303)
    template = dbsession.scalars(sa.select(NewsletterTemplate)
                                 .where(NewsletterTemplate.name == "Modrý")).one()
    assert template.footer_html == "<p>Pacientský hub, Praha</p>" and not template.is_default

    post(nl_testapp, f"/newsletter/admin/templates/{template.id}/duplicate", status=303)
    copy = dbsession.scalars(sa.select(NewsletterTemplate)
                             .where(NewsletterTemplate.name.like("Modrý (%"))).one()
    assert copy.footer_html == template.footer_html and copy.accent == "#123456"

    add_campaign(dbsession, [add_list(dbsession)], status="draft", template_id=template.id)
    refused = post(nl_testapp, f"/newsletter/admin/templates/{template.id}/delete",
                   status=409)
    assert "cannot be deleted" in refused.text or "nelze smazat" in refused.text
    assert exists(dbsession, template.id)
    post(nl_testapp, f"/newsletter/admin/templates/{copy.id}/delete", status=303)
    assert not exists(dbsession, copy.id)


def test_the_mail_has_the_templates_header_footer_and_colour_and_absolute_addresses(
        nl_app, dbsession):
    from hub_newsletter.rendering import CompiledCampaign

    template = NewsletterTemplate(
        name="Podzim", layout="gov", accent="#aa3300",
        header_html='<p>Podzimní <a href="/akce">akce</a></p>',
        footer_html="<p>Sídlo: Praha</p>", footer_html_en="<p>Office: Prague</p>")
    dbsession.add(template)
    dbsession.flush()
    body = ('<p>${salutation},</p><h2>Mapa</h2>'
            '<p><img src="/media/3/mapa.png" alt="Mapa místa setkání"></p>'
            '<p>Více na <a href="/events/7">stránce akce</a> a '
            '<a href="https://example.org/x">https://example.org/x</a>.</p>'
            '<ul><li><strong>káva</strong></li><li>diskuse</li></ul>')
    campaign = add_campaign(dbsession, [add_list(dbsession)], body=body, template=template)
    request = background_request(nl_app.registry)
    for language, footer in (("cs", "Sídlo: Praha"), ("en", "Office: Prague")):
        compiled = CompiledCampaign(request, campaign, language=language)
        values = compiled.values("jana@example.cz", "Jana", "Nováková", "", "f", "tok" * 10)
        _subject, text, html = compiled.personalise(values)
        assert "background:#aa3300" in html.split("<h1")[0]
        assert 'src="https://hub.example.org/media/3/mapa.png"' in html
        assert 'href="https://hub.example.org/events/7"' in html
        assert 'href="https://hub.example.org/akce"' in html
        assert 'src="/' not in html and 'href="/' not in html
        assert footer in html and footer in text
        # The text part: no markup, links with their address, images by their description.
        assert "<" not in text and "**" not in text
        assert "stránce akce (https://hub.example.org/events/7)" in text
        assert "https://example.org/x." in text and "(https://example.org/x)" not in text
        assert "Mapa místa setkání" in text and "\nMAPA\n" in text
        assert "- káva\n- diskuse" in text


def test_a_body_that_tries_markup_through_a_name_stays_text(nl_app, dbsession):
    from hub_newsletter.rendering import CompiledCampaign

    campaign = add_campaign(dbsession, [add_list(dbsession)],
                            body="<p>Ahoj ${first_name}</p><script>alert(1)</script>")
    compiled = CompiledCampaign(background_request(nl_app.registry), campaign)
    values = compiled.values("eva@example.cz", "<b>Eva</b>", "Malá", "", "f", "tok" * 10)
    _subject, text, html = compiled.personalise(values)
    assert "&lt;b&gt;Eva&lt;/b&gt;" in html and "<b>Eva" not in html
    assert "<script" not in html and "alert" not in text
    assert "Ahoj <b>Eva</b>" in text


def media_image(dbsession, public=True):
    from hub.media import MediaItem

    item = MediaItem(kind="image", title="Logo", alt="Logo hubu", file_key="media/logo",
                     file_name="logo.png", content_type="image/png", size=10,
                     sha256="0" * 64, is_public=public)
    dbsession.add(item)
    dbsession.flush()
    return item


def test_the_logo_is_a_public_image_of_the_media_library_and_counts_as_its_use(
        nl_testapp, dbsession, users):
    from hub_newsletter.hooks import hub_media_usage
    from hub_newsletter.rendering import CompiledCampaign

    private, logo = media_image(dbsession, public=False), media_image(dbsession)
    nl_testapp.login(users.staff)
    error = nl_testapp.post_json("/api/v1/newsletter/templates", {
        "name": "S logem", "logo_media_id": private.id},
        headers=api_headers(nl_testapp), status=422).json["error"]
    assert set(error["details"]["fields"]) == {"logo_media_id"}
    created = nl_testapp.post_json("/api/v1/newsletter/templates", {
        "name": "S logem", "logo_media_id": logo.id},
        headers=api_headers(nl_testapp), status=201).json
    campaign = add_campaign(dbsession, [add_list(dbsession)], template_id=created["id"],
                            body=f'<p><img src="/media/{logo.id}/logo.png" alt="Logo"></p>')
    request = background_request(nl_testapp.app.registry)
    compiled = CompiledCampaign(request, campaign)
    assert f'src="https://hub.example.org/media/{logo.id}/logo.png"' in \
        compiled.html.split("<h1")[0]
    request.dbsession = dbsession
    used = [request.localizer.translate(u) for u in hub_media_usage(request, logo)]
    assert len(used) == 2 and any("S logem" in u for u in used)
    assert any("Novinky" in u for u in used)


def test_template_lists_cost_no_query_per_template(nl_testapp, dbsession, users, connection):
    """The staff page and the API list count the campaigns of all templates at once."""
    from hub.testing import count_queries

    nl_testapp.login(users.staff)
    pages = ("/newsletter/admin/templates", "/api/v1/newsletter/templates")

    def queries() -> list[int]:
        counts = []
        for url in pages:
            with count_queries(connection) as statements:
                nl_testapp.get(url, status=200)
            counts.append(sum("newsletter_" in s for s in statements))
        return counts

    for url in pages:
        nl_testapp.get(url)     # warm-up (session, caches)
    few = queries()
    nl = add_list(dbsession)
    for number in range(8):
        template = NewsletterTemplate(name=f"Šablona {number}", layout="plain",
                                      accent="#123456")
        dbsession.add(template)
        dbsession.flush()
        for _ in range(number % 3):
            add_campaign(dbsession, [nl], status="draft", template_id=template.id)
    many = queries()
    assert many == few, (few, many)
    listed = {t["name"]: t["campaigns"]
              for t in nl_testapp.get("/api/v1/newsletter/templates").json["items"]}
    assert {name: listed[name] for name in listed if name.startswith("Šablona")} == {
        f"Šablona {number}": number % 3 for number in range(8)}
    assert listed[default(dbsession).name] == 0


def test_api_answers_409_for_a_name_taken_meanwhile(nl_testapp, dbsession, users,
                                                    monkeypatch):
    """The name check passed, but a template of the same name was saved meanwhile: the
    database refuses it and the API answers 409 like the page, not a server error."""
    from hub_newsletter import mail_templates

    nl_testapp.login(users.staff)
    nl_testapp.post_json("/api/v1/newsletter/templates", {"name": "Letní"},
                         headers=api_headers(nl_testapp), status=201)
    monkeypatch.setattr(mail_templates, "name_taken", lambda *args: False)
    error = nl_testapp.post_json("/api/v1/newsletter/templates", {"name": "Letní"},
                                 headers=api_headers(nl_testapp), status=409).json["error"]
    assert error["code"] == "conflict"
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(NewsletterTemplate)
                            .where(NewsletterTemplate.name == "Letní")) == 1


def test_an_address_id_that_is_not_an_id_is_not_found(nl_testapp, users):
    nl_testapp.login(users.staff)
    for url in ("/api/v1/newsletter/campaigns/abc", "/api/v1/newsletter/campaigns/0",
                "/api/v1/newsletter/campaigns/99999999999", "/api/v1/newsletter/templates/x1",
                "/api/v1/newsletter/templates/12345678901", "/newsletter/admin/templates/abc"):
        nl_testapp.get(url, status=404)
