"""Purposes: what people may consent to, declared by plugins through ``hub_consent_purposes``.

A purpose carries its exact wording in Czech and English; ``text_version`` is a short
SHA-256 of that wording, so any change of the text is a new version and every record
points to the words the person saw. Keys are namespaced by the declaring plugin
(``newsletter.list``, ``events.speaker_release``); a purpose that applies to many objects of
a plugin (one per newsletter list, one per recording) is declared once with
``scoped=True`` and each record names its object (``list:5``, ``recording:12``).
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.consent.models import LEGAL_BASES
from hub.plugins import PluginError, per_plugin

LANGUAGES = ("cs", "en")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_-]+)+$")
OBJECT_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,120}$")
MAX_KEY = 120
MAX_TITLE = 200


def _canonical(value: str) -> str:
    return value.replace("\r\n", "\n").strip()


def text_version(text: Mapping[str, str]) -> str:
    """The version of a wording: the first 16 hex digits of SHA-256 over both languages."""
    canonical = json.dumps({lang: _canonical(text[lang]) for lang in LANGUAGES},
                           sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Purpose:
    """Something a person may consent to (a hook value: ``hub_consent_purposes``).

    ``title`` and ``text`` map ``"cs"`` and ``"en"`` to the exact wording shown when asking
    (plain strings, not translation strings: the wording is versioned). ``legal_basis`` is
    ``"consent"`` (GDPR Art. 6(1)(a)) or ``"explicit_consent"`` (Art. 9(2)(a), required
    when ``special_category`` is true: health data, disease areas). ``retention_days``
    says how long data collected under the purpose is kept after a withdrawal (``None``:
    deleted at once); the declaring plugin enforces it. With ``scoped=True`` every record
    names an object of the plugin and ``describe(request, object)`` labels it for people.
    """

    key: str
    title: Mapping[str, str]
    text: Mapping[str, str]
    legal_basis: str = "consent"
    special_category: bool = False
    retention_days: int | None = None
    scoped: bool = False
    describe: Callable[[Any, str], str | None] | None = None
    order: int = 100
    text_version: str = field(init=False, compare=False)

    def __post_init__(self):
        problem = _problem(self)
        if problem:
            raise PluginError(f"Consent purpose {self.key!r}: {problem}")
        object.__setattr__(self, "text_version", text_version(self.text))

    def title_in(self, language: str) -> str:
        return self.title["en" if language == "en" else "cs"]

    def text_in(self, language: str) -> str:
        return self.text["en" if language == "en" else "cs"]

    def label(self, request, object: str = "") -> str:  # noqa: A002 (the ledger's term)
        """The title in the request's language, with the object's label when scoped."""
        title = self.title_in(getattr(request, "locale_name", "cs"))
        if not object:
            return title
        described = self.describe(request, object) if self.describe else None
        return f"{title}: {described or object}"


def _problem(purpose: Purpose) -> str | None:
    if not isinstance(purpose.key, str) or len(purpose.key) > MAX_KEY \
            or not KEY_RE.match(purpose.key):
        return ("the key must be '<plugin>.<name>' in lower-case letters, digits, '_' and '-' "
                f"(at most {MAX_KEY} characters)")
    for name in ("title", "text"):
        value = getattr(purpose, name)
        if not isinstance(value, Mapping) or any(
                not isinstance(value.get(lang), str) or not value[lang].strip()
                for lang in LANGUAGES):
            return f"{name} must give a non-empty wording for each of {', '.join(LANGUAGES)}"
    if any(len(purpose.title[lang]) > MAX_TITLE for lang in LANGUAGES):
        return f"titles must have at most {MAX_TITLE} characters"
    if purpose.legal_basis not in LEGAL_BASES:
        return f"legal_basis must be one of {', '.join(LEGAL_BASES)}"
    if purpose.special_category and purpose.legal_basis != "explicit_consent":
        return "special-category data needs legal_basis='explicit_consent' (GDPR Art. 9(2)(a))"
    if purpose.retention_days is not None and (
            not isinstance(purpose.retention_days, int) or purpose.retention_days < 0):
        return "retention_days must be None or a whole number of days, 0 or more"
    if purpose.describe is not None and not purpose.scoped:
        return "describe only applies to scoped purposes"
    return None


def collect(pm, plugin_names=()) -> dict[str, Purpose]:
    """Every declared purpose by key, in display order.

    A duplicate key, or a key of an enabled plugin (one of ``plugin_names``) that does not
    start with the plugin's name, is a ``PluginError``.
    """
    owners: dict[str, str] = {}
    found: dict[str, Purpose] = {}
    for owner, declared in per_plugin(pm, "hub_consent_purposes").items():
        for purpose in declared or ():
            if not isinstance(purpose, Purpose):
                raise PluginError(f"{owner}: hub_consent_purposes must return "
                                  f"hub.consent.Purpose values, not {type(purpose).__name__}")
            if owner in plugin_names and not purpose.key.startswith(owner + "."):
                raise PluginError(f"Plugin {owner} declares the consent purpose "
                                  f"{purpose.key!r}: its keys must start with '{owner}.'.")
            if purpose.key in found:
                raise PluginError(
                    f"Consent purpose {purpose.key!r} is declared by both {owners[purpose.key]} "
                    f"and {owner}; a purpose key must be unique (start it with the plugin's "
                    "name).")
            owners[purpose.key] = owner
            found[purpose.key] = purpose
    return {p.key: p for p in sorted(found.values(), key=lambda p: (p.order, p.key))}


def purposes(registry) -> dict[str, Purpose]:
    """The purposes of this application by key (kept until a plugin is (un)registered)."""
    pm = registry["hub.pm"]
    signature = tuple((impl.plugin_name, id(impl.function))
                      for impl in pm.hook.hub_consent_purposes.get_hookimpls())
    kept = registry.get("hub.consent_purposes")
    if kept is None or kept[0] != signature:
        kept = registry["hub.consent_purposes"] = (
            signature, collect(pm, frozenset(registry.get("hub.plugins", ()))))
    return kept[1]
