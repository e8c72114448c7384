"""Czech salutations: the vocative case of first names and surnames.

"Vážená paní Nováková", "Vážený pane Nováku", "Milá Jano", "Milý Petře". Rules cover the
common Czech name endings; feminine surnames (-ová, -á) and adjectival surnames (-ý, -í)
do not change.
"""
from __future__ import annotations

# Names whose vocative the rules below would get wrong.
EXCEPTIONS = {
    "daniel": "Danieli", "gabriel": "Gabrieli", "samuel": "Samueli", "emanuel": "Emanueli",
    "michael": "Michaeli", "rafael": "Rafaeli", "marcel": "Marceli", "karel": "Karle",
    "pavel": "Pavle", "havel": "Havle", "ježíš": "Ježíši", "jiří": "Jiří", "hugo": "Hugo",
    "nikola": "Nikolo", "luboš": "Luboši", "otec": "Otče", "němec": "Němče",
}
SOFTENED = {"d": "ď", "t": "ť", "n": "ň"}
VOWELS = set("aáeéěiíoóuúůyý")


def _keep_case(original: str, result: str) -> str:
    return result[:1].upper() + result[1:] if original[:1].isupper() else result


def vocative(name: str, gender: str | None) -> str:
    """The vocative of one name (first name or surname) for gender ``'f'`` or ``'m'``."""
    word = name.strip()
    if not word:
        return word
    if "-" in word:  # double-barrelled surnames decline in each part
        return "-".join(vocative(part, gender) for part in word.split("-"))
    lower = word.lower()
    if lower in EXCEPTIONS:
        return _keep_case(word, EXCEPTIONS[lower])
    if gender == "f":
        if lower.endswith(("ová", "á", "í", "e", "y")) or lower[-1] not in "a":
            return word
        return word[:-1] + "o"
    # Masculine.
    last = lower[-1]
    if lower.endswith(("ý", "í", "é", "o", "u", "e", "i")):
        return word
    if last == "a":
        return word[:-1] + "o"
    if lower.endswith(("ek", "ěk")) and len(lower) > 3:
        # Marek → Marku, Zdeněk → Zdeňku (the e drops; ě softens the consonant before it).
        stem = word[:-2]
        if lower[-2] == "ě" and lower[-3] in SOFTENED:
            stem = word[:-3] + SOFTENED[lower[-3]]
        return stem + "ku"
    if last in "kghq" or lower.endswith("ch"):
        return word + "u"
    if last == "r" and len(lower) > 1 and lower[-2] not in VOWELS:
        return word[:-1] + "ře"
    if last in "sšžčřcjzxľť" or lower.endswith("ň"):
        return word + "i"
    if lower.endswith("el") and len(lower) > 3 and lower[-3] not in VOWELS:
        return word[:-2] + "le"
    return word + "e"


def guess_gender(first_name: str, last_name: str) -> str | None:
    """A best guess from the name endings (used when the gender is unknown)."""
    last = last_name.strip().lower()
    first = first_name.strip().lower()
    if last.endswith(("ová", "á")):
        return "f"
    if last:
        if last.endswith(("ý", "ek", "ík", "ák", "ec")):
            return "m"
    if first.endswith(("a", "e")) and first not in EXCEPTIONS:
        return "f"
    if first:
        return "m"
    return None


def split_name(name: str) -> tuple[str, str]:
    parts = name.split()
    if not parts:
        return "", ""
    if len(parts) == 1:
        return parts[0], ""
    return " ".join(parts[:-1]), parts[-1]


def salutation(first_name: str, last_name: str, gender: str | None, style: str,
               language: str) -> str:
    """The opening line of a letter, e.g. "Vážená paní Nováková" or "Dear Jana"."""
    gender = gender or guess_gender(first_name, last_name)
    if language == "en":
        if style == "informal" and first_name:
            return f"Dear {first_name}"
        if last_name and gender in ("f", "m"):
            return f"Dear {'Ms' if gender == 'f' else 'Mr'} {last_name}"
        return "Dear reader"
    if style == "informal" and first_name and gender in ("f", "m"):
        opener = "Milá" if gender == "f" else "Milý"
        return f"{opener} {vocative(first_name, gender)}"
    if last_name and gender == "f":
        return f"Vážená paní {vocative(last_name, 'f')}"
    if last_name and gender == "m":
        return f"Vážený pane {vocative(last_name, 'm')}"
    return "Vážená paní, vážený pane"
