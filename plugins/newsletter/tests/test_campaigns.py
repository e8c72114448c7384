"""Staff flows: write, approve, send; permissions; broken templates; the archive."""
import sqlalchemy as sa

from hub.testing import html_text
from hub_newsletter.models import Campaign, Delivery

from .conftest import add_campaign, add_list, add_subscriber, post

ORIGIN = {"Origin": "https://hub.example.org"}


def part(message, subtype):
    for item in message.walk():
        if item.get_content_type() == f"text/{subtype}":
            return item.get_payload(decode=True).decode(item.get_content_charset())
    raise AssertionError(f"no text/{subtype} part")


def test_members_and_anonymous_cannot_use_the_administration(nl_testapp, users):
    assert nl_testapp.get("/newsletter/admin", expect_errors=True).status_code in (302, 303, 403)
    nl_testapp.login(users.member)
    nl_testapp.get("/newsletter/admin", status=403)
    nl_testapp.get("/newsletter/admin/campaigns/new", status=403)


def test_staff_write_admin_approves_and_sends_exactly_to_consenting_subscribers(
        nl_testapp, dbsession, users, sink):
    nl = add_list(dbsession)
    add_subscriber(dbsession, nl, "jana@example.cz", "Jana Nováková")
    add_subscriber(dbsession, nl, "petr@example.cz", "Petr Novák")
    add_subscriber(dbsession, nl, "pending@example.cz", "Iva Malá", status="pending")
    gone = add_subscriber(dbsession, nl, "gone@example.cz", "Ota Pryč")
    from hub.db import utcnow

    gone.opted_out_at = utcnow()
    dbsession.flush()

    nl_testapp.login(users.staff)
    form = nl_testapp.get("/newsletter/admin/campaigns/new").forms["newsletter-campaign"]
    form["subject"] = "Prosincové novinky"
    form["body"] = "${salutation},\n\nposíláme novinky.\n\n- první\n- druhá\n\nhttps://hub.example.org"
    form["list"] = [str(nl.id)]
    page = form.submit(headers=ORIGIN).follow()
    campaign = dbsession.scalar(sa.select(Campaign))
    assert campaign.status == "draft"
    assert "Vážená paní" in html_text(page) or "Vážený pane" in html_text(page)
    page.forms["campaign-submit"].submit(headers=ORIGIN)
    # The author cannot approve (and staff may not approve or send at all).
    post(nl_testapp, f"/newsletter/admin/campaigns/{campaign.id}/approve", {}, status=403)
    post(nl_testapp, f"/newsletter/admin/campaigns/{campaign.id}/send", {}, status=403)

    nl_testapp.login(users.admin)
    page = nl_testapp.get(f"/newsletter/admin/campaigns/{campaign.id}")
    page.forms["campaign-approve"].submit(headers=ORIGIN)
    page = nl_testapp.get(f"/newsletter/admin/campaigns/{campaign.id}")
    page.forms["campaign-send"].submit(headers=ORIGIN)

    dbsession.refresh(campaign)
    assert campaign.status == "sent"
    received = sorted(rcpt for _f, rcpts, _m in sink.messages for rcpt in rcpts)
    assert received == ["jana@example.cz", "petr@example.cz"]
    jana = sink.to("jana@example.cz")[0]
    text = part(jana, "plain")
    assert text.startswith("Vážená paní Nováková,")
    assert "Vážený pane Nováku," in part(sink.to("petr@example.cz")[0], "plain")
    delivery = dbsession.scalar(sa.select(Delivery).where(Delivery.address == "jana@example.cz"))
    assert jana["Message-ID"] == f"<newsletter-{campaign.id}-{delivery.id}@hub.example.org>"
    assert jana["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "https://hub.example.org/newsletter/u/" in jana["List-Unsubscribe"]
    assert "mailto:" in jana["List-Unsubscribe"]
    html = part(jana, "html")
    assert 'href="https://hub.example.org"' in html and "<li>" in html
    page = nl_testapp.get(f"/newsletter/admin/campaigns/{campaign.id}")
    assert "100" in html_text(page)

    # Sending again sends nothing (the campaign is finished; rows are unique per address).
    post(nl_testapp, f"/newsletter/admin/campaigns/{campaign.id}/send", {})
    assert len(sink.messages) == 2

    # The public archive shows it without personal data.
    archive = nl_testapp.logout().get("/newsletter/archive")
    assert "Prosincové novinky" in archive.text
    issue = nl_testapp.get(f"/newsletter/archive/{campaign.id}")
    assert "Nováková" not in issue.text and "posíláme novinky" in issue.text


def test_a_broken_template_fails_before_anything_is_sent_with_the_error_shown(
        nl_testapp, dbsession, users, sink):
    nl = add_list(dbsession)
    add_subscriber(dbsession, nl, "jana@example.cz", "Jana Nováková")
    campaign = add_campaign(dbsession, [nl], body="${salutation},\n\ndobrý den ${jmeno}",
                            created_by=users.staff)
    nl_testapp.login(users.admin)
    page = post(nl_testapp, f"/newsletter/admin/campaigns/{campaign.id}/send", {}).follow()
    dbsession.refresh(campaign)
    assert campaign.status == "failed"
    assert "${jmeno}" in campaign.error
    assert "${jmeno}" in html_text(page)
    assert sink.messages == []
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0


def test_pause_and_cancel_stop_sending(nl_testapp, dbsession, users, sink):
    from hub.jobs import background_request
    from hub_newsletter.sending import send_campaign

    from .conftest import prepare_deliveries

    nl = add_list(dbsession)
    for i in range(3):
        add_subscriber(dbsession, nl, f"r{i}@example.cz", "Jan Novák")
    campaign = add_campaign(dbsession, [nl], created_by=users.staff)
    prepare_deliveries(dbsession, campaign)
    nl_testapp.login(users.admin)
    post(nl_testapp, f"/newsletter/admin/campaigns/{campaign.id}/pause", {})
    dbsession.refresh(campaign)
    assert campaign.status == "paused"
    send_campaign(background_request(nl_testapp.app.registry), campaign.id)
    assert sink.messages == []
    post(nl_testapp, f"/newsletter/admin/campaigns/{campaign.id}/cancel", {})
    dbsession.refresh(campaign)
    assert campaign.status == "cancelled"
    send_campaign(background_request(nl_testapp.app.registry), campaign.id)
    assert sink.messages == []


def test_test_send_and_preview(nl_testapp, dbsession, users, sink):
    nl = add_list(dbsession)
    campaign = add_campaign(dbsession, [nl], status="draft", created_by=users.staff)
    nl_testapp.login(users.staff)
    preview = nl_testapp.get(f"/newsletter/admin/campaigns/{campaign.id}/preview")
    assert "Vážený pane" in preview.text
    assert "sandbox" in preview.headers["Content-Security-Policy"]
    post(nl_testapp, f"/newsletter/admin/campaigns/{campaign.id}/test", {})
    (message,) = sink.to(users.staff.email)
    assert message["Subject"].startswith("[TEST]")
    dbsession.refresh(campaign)
    assert campaign.status == "draft"


def test_template_layouts_change_the_look_of_the_mail(nl_app, dbsession, users):
    from hub.jobs import background_request
    from hub_newsletter.models import NewsletterTemplate
    from hub_newsletter.rendering import archive_values, render

    nl = add_list(dbsession)
    campaign = add_campaign(dbsession, [nl], status="draft")
    request = background_request(nl_app.registry)
    looks = {}
    for layout in ("gov", "light", "plain"):
        campaign.template = NewsletterTemplate(name=f"Vzhled {layout}", layout=layout,
                                               accent="#6b2d8f")
        dbsession.flush()
        looks[layout] = render(request, campaign, archive_values(campaign))[2]
    assert "background:#6b2d8f" in looks["gov"].split("<h1")[0]
    assert "border-bottom:3px solid #6b2d8f" in looks["light"]
    assert "Georgia" in looks["plain"]
    campaign.template.layout = "fancy"
    import pytest
    import sqlalchemy.exc

    with pytest.raises(sqlalchemy.exc.IntegrityError), dbsession.begin_nested():
        dbsession.flush()


def test_mail_carries_the_ledger_withdraw_link_whose_one_click_post_stops_the_next_send(
        nl_testapp, dbsession, users, sink):
    from hub.consent import ConsentRecord

    nl = add_list(dbsession)
    add_subscriber(dbsession, nl, "jana@example.cz", "Jana Nováková")
    add_subscriber(dbsession, nl, "petr@example.cz", "Petr Novák")
    first = add_campaign(dbsession, [nl])
    nl_testapp.login(users.admin)
    post(nl_testapp, f"/newsletter/admin/campaigns/{first.id}/send", {})
    jana = sink.to("jana@example.cz")[0]
    links = [u.strip(" <>") for u in jana["List-Unsubscribe"].split(",")]
    assert links[0].startswith("https://hub.example.org/consent/withdraw/")
    assert jana["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # RFC 8058: the mail provider posts without cookies or a CSRF token.
    nl_testapp.reset()
    nl_testapp.post(links[0].removeprefix("https://hub.example.org"),
                    "List-Unsubscribe=One-Click",
                    content_type="application/x-www-form-urlencoded")
    last = dbsession.scalar(sa.select(ConsentRecord).where(
        ConsentRecord.email == "jana@example.cz").order_by(ConsentRecord.id.desc()))
    assert (last.action, last.source, last.object) == ("withdrawn", "link", f"list:{nl.id}")
    sink.messages.clear()
    second = add_campaign(dbsession, [nl], subject="Další")
    nl_testapp.login(users.admin)
    post(nl_testapp, f"/newsletter/admin/campaigns/{second.id}/send", {})
    assert sorted(r for _f, rcpts, _m in sink.messages for r in rcpts) == ["petr@example.cz"]


def test_a_sent_newsletter_appears_in_the_administrators_mail_view(
        nl_testapp, dbsession, users, sink):
    """Bulk mail does not go through the outbox, yet /admin/mail shows every mail: the
    campaign is listed there with its messages counted and a link to its page."""
    nl = add_list(dbsession)
    add_subscriber(dbsession, nl, "jana@example.cz", "Jana Nováková")
    add_subscriber(dbsession, nl, "petr@example.cz", "Petr Novák")
    campaign = add_campaign(dbsession, [nl], subject="Lednové novinky")
    nl_testapp.login(users.admin)
    assert nl_testapp.get("/admin/mail").html.find(id="bulk-mail-table") is None
    post(nl_testapp, f"/newsletter/admin/campaigns/{campaign.id}/send", {})
    page = nl_testapp.get("/admin/mail")
    row = page.html.find(id="bulk-mail-table").find("tbody").find("tr")
    link = row.find("a")
    assert link.text == "Lednové novinky"
    assert link["href"] == f"/newsletter/admin/campaigns/{campaign.id}"
    assert [td.text for td in row.find_all("td")][-3:] == ["2", "0", "0"]
    assert "Newsletter" in row.text
