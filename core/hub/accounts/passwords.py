"""Password hashing with argon2id (argon2-cffi defaults, above the OWASP minimum)."""
from __future__ import annotations

import functools
import re
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so timing does not reveal accounts.

    Made at the first sign-in, not at import: a hash takes argon2's 64 MiB for a moment,
    which every process (queue workers too) would otherwise pay at start-up.
    """
    return _hasher.hash("hub dummy password for timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; also spends the same time when there is no hash."""
    try:
        matches = _hasher.verify(password_hash or _dummy_hash(), password)
        return matches and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# -- password policy (ASVS V6.2: length, no composition rules, no common passwords) ----

MIN_LENGTH = 12
MAX_LENGTH = 1024


def _load_words(name: str) -> frozenset[str]:
    from importlib.resources import files

    text = files("hub").joinpath("data", name).read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


@functools.cache
def common_passwords() -> frozenset[str]:
    return _load_words("common-passwords.txt")


@functools.cache
def context_words() -> tuple[str, ...]:
    # Longest first, so "pacientskyhub" is removed before "pacient" would split it.
    return tuple(sorted(_load_words("context-words.txt"), key=len, reverse=True))


def _letters(text: str) -> str:
    """Lower-case letters without diacritics ("Zdraví-2024!" → "zdravi")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if c.isalpha() and c.isascii())


def password_problem(password: str, personal: tuple[str, ...] = ()):
    """Why ``password`` is not acceptable (a translation string), or ``None``.

    ``personal`` holds words of the user (name, e-mail) that must not make up the password.
    """
    from hub.i18n import _

    if len(password) < MIN_LENGTH:
        return _("Use at least ${min} characters.", mapping={"min": MIN_LENGTH})
    if len(password) > MAX_LENGTH:
        return _("Use at most ${max} characters.", mapping={"max": MAX_LENGTH})
    lowered = password.lower()
    common = common_passwords()
    if lowered in common or lowered.strip() in common:
        return _("This password is too common. Choose a less predictable one, "
                 "for example a few unrelated words.")
    remainder = _letters(password)
    personal_words = [_letters(w) for p in personal for w in re.split(r"[\W_]+", p)]
    words = list(context_words()) + [w for w in personal_words if len(w) >= 3]
    for word in sorted(words, key=len, reverse=True):
        remainder = remainder.replace(word, "")
    if len(set(remainder)) < 4 or remainder in common:
        return _("This password is too easy to guess: it is made of words of this site, "
                 "your name or e-mail, or repeated characters.")
    return None
