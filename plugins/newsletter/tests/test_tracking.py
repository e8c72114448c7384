"""Opens and clicks: off by default, only totals per campaign, no open redirect."""
import re
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from hub.testing import html_text
from hub_newsletter.models import Campaign

from .conftest import add_campaign, add_list, add_subscriber, post
from .test_campaigns import ORIGIN, part

BODY = ("${salutation},\n\nprogram: https://hub.example.org/akce?x=1&y=2\n\n"
        "váš odkaz: https://hub.example.org/profil?e=${email}")


def send(testapp, users, campaign_id):
    testapp.login(users.admin)
    post(testapp, f"/newsletter/admin/campaigns/{campaign_id}/send", {})


def test_counting_is_off_by_default_and_messages_carry_no_tracking(
        nl_testapp, dbsession, users, sink):
    nl = add_list(dbsession)
    add_subscriber(dbsession, nl, "jana@example.cz", "Jana Nováková")
    nl_testapp.login(users.staff)
    form = nl_testapp.get("/newsletter/admin/campaigns/new").forms["newsletter-campaign"]
    assert form["track"].checked is False
    campaign = add_campaign(dbsession, [nl], body=BODY, created_by=users.staff)
    send(nl_testapp, users, campaign.id)
    html = part(sink.to("jana@example.cz")[0], "html")
    assert "/newsletter/o/" not in html and "/newsletter/c/" not in html
    assert 'href="https://hub.example.org/akce?x=1&amp;y=2"' in html
    page = html_text(nl_testapp.get(f"/newsletter/admin/campaigns/{campaign.id}"))
    assert "Opens" not in page and "Otevření" not in page


def test_enabled_counting_gives_totals_only_and_redirects_only_to_campaign_links(
        nl_testapp, dbsession, users, sink):
    nl = add_list(dbsession)
    add_subscriber(dbsession, nl, "jana@example.cz", "Jana Nováková")
    add_subscriber(dbsession, nl, "petr@example.cz", "Petr Novák")
    nl_testapp.login(users.staff)
    form = nl_testapp.get("/newsletter/admin/campaigns/new").forms["newsletter-campaign"]
    form["subject"] = "Novinky"
    form["body"] = BODY
    form["list"] = [str(nl.id)]
    form["track"] = True
    form.submit(headers=ORIGIN)
    campaign = dbsession.scalar(sa.select(Campaign))
    assert campaign.track and len(campaign.track_key) >= 32
    # The staff's test message is not counted: no pixel, no counting links.
    post(nl_testapp, f"/newsletter/admin/campaigns/{campaign.id}/test", {})
    test_html = part(sink.to(users.staff.email)[0], "html")
    assert "/newsletter/o/" not in test_html and "/newsletter/c/" not in test_html
    campaign.status = "approved"
    dbsession.flush()
    send(nl_testapp, users, campaign.id)

    jana = part(sink.to("jana@example.cz")[0], "html")
    petr = part(sink.to("petr@example.cz")[0], "html")
    pixels = [re.search(r'<img src="([^"]+/newsletter/o/[^"]+)"', h).group(1) for h in (jana, petr)]
    clicks = [re.search(r'href="([^"]+/newsletter/c/[^"]+)"', h).group(1) for h in (jana, petr)]
    # The same pixel and link for everyone: nothing in them names the person.
    assert pixels[0] == pixels[1] and clicks[0] == clicks[1]
    assert "jana" not in pixels[0] + clicks[0]
    # Personal links (unsubscribe, a link with ${email}) are not rewritten.
    assert 'href="https://hub.example.org/profil?e=jana@example.cz"' in jana
    assert re.search(r'href="https://hub.example.org/newsletter/u/[^"]+"', jana)

    pixel = pixels[0].replace("&amp;", "&").replace("https://hub.example.org", "")
    click = clicks[0].replace("&amp;", "&").replace("https://hub.example.org", "")
    anonymous = nl_testapp.__class__(nl_testapp.app, extra_environ=nl_testapp.extra_environ)
    response = anonymous.get(pixel)
    assert response.content_type == "image/gif" and "no-store" in response.headers["Cache-Control"]
    anonymous.get(pixel)
    response = anonymous.get(click, status=303)
    assert response.location == "https://hub.example.org/akce?x=1&y=2"
    # Another address with the same signature, or a made-up signature: no redirect.
    query = parse_qs(urlsplit(click).query)
    path = urlsplit(click).path
    anonymous.get(path, {"u": "https://evil.example/", "s": query["s"][0]}, status=404)
    anonymous.get(path, {"u": query["u"][0], "s": "0" * 32}, status=404)
    anonymous.get(path.replace(str(campaign.id), "999999"),
                  {"u": query["u"][0], "s": query["s"][0]}, status=404)
    # A forged pixel still answers with an image, but counts nothing.
    anonymous.get(pixel.replace("s=", "s=0"))

    dbsession.refresh(campaign)
    assert (campaign.opens, campaign.clicks) == (2, 1)
    nl_testapp.login(users.admin)
    page = html_text(nl_testapp.get(f"/newsletter/admin/campaigns/{campaign.id}"))
    assert re.search(r"(Opens|Otevření)[^\d]*2", page)
    assert re.search(r"(Clicks on links|Kliknutí na odkazy)[^\d]*1", page)
    api = nl_testapp.get(f"/api/v1/newsletter/campaigns/{campaign.id}").json
    assert api["stats"]["opens"] == 2 and api["stats"]["clicks"] == 1


def test_turning_counting_off_stops_counting(nl_testapp, dbsession, users):
    from hub_newsletter.rendering import track_signature

    nl = add_list(dbsession)
    campaign = add_campaign(dbsession, [nl], status="sent", track=False,
                            track_key="k" * 32)
    anonymous = nl_testapp
    anonymous.get(f"/newsletter/o/{campaign.id}/pixel.gif",
                  {"s": track_signature(campaign, "open")})
    url = "https://hub.example.org/akce"
    anonymous.get(f"/newsletter/c/{campaign.id}", {"u": url, "s": track_signature(campaign, url)},
                  status=303)
    dbsession.refresh(campaign)
    assert (campaign.opens, campaign.clicks) == (0, 0)
