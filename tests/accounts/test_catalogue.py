"""The core's Czech catalogue is complete."""
from pathlib import Path

from babel.messages.pofile import read_po

import hub


def test_czech_catalogue_has_no_empty_translation():
    path = Path(hub.__file__).parent / "locale" / "cs" / "LC_MESSAGES" / "hub.po"
    with path.open("rb") as f:
        catalog = read_po(f, locale="cs")
    empty = [m.id for m in catalog if m.id and not m.string]
    assert empty == []


def test_people_pages_are_translated(testapp, users):
    testapp.login(users.member)
    for path in ("/profile", "/my/organisations", "/account/2fa", "/account/password"):
        czech = testapp.get(path).text
        testapp.set_cookie("hub_lang", "en")
        english = testapp.get(path).text
        testapp.set_cookie("hub_lang", "cs")
        assert czech != english
    assert "Můj profil" in testapp.get("/profile").text
