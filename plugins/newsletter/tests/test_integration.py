"""API, OpenAPI, CRM audiences, bounces, personal data, notifications and translations."""
import email.message
import mailbox
from pathlib import Path

import sqlalchemy as sa
from babel.messages.pofile import read_po

from hub.consent import holders
from hub.jobs import background_request
from hub.markers import hookimpl
from hub.notifications.models import Notification
from hub.testing import html_text
from hub_newsletter.models import Campaign, Delivery, NewsletterList, Subscriber, Subscription

from .conftest import add_campaign, add_list, add_subscriber, post

API_HEADERS = {"Origin": "https://hub.example.org"}


def test_api_lists_and_subscribe_with_validation(nl_testapp, dbsession):
    nl = add_list(dbsession)
    add_list(dbsession, "interni", "Interní", public=False)
    data = nl_testapp.get("/api/v1/newsletter/lists").json
    assert [item["slug"] for item in data["items"]] == ["novinky"]
    assert (data["total"], data["next_offset"]) == (1, None) and "consent" in data
    headers = {**API_HEADERS, "X-CSRF-Token": nl_testapp.csrf_token.strip('"')}
    bad = nl_testapp.post_json("/api/v1/newsletter/subscriptions",
                               {"email": "x", "lists": [], "consent": False},
                               headers=headers, status=422).json
    assert set(bad["error"]["details"]) == {"email", "lists", "consent"}
    nl_testapp.post_json("/api/v1/newsletter/subscriptions",
                         {"email": "a@example.cz", "lists": ["interni"], "consent": True},
                         headers=headers, status=422)
    nl_testapp.post_json("/api/v1/newsletter/subscriptions",
                         {"email": "a@example.cz", "lists": [{"id": 1}], "consent": True},
                         headers=headers, status=422)
    nl_testapp.post("/api/v1/newsletter/subscriptions", "{not json", headers=headers,
                    content_type="application/json", status=400)
    ok = nl_testapp.post_json("/api/v1/newsletter/subscriptions",
                              {"email": "A@example.cz", "lists": [nl.id], "consent": True},
                              headers=headers, status=202)
    assert ok.json["status"] == "accepted"
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 1
    lists = nl_testapp.get("/api/v1/newsletter/lists", headers=API_HEADERS).json
    assert lists["consent"]["purpose"] == "newsletter.list"
    stale = nl_testapp.post_json("/api/v1/newsletter/subscriptions",
                                 {"email": "b@example.cz", "lists": [nl.id], "consent": True,
                                  "text_version": "0" * 16}, headers=headers, status=409).json
    assert stale["error"]["code"] == "outdated_text"


def test_api_campaigns_for_staff_only_and_openapi(nl_testapp, dbsession, users):
    nl = add_list(dbsession)
    campaign = add_campaign(dbsession, [nl])
    assert nl_testapp.get("/api/v1/newsletter/campaigns", expect_errors=True).status_code in (
        401, 403)
    nl_testapp.login(users.member)
    nl_testapp.get("/api/v1/newsletter/campaigns", status=403)
    nl_testapp.login(users.staff)
    newer = add_campaign(dbsession, [nl])
    data = nl_testapp.get("/api/v1/newsletter/campaigns").json
    assert [c["id"] for c in data["items"]] == [newer.id, campaign.id]
    assert (data["total"], data["limit"], data["next_offset"]) == (2, 200, None)
    first = nl_testapp.get("/api/v1/newsletter/campaigns", {"limit": 1}).json
    assert first["items"][0]["id"] == newer.id and first["next_offset"] == 1
    second = nl_testapp.get("/api/v1/newsletter/campaigns",
                            {"limit": 1, "offset": first["next_offset"]}).json
    assert second["items"][0]["id"] == campaign.id and second["next_offset"] is None
    one = nl_testapp.get(f"/api/v1/newsletter/campaigns/{campaign.id}").json
    assert one["stats"]["total"] == 0 and one["status"] == "approved"
    nl_testapp.get("/api/v1/newsletter/campaigns/999999", status=404)
    request = background_request(nl_testapp.app.registry)
    parts = request.registry["hub.pm"].hook.hub_openapi(request=request)
    paths = {p for part in parts for p in part["paths"]}
    assert "/newsletter/subscriptions" in paths


def test_crm_audience_members_get_it_and_consent_is_rechecked_at_send_time(
        nl_testapp, dbsession, users, sink, fake_crm):
    members = [{"email": "Anna@example.cz", "name": "Anna Malá", "first_name": "Anna",
                "last_name": "Malá", "gender": "f", "language": "cs", "contact_id": 1},
               {"email": "bohus@example.cz", "name": "Bohumil Hrabal", "first_name": "Bohumil",
                "last_name": "Hrabal", "gender": "m", "language": "cs", "contact_id": 2}]
    fake_crm(members, withdrawn={"bohus@example.cz"})
    campaign = add_campaign(dbsession, [], audiences=["patients"], salutation="informal")
    nl_testapp.login(users.admin)
    post(nl_testapp, f"/newsletter/admin/campaigns/{campaign.id}/send", {})
    assert [r for _f, rcpts, _m in sink.messages for r in rcpts] == ["anna@example.cz"]
    skipped = dbsession.scalar(sa.select(Delivery).where(Delivery.address == "bohus@example.cz"))
    assert skipped.status == "skipped"
    body = sink.messages[0][2].get_payload()[0].get_payload(decode=True).decode()
    assert body.startswith("Milá Anno,")


class UncountedAudience:
    """A CRM audience whose size is not shown (a segment defined by health data)."""

    @hookimpl
    def hub_audiences(self, request):
        return [{"key": "crm.segment.9", "label": "Diabetici", "purpose": "research",
                 "count": None}]


def test_staff_see_crm_audiences_in_the_campaign_form(nl_app, nl_testapp, users, fake_crm):
    fake_crm([])
    pm = nl_app.registry["hub.pm"]
    pm.register(UncountedAudience(), name="uncounted-audience")
    try:
        nl_testapp.login(users.staff)
        text = html_text(nl_testapp.get("/newsletter/admin/campaigns/new"))
    finally:
        pm.unregister(name="uncounted-audience")
    assert "Pacienti (0)" in text
    assert "Diabetici" in text and "Diabetici (" not in text


def test_bounce_webhook_and_maildir(nl_app, nl_testapp, dbsession, tmp_path):
    from hub_newsletter.bounces import process_maildir
    from hub_newsletter.mail_settings import verp_address

    nl = add_list(dbsession)
    hard = add_subscriber(dbsession, nl, "hard@example.cz")
    soft = add_subscriber(dbsession, nl, "soft@example.cz")
    campaign = add_campaign(dbsession, [nl], status="sent")
    rows = {}
    for s in (hard, soft):
        rows[s.email] = Delivery(campaign_id=campaign.id, subscriber_id=s.id, address=s.email,
                                 source="list", status="sent")
        dbsession.add(rows[s.email])
    dbsession.flush()
    settings = nl_app.registry.settings
    # Webhook: refused without a configured secret and with a wrong one.
    nl_testapp.post_json("/api/v1/newsletter/bounces", {"recipient": "x", "type": "hard"},
                         status=403)
    settings["newsletter.webhook_secret"] = "s3cret"  # noqa: S105
    nl_testapp.post_json("/api/v1/newsletter/bounces", {"recipient": "x", "type": "hard"},
                         headers={"X-Webhook-Secret": "wrong"}, status=403)
    try:
        result = nl_testapp.post_json(
            "/api/v1/newsletter/bounces",
            {"recipient": verp_address(settings, rows["hard@example.cz"].id, hard.token),
             "type": "hard"}, headers={"X-Webhook-Secret": "s3cret"}).json
        assert result == {"handled": 1}
        forged = nl_testapp.post_json(
            "/api/v1/newsletter/bounces",
            {"recipient": f"bounces+{rows['soft@example.cz'].id}-AAAAAAAAAA@x", "type": "hard"},
            headers={"X-Webhook-Secret": "s3cret"}).json
        assert forged == {"handled": 0}
    finally:
        settings["newsletter.webhook_secret"] = ""
    dbsession.refresh(hard)
    assert hard.hard_bounced_at is not None and not hard.can_receive

    # Maildir: a soft DSN and an unsubscribe mail (the mailto: of List-Unsubscribe).
    box = mailbox.Maildir(str(tmp_path / "bounces"), create=True)
    dsn = email.message.EmailMessage()
    dsn["To"] = verp_address(settings, rows["soft@example.cz"].id, soft.token)
    dsn["Subject"] = "Delivery Status Notification (Delay)"
    dsn.set_content("Action: delayed\nStatus: 4.2.2\n")
    box.add(dsn)
    unsubscribe = email.message.EmailMessage()
    unsubscribe["To"] = "bounces@hub.example.org"
    unsubscribe["Subject"] = f"unsubscribe-{soft.token}"
    unsubscribe.set_content("")
    box.add(unsubscribe)
    settings["newsletter.bounce_maildir"] = str(tmp_path / "bounces")
    try:
        request = background_request(nl_app.registry)
        request.dbsession = dbsession
        assert process_maildir(request) == 2
    finally:
        settings["newsletter.bounce_maildir"] = ""
    dbsession.flush()
    dbsession.refresh(soft)
    assert soft.soft_bounces == 1 and soft.hard_bounced_at is None
    assert soft.opted_out_at is not None
    assert list(box.keys()) == []


def test_personal_data_export_and_erase(nl_app, dbsession, users):
    nl = add_list(dbsession)
    subscriber = add_subscriber(dbsession, nl, users.member.email, users.member.name)
    campaign = add_campaign(dbsession, [nl], status="sent")
    dbsession.add(Delivery(campaign_id=campaign.id, subscriber_id=subscriber.id,
                           address=subscriber.email, source="list", status="sent"))
    dbsession.flush()
    request = background_request(nl_app.registry)
    request.dbsession = dbsession
    hook = nl_app.registry["hub.pm"].hook
    exported = {k: v for part in hook.hub_personal_data_export(request=request,
                                                               user=users.member)
                for k, v in part.items()}
    assert any(r.get("email") == users.member.email for rows in exported.values() for r in rows)
    assert any(r.get("newsletter") == "Novinky" for rows in exported.values() for r in rows)
    hook.hub_personal_data_erase(request=request, user=users.member)
    assert dbsession.scalar(sa.select(Subscriber).where(
        Subscriber.email == users.member.email)) is None
    delivery = dbsession.scalar(sa.select(Delivery))
    assert delivery.address.startswith("erased-") and delivery.subscriber_id is None
    tables = [t for part in hook.hub_personal_data_tables() for t in part]
    assert "newsletter_subscriber" in tables


def test_approvers_are_notified_and_profile_section_lists_subscriptions(nl_testapp, dbsession,
                                                                         users):
    nl = add_list(dbsession)
    campaign = add_campaign(dbsession, [nl], status="draft", created_by=users.staff)
    nl_testapp.login(users.staff)
    post(nl_testapp, f"/newsletter/admin/campaigns/{campaign.id}/submit", {})
    assert dbsession.scalar(sa.select(Notification).where(
        Notification.user_id == users.admin.id)).kind == "newsletter.approval_requested"
    dbsession.refresh(campaign)
    assert campaign.status == "submitted"
    add_subscriber(dbsession, nl, users.member.email)
    nl_testapp.login(users.member)
    dashboard = nl_testapp.get("/my")
    assert "Novinky" in dashboard.text and "/newsletter/preferences/" in dashboard.text


def test_pages_are_translated_to_czech_and_english(nl_testapp, dbsession):
    add_list(dbsession)
    assert "Přihlásit k odběru" in nl_testapp.get("/newsletter").text
    nl_testapp.set_cookie("hub_lang", "en")
    assert "Subscribe" in nl_testapp.get("/newsletter").text


def test_czech_catalogue_has_no_empty_translation():
    po = Path(__file__).parents[1] / "hub_newsletter/locale/cs/LC_MESSAGES/hub_newsletter.po"
    with po.open("rb") as handle:
        catalogue = read_po(handle)
    assert [m.id for m in catalogue if m.id and not m.string] == []


def test_demo_data_is_idempotent(nl_app, dbsession):
    from hub_newsletter.demo import load

    load(dbsession, 1)
    counts = [dbsession.scalar(sa.select(sa.func.count()).select_from(t))
              for t in (Subscriber, Subscription, Campaign)]
    load(dbsession, 1)
    assert counts == [dbsession.scalar(sa.select(sa.func.count()).select_from(t))
                      for t in (Subscriber, Subscription, Campaign)]
    assert counts[0] == 100


def test_activity_lists_newsletters_a_person_received(nl_app, dbsession, users):
    from hub.db import utcnow

    nl = add_list(dbsession)
    subscriber = add_subscriber(dbsession, nl, users.member.email)
    campaign = add_campaign(dbsession, [nl], status="sent", subject="Lednové novinky")
    dbsession.add(Delivery(campaign_id=campaign.id, subscriber_id=subscriber.id,
                           address=subscriber.email, source="list", status="sent",
                           sent_at=utcnow()))
    dbsession.flush()
    request = background_request(nl_app.registry)
    request.dbsession = dbsession
    # Only this plugin's entries: the core and other plugins add their own.
    entries = [e for part in nl_app.registry["hub.pm"].hook.hub_activity(
        request=request, user=users.member) for e in part
        if e["kind"].startswith("newsletter.")]
    assert [(e["kind"], e["title"]) for e in entries] == [("newsletter.newsletter",
                                                           "Lednové novinky")]
    assert entries[0]["when"].tzinfo is not None
    others = [e for part in nl_app.registry["hub.pm"].hook.hub_activity(
        request=request, user=users.staff) for e in part
        if e["kind"].startswith("newsletter.")]
    assert others == []


def test_home_page_shows_the_latest_archived_newsletters(nl_testapp, dbsession):
    from hub.db import utcnow

    nl = add_list(dbsession)
    add_campaign(dbsession, [nl], status="sent", subject="Únorové novinky",
                 finished_at=utcnow())
    add_campaign(dbsession, [nl], status="sent", subject="Interní", in_archive=False,
                 finished_at=utcnow())
    home = nl_testapp.get("/")
    assert "Únorové novinky" in home.text and "Interní" not in home.text


def test_segment_criterion_selects_users_subscribed_to_a_list(nl_app, dbsession, users):
    nl = add_list(dbsession)
    subscriber = add_subscriber(dbsession, nl, users.member.email)
    subscriber.user_id = users.member.id
    add_subscriber(dbsession, nl, "anonymous@example.cz")
    dbsession.flush()
    request = background_request(nl_app.registry)
    request.dbsession = dbsession
    (criterion,) = [c for part in nl_app.registry["hub.pm"].hook.hub_segment_criteria()
                    for c in part]
    assert criterion.options(request) == [(str(nl.id), "Novinky")]
    assert list(dbsession.scalars(criterion.user_ids(request, str(nl.id)))) == [
        users.member.id]
    assert list(dbsession.scalars(criterion.user_ids(request, "junk"))) == []


def test_demo_data_at_scale_gives_a_thousand_confirmed_recipients_per_unit(nl_app, dbsession):
    from hub_newsletter.demo import load

    load(dbsession, 3)
    novinky = dbsession.scalar(sa.select(NewsletterList.id).where(NewsletterList.slug == "novinky"))
    held = holders("newsletter.list", f"list:{novinky}").subquery()
    confirmed = dbsession.scalar(
        sa.select(sa.func.count()).select_from(held).join(Subscriber,
                                                          Subscriber.email == held.c.email))
    assert confirmed == 3000
    assert dbsession.scalar(sa.select(sa.func.count(sa.distinct(Subscriber.token)))) == 3000
    load(dbsession, 3)  # idempotent at scale too
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Subscriber)) == 3000


def test_campaign_page_names_crm_audiences_by_their_label(nl_testapp, dbsession, users,
                                                          fake_crm):
    from hub.testing import html_text

    fake_crm([])
    campaign = add_campaign(dbsession, [], status="draft", audiences=["patients"],
                            created_by=users.staff)
    nl_testapp.login(users.staff)
    page = html_text(nl_testapp.get(f"/newsletter/admin/campaigns/{campaign.id}"))
    assert "Pacienti" in page and "patients" not in page


def test_openapi_sample_subscription_is_accepted(nl_testapp, dbsession):
    from hub.api.samples import sample_body

    add_list(dbsession)
    doc = nl_testapp.get("/api/v1/openapi.json").json
    body = sample_body(doc, doc["paths"]["/newsletter/subscriptions"]["post"])
    assert body["lists"] == ["novinky"] and body["consent"] is True
    headers = {**API_HEADERS, "X-CSRF-Token": nl_testapp.csrf_token.strip('"')}
    nl_testapp.post_json("/api/v1/newsletter/subscriptions", body, headers=headers, status=202)
    bounce = sample_body(doc, doc["paths"]["/newsletter/bounces"]["post"])
    assert bounce["type"] == "hard" and set(bounce) == {"recipient", "type"}
