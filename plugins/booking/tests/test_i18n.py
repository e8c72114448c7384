from pathlib import Path

from babel.messages.pofile import read_po

import hub_booking

LOCALE = Path(hub_booking.__file__).parent / "locale"


def test_czech_catalogue_is_complete():
    with open(LOCALE / "cs" / "LC_MESSAGES" / "hub_booking.po", "rb") as f:
        catalogue = read_po(f, locale="cs")
    empty = [m.id for m in catalogue if m.id and not m.string]
    assert empty == []
    assert len(catalogue) > 200


def test_pages_in_english(testapp, dbsession, users, room):
    from hub.testing import html_text

    users.member.language = "en"
    dbsession.flush()
    testapp.login(users.member)
    text = html_text(testapp.get(f"/booking/rooms/{room.id}"))
    assert "Book this room" in text and "Step-free access" in text
    text = html_text(testapp.get(f"/booking/rooms/{room.id}/book"))
    assert "Expected attendees" in text
