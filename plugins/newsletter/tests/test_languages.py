"""Campaigns in Czech and English: the staff form, the API, each recipient's version in the
sent mail (with the Czech fallback marked lang="cs"), the archive, the list of what is
not translated, and the recipient's choice of language."""
import re

import sqlalchemy as sa

from hub.jobs import background_request
from hub.testing import html_text
from hub_newsletter.models import Campaign, Subscriber

from .conftest import add_campaign, add_list, add_subscriber, post, prepare_deliveries

ORIGIN = "https://hub.example.org"


def api_headers(client, language=None):
    headers = {"X-CSRF-Token": client.csrf_token.strip('"'), "Origin": ORIGIN}
    if language:
        headers["Accept-Language"] = language
    return headers


def part(message, subtype):
    for item in message.walk():
        if item.get_content_type() == f"text/{subtype}":
            return item.get_payload(decode=True).decode(item.get_content_charset())
    raise AssertionError(subtype)


def received(sink, address):
    (raw,) = sink.to(address)
    return raw


def send(testapp, dbsession, campaign):
    from hub_newsletter.sending import send_campaign

    prepare_deliveries(dbsession, campaign)
    send_campaign(background_request(testapp.app.registry), campaign.id)


def test_staff_form_takes_czech_and_english_side_by_side(nl_testapp, dbsession, users):
    nl = add_list(dbsession)
    nl_testapp.login(users.staff)
    form = nl_testapp.get("/newsletter/admin/campaigns/new")
    for name, lang in (("body", "cs"), ("body_en", "en")):
        (area,) = form.html.select(f"textarea[name={name}]")
        assert area.has_attr("data-hub-richtext") and area["lang"] == lang
    # The default template is preselected.
    template = form.forms["newsletter-campaign"]["template"].value
    fields = {"kind": "newsletter", "subject": "Novinky", "preheader": "Co je nového",
              "template": template,
              "body": "<p>${salutation},</p><p>novinky.</p>", "subject_en": "News",
              "body_en": "<p>${salutation},</p><p>the news.</p>", "salutation": "formal",
              "list": str(nl.id), "in_archive": "on"}
    # An English text without its subject is refused, with the error linked to the field.
    page = post(nl_testapp, "/newsletter/admin/campaigns/new", {**fields, "subject_en": ""},
                status=422)
    assert page.html.select_one("#field-subject_en")["aria-describedby"] == \
        "field-subject_en-error"
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 0
    post(nl_testapp, "/newsletter/admin/campaigns/new", fields, status=303)
    campaign = dbsession.scalars(sa.select(Campaign)).one()
    assert (campaign.subject, campaign.subject_en, campaign.preheader_en) == (
        "Novinky", "News", "")
    assert campaign.body_en == "<p>${salutation},</p><p>the news.</p>"
    assert campaign.template is not None and campaign.template.is_default
    page = nl_testapp.get(f"/newsletter/admin/campaigns/{campaign.id}")
    previews = html_text(page.html.select_one("#previews"))
    assert "Vážen" in previews and "novinky." in previews
    assert "Dear " in previews and "the news." in previews


def test_api_takes_and_returns_translations_and_answers_in_the_asked_language(
        nl_testapp, dbsession, users):
    nl = add_list(dbsession)
    nl_testapp.login(users.staff)
    created = nl_testapp.post_json("/api/v1/newsletter/campaigns", {
        "subject": "Novinky", "body": "<p>Česky</p>", "lists": [nl.id],
        "translations": {"en": {"subject": " News ", "body": "<p>In English</p>"}}},
        headers=api_headers(nl_testapp), status=201).json
    assert created["translations"] == {"en": {"subject": "News", "body": "<p>In English</p>"}}
    assert created["missing_translations"] == []
    campaign = dbsession.get(Campaign, created["id"])
    assert (campaign.subject_en, campaign.status, campaign.template.is_default) == (
        "News", "draft", True)
    english = nl_testapp.get(f"/api/v1/newsletter/campaigns/{campaign.id}",
                             headers={"Accept-Language": "en"}).json
    assert (english["subject"], english["body"], english["language"]) == (
        "News", "<p>In English</p>", "en")
    czech = nl_testapp.get(f"/api/v1/newsletter/campaigns/{campaign.id}",
                           headers={"Accept-Language": "cs"}).json
    assert (czech["subject"], czech["language"]) == ("Novinky", "cs")
    listed = nl_testapp.get("/api/v1/newsletter/campaigns",
                            headers={"Accept-Language": "en"}).json["items"]
    assert listed[0]["subject"] == "News"

    # Bad translations: 422 with the paths of the fields.
    error = nl_testapp.patch_json(f"/api/v1/newsletter/campaigns/{campaign.id}", {
        "translations": {"en": {"subject": "x" * 201, "kind": "x"}, "de": {}}},
        headers=api_headers(nl_testapp), status=422).json["error"]
    assert set(error["details"]["fields"]) == {"translations.en.subject",
                                               "translations.en.kind", "translations.de"}
    error = nl_testapp.patch_json(f"/api/v1/newsletter/campaigns/{campaign.id}", {
        "subject_en": "Not this way"}, headers=api_headers(nl_testapp), status=422).json
    assert error["error"]["details"]["fields"] == {"subject_en": "unknown field"}
    # Removing the English subject while the English text stays is refused too.
    error = nl_testapp.patch_json(f"/api/v1/newsletter/campaigns/{campaign.id}", {
        "translations": {"en": {"subject": ""}}}, headers=api_headers(nl_testapp),
        status=422).json["error"]
    assert set(error["details"]["fields"]) == {"translations.en.subject"}
    changed = nl_testapp.patch_json(f"/api/v1/newsletter/campaigns/{campaign.id}", {
        "translations": {"en": {"body": "", "subject": ""}}},
        headers=api_headers(nl_testapp, "en")).json
    assert changed["subject"] == "Novinky" and changed["language"] == "cs"
    assert changed["missing_translations"] == ["subject", "body"]

    # A campaign being sent cannot change: 409.
    campaign.status = "sending"
    dbsession.flush()
    nl_testapp.patch_json(f"/api/v1/newsletter/campaigns/{campaign.id}", {"subject": "Jiné"},
                          headers=api_headers(nl_testapp), status=409)


def test_each_recipient_gets_the_version_of_their_language(nl_testapp, dbsession, sink):
    nl = add_list(dbsession)
    add_subscriber(dbsession, nl, "jana@example.cz", "Jana Nováková", gender="f")
    add_subscriber(dbsession, nl, "john@example.org", "John Smith", gender="m")
    dbsession.execute(sa.update(Subscriber).where(Subscriber.email == "john@example.org")
                      .values(language="en"))
    campaign = add_campaign(
        dbsession, [nl], subject="Novinky pro ${first_name}", preheader="Přehled",
        body="<p>${salutation},</p><h2>Co je nového</h2><p>Česká zpráva.</p>",
        subject_en="News for ${first_name}", preheader_en="Overview",
        body_en="<p>${salutation},</p><h2>What is new</h2><p>English news.</p>")
    send(nl_testapp, dbsession, campaign)

    jana = received(sink, "jana@example.cz")
    john = received(sink, "john@example.org")
    assert jana["Subject"] == "Novinky pro Jana"
    assert john["Subject"] == "News for John"
    text, html = part(john, "plain"), part(john, "html")
    assert text.startswith("Dear Mr Smith,\n\nWHAT IS NEW\n\nEnglish news.")
    assert "Unsubscribe: https://hub.example.org/newsletter/u/" in text
    assert "Česk" not in text and "Odhlásit" not in text
    assert '<html lang="en">' in html and 'lang="cs"' not in html
    assert "Overview" in html and "Přehled" not in html
    assert "You receive this e-mail because you subscribed" in html
    czech_text = part(jana, "plain")
    assert czech_text.startswith("Vážená paní Nováková,\n\nCO JE NOVÉHO\n\nČeská zpráva.")
    assert "Odhlásit" in czech_text and '<html lang="cs">' in part(jana, "html")


def test_english_readers_get_the_czech_text_marked_as_czech_without_an_english_version(
        nl_testapp, dbsession, sink):
    nl = add_list(dbsession)
    add_subscriber(dbsession, nl, "john@example.org", "John Smith", gender="m")
    dbsession.execute(sa.update(Subscriber).values(language="en"))
    campaign = add_campaign(dbsession, [nl], subject="Novinky",
                            body="<p>${salutation},</p><p>Jen česky.</p>")
    send(nl_testapp, dbsession, campaign)
    john = received(sink, "john@example.org")
    assert john["Subject"] == "Novinky"
    html = part(john, "html")
    assert '<html lang="en">' in html
    # The passage in Czech says so; the salutation and everything around it is English.
    (body,) = re.findall(r'<td lang="cs"[^>]*>(.*?)</td>', html, re.S)
    assert "Jen česky." in body and "Dear Mr Smith," in body
    text = part(john, "plain")
    assert "Jen česky." in text and "Unsubscribe:" in text


def test_the_archive_shows_the_visitors_language_with_fallback(nl_testapp, dbsession):
    from hub.db import utcnow

    nl = add_list(dbsession)
    both = add_campaign(dbsession, [nl], status="sent", subject="Novinky",
                        body="<p>Česky</p>", subject_en="News", body_en="<p>In English</p>",
                        finished_at=utcnow())
    czech = add_campaign(dbsession, [nl], status="sent", subject="Jen česky",
                         body="<p>Pouze česká verze</p>", finished_at=utcnow())
    nl_testapp.set_cookie("hub_lang", "en")
    english = nl_testapp.get(f"/newsletter/archive/{both.id}")
    assert "In English" in english.text and "Česky" not in english.text
    fallback = nl_testapp.get(f"/newsletter/archive/{czech.id}")
    body = fallback.html.select_one(".newsletter-body")
    assert body["lang"] == "cs" and "Pouze česká verze" in body.get_text()
    assert "News" in nl_testapp.get("/newsletter/archive").text
    nl_testapp.set_cookie("hub_lang", "cs")
    page = nl_testapp.get(f"/newsletter/archive/{both.id}")
    assert page.html.select_one(".newsletter-body").get_text().strip() == "Česky"


def test_campaigns_to_send_without_english_are_listed_for_staff(nl_testapp, dbsession, users):
    nl = add_list(dbsession)
    add_campaign(dbsession, [nl], status="draft", subject="Koncept bez překladu")
    add_campaign(dbsession, [nl], status="draft", subject="Přeložený koncept",
                 subject_en="Translated", body_en="<p>English</p>")
    add_campaign(dbsession, [nl], status="sent", subject="Odeslaný bez překladu")
    nl_testapp.login(users.staff)
    text = html_text(nl_testapp.get("/admin/translations"))
    assert "Koncept bez překladu" in text
    assert "Přeložený koncept" not in text and "Odeslaný bez překladu" not in text


def test_subscribers_choose_their_language_on_the_preferences_page(nl_testapp, dbsession):
    nl = add_list(dbsession)
    subscriber = add_subscriber(dbsession, nl, "jana@example.cz", "Jana Nováková")
    page = nl_testapp.get(f"/newsletter/preferences/{subscriber.token}")
    form = page.forms["newsletter-preferences"]
    assert form["language"].value == "cs"
    form["language"] = "en"
    form.submit(headers={"Origin": ORIGIN}, status=303)
    dbsession.refresh(subscriber)
    assert subscriber.language == "en"


def test_the_test_send_and_the_html_preview_come_in_the_chosen_language(
        nl_testapp, dbsession, users, sink):
    nl = add_list(dbsession)
    campaign = add_campaign(dbsession, [nl], status="draft", subject="Novinky",
                            body="<p>${salutation},</p><p>Česky</p>", subject_en="News",
                            body_en="<p>${salutation},</p><p>In English</p>")
    nl_testapp.login(users.staff)
    page = nl_testapp.get(f"/newsletter/admin/campaigns/{campaign.id}")
    form = page.forms["campaign-test"]
    form["language"] = "en"
    form.submit(headers={"Origin": ORIGIN}, status=303)
    (message,) = sink.to(users.staff.email)
    assert message["Subject"] == "[TEST] News"
    assert "In English" in part(message, "plain") and "Unsubscribe" in part(message, "plain")
    english = nl_testapp.get(f"/newsletter/admin/campaigns/{campaign.id}/preview?lang=en")
    czech = nl_testapp.get(f"/newsletter/admin/campaigns/{campaign.id}/preview?lang=cs")
    assert "In English" in english.text and '<html lang="en">' in english.text
    assert "Česky" in czech.text and "In English" not in czech.text
