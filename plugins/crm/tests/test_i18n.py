from pathlib import Path

from babel.messages.pofile import read_po

from hub.testing import html_text

LOCALE = Path(__file__).parents[1] / "hub_crm" / "locale"


def test_czech_catalogue_is_complete():
    with open(LOCALE / "cs" / "LC_MESSAGES" / "hub_crm.po", "rb") as f:
        catalogue = read_po(f, locale="cs")
    empty = [m.id for m in catalogue if m.id and not m.string]
    assert empty == []


def test_pages_in_czech_and_english(client, users):
    client.login(users.staff)
    assert "Nalezené kontakty" in html_text(client.get("/crm/staff/contacts"))
    client.set_cookie("hub_lang", "en")
    assert "Contacts found" in html_text(client.get("/crm/staff/contacts"))
