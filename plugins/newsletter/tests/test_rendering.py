"""Bulk rendering: the template rendered once per campaign, personal fields substituted per
recipient, gives the same message as rendering it for each recipient."""
import email
import email.policy

import pytest

from hub_newsletter.models import Subscriber
from hub_newsletter.rendering import CompiledCampaign, recipient_values, render

from .conftest import add_campaign, add_list

BODY = ("${salutation},\n\nmilá/milý ${first_name} ${last_name} (${name}, ${email}).\n\n"
        "## Pro ${first_name}\n\n- odkaz https://hub.example.org/akce?kdo=${email}\n"
        "- odhlášení: ${unsubscribe_url}\n\nNastavení ${preferences_url}.")
PEOPLE = [
    ("Jana", "Nováková", "f", "jana@example.cz"),
    ("Petr", "Novák", "m", "petr@example.cz"),
    ("Marek", "Dvořák", None, "marek@example.cz"),
    ("<b>Eva</b>", "O'Hara & \"Syn\"", "f", "eva@example.cz"),
    ("Ota", "$first_name ${email}", "m", "ota@example.cz"),
]


def quotes(text):
    return text.replace("&quot;", '"').replace("&#x27;", "'")


def part(message, subtype):
    for item in message.walk():
        if item.get_content_type() == f"text/{subtype}":
            return item.get_content()
    raise AssertionError(subtype)


@pytest.mark.parametrize("style,language", [("formal", "cs"), ("informal", "cs"),
                                            ("formal", "en")])
def test_compiled_campaign_gives_the_same_text_and_html_as_rendering_each_message(
        nl_app, dbsession, style, language):
    from hub.jobs import background_request

    nl = add_list(dbsession)
    campaign = add_campaign(dbsession, [nl], body=BODY, subject="${first_name}: novinky",
                            salutation=style)
    request = background_request(nl_app.registry)
    compiled = CompiledCampaign(request, campaign, language=language)
    for first, last, gender, address in PEOPLE:
        subscriber = Subscriber(email=address, name=f"{first} {last}", first_name=first,
                                last_name=last, gender=gender, token="t" * 32)
        expected = render(request, campaign, recipient_values(request, campaign, subscriber,
                                                              address, language), language)
        got = compiled.personalise(compiled.values(address, first, last, subscriber.name,
                                                   gender, subscriber.token))
        assert got[0] == " ".join(expected[0].split())
        assert got[1] == expected[1]
        # Identical HTML up to how quotes are escaped in text (all forms are valid).
        assert quotes(got[2]) == quotes(expected[2])
        assert "<b>" not in got[2]
    # A marker never survives, a value that looks like a placeholder stays as written.
    assert "HUB" not in got[1] and ".invalid/" not in got[2]
    assert "$first_name ${email}" in got[1]


def test_bulk_message_is_valid_mime_with_headers_and_both_parts(nl_app, dbsession):
    from hub.jobs import background_request

    nl = add_list(dbsession)
    campaign = add_campaign(dbsession, [nl], body=BODY, subject="Zpráva pro ${first_name}")
    request = background_request(nl_app.registry)
    compiled = CompiledCampaign(request, campaign)
    values = compiled.values("jana@example.cz", "Jana", "Nováková", "", "f", "tok" * 10)
    data = compiled.message(42, "jana@example.cz", values, "tok" * 10)
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert message["Subject"] == "Zpráva pro Jana"
    assert message["To"] == "jana@example.cz"
    assert message["Message-ID"] == f"<newsletter-{campaign.id}-42@hub.example.org>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"/newsletter/u/{'tok' * 10}?c={campaign.id}>" in message["List-Unsubscribe"]
    assert f"subject=unsubscribe-{'tok' * 10}>" in message["List-Unsubscribe"]
    assert message.get_content_type() == "multipart/alternative"
    assert part(message, "plain").startswith("Vážená paní Nováková,")
    body = part(message, "html")
    assert f'href="https://hub.example.org/newsletter/u/{"tok" * 10}?c={campaign.id}"' in body
    assert 'href="https://hub.example.org/akce?kdo=jana@example.cz"' in body


def test_the_text_part_is_read_from_the_html_with_no_markup_left(nl_app, dbsession):
    import datetime as dt

    from hub.jobs import background_request

    nl = add_list(dbsession)
    body = ("${salutation},\n\nzveme vás na **důležitou** schůzku: https://hub.example.org/akce\n"
            "a **<b>ne</b> & tučně**.\n\n## Program **dne**\n\n- káva\n- **diskuse**")
    campaign = add_campaign(dbsession, [nl], body=body, event_title="Setkání organizací",
                            event_url="https://hub.example.org/events/7",
                            event_starts_at=dt.datetime(2027, 1, 14, 9, 0, tzinfo=dt.UTC))
    request = background_request(nl_app.registry)
    compiled = CompiledCampaign(request, campaign)
    values = compiled.values("jana@example.cz", "Jana", "Nováková", "", "f", "tok" * 10)
    message = email.message_from_bytes(compiled.message(7, "jana@example.cz", values,
                                                        "tok" * 10), policy=email.policy.default)
    text, html = part(message, "plain"), part(message, "html")
    assert "**" not in text and "<strong" not in text
    assert text.startswith("Vážená paní Nováková,\n\nzveme vás na důležitou schůzku: "
                           "https://hub.example.org/akce\na <b>ne</b> & tučně.")
    # Headings in capitals: the plain text has no other way to show them.
    assert "\n\nPROGRAM DNE\n\n- káva" in text and "- diskuse" in text
    assert ("Setkání organizací\n14. ledna 2027, 10:00\n"
            "Podrobnosti a registrace: https://hub.example.org/events/7") in text
    assert "<strong>důležitou</strong>" in html and "**" not in html
    assert "<strong>&lt;b&gt;ne&lt;/b&gt; &amp; tučně</strong>" in html
    assert "Program <strong>dne</strong>" in html
