import pytest

from hub_newsletter.salutation import guess_gender, salutation, vocative


@pytest.mark.parametrize(("name", "gender", "expected"), [
    ("Jana", "f", "Jano"), ("Eva", "f", "Evo"), ("Marie", "f", "Marie"),
    ("Nováková", "f", "Nováková"), ("Černá", "f", "Černá"), ("Dagmar", "f", "Dagmar"),
    ("Novák", "m", "Nováku"), ("Petr", "m", "Petře"), ("Jan", "m", "Jane"),
    ("Tomáš", "m", "Tomáši"), ("Marek", "m", "Marku"), ("Zdeněk", "m", "Zdeňku"),
    ("Svoboda", "m", "Svobodo"), ("Pavel", "m", "Pavle"), ("Černý", "m", "Černý"),
    ("Krejčí", "m", "Krejčí"), ("Vojtěch", "m", "Vojtěchu"), ("Ondřej", "m", "Ondřeji"),
    ("Hájek", "m", "Hájku"), ("Daniel", "m", "Danieli"), ("Jiří", "m", "Jiří"),
    ("Nový-Dvořák", "m", "Nový-Dvořáku"),
])
def test_vocative_of_common_czech_names(name, gender, expected):
    assert vocative(name, gender) == expected


def test_salutations_formal_and_informal_in_czech_and_english():
    assert salutation("Jana", "Nováková", None, "formal", "cs") == "Vážená paní Nováková"
    assert salutation("Petr", "Novák", None, "formal", "cs") == "Vážený pane Nováku"
    assert salutation("Jana", "Nováková", "f", "informal", "cs") == "Milá Jano"
    assert salutation("Petr", "Novák", "m", "informal", "cs") == "Milý Petře"
    assert salutation("", "", None, "formal", "cs") == "Vážená paní, vážený pane"
    assert salutation("Jana", "Nováková", None, "informal", "en") == "Dear Jana"
    assert salutation("Petr", "Novák", None, "formal", "en") == "Dear Mr Novák"


def test_gender_is_guessed_from_czech_name_endings():
    assert guess_gender("Jana", "Nováková") == "f"
    assert guess_gender("Petr", "Novák") == "m"
    assert guess_gender("", "") is None
