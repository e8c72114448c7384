from pathlib import Path

from babel.messages.pofile import read_po

LOCALE = Path(__file__).parents[1] / "hub_elearning" / "locale"


def test_czech_catalogue_is_complete():
    with open(LOCALE / "cs" / "LC_MESSAGES" / "hub_elearning.po", "rb") as f:
        catalog = read_po(f)
    empty = [m.id for m in catalog if m.id and not m.string]
    assert empty == []
    assert len(catalog) > 100


def test_pages_are_in_english_for_english_visitors(elearning, course):
    c, *_ = course
    elearning.post_form("/language", {"language": "en", "next": "/elearning"})
    page = elearning.get(f"/elearning/courses/{c.slug}")
    assert "Outline" in page.text and "Osnova" not in page.text
