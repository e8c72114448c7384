"""Content in Czech and English: models, the API's ``translations`` and what is missing.

A text people read (an event's title, a course's description, a room's name) is kept in
the hub's language in its column (``title``) and in English beside it (``title_en``,
empty when nobody translated it). A model says which of its columns are translated::

    class Event(Translated, Base):
        TRANSLATED = ("title", "summary", "description")
        title: Mapped[str] = ...
        title_en: Mapped[str] = mapped_column(sa.String(200), default="")

``event.translated("title", language(request))`` is the English text for an English
request when there is one, else the Czech: a visitor always reads something, and a page
in English marks Czech passages with ``lang="cs"`` (``event.language_of(field, lang)``).

The API takes and returns the English version as ``"translations": {"en": {"title": ...}}``
(``translations_schema``, ``read_translations``, ``translations_json``; ``api_field``
names a form's column in API errors); which version a
response's own fields carry follows the request's language, which API clients choose with
``Accept-Language`` (see ``hub.i18n``). Staff see what has no English version at
``/admin/translations``, assembled from ``hub_translations_missing``.
"""
from __future__ import annotations

from dataclasses import dataclass

from hub.i18n import _

LANGUAGES = ("en",)  # the languages kept beside the hub's own (Czech)


class Translated:
    """Mixin for models with English versions of the columns named in ``TRANSLATED``."""

    TRANSLATED: tuple[str, ...] = ()

    def translated(self, field: str, language: str) -> str:
        """``field`` in ``language``, the Czech text when there is no English one."""
        if language == "en":
            value = getattr(self, f"{field}_en", "") or ""
            if value.strip():
                return value
        return getattr(self, field) or ""

    def language_of(self, field: str, language: str) -> str:
        """The language ``translated(field, language)`` is written in."""
        if language == "en" and (getattr(self, f"{field}_en", "") or "").strip():
            return "en"
        return "cs"

    def missing_translations(self) -> list[str]:
        """Fields that have a Czech text and no English one."""
        return [field for field in self.TRANSLATED
                if (getattr(self, field) or "").strip()
                and not (getattr(self, f"{field}_en", "") or "").strip()]


# -- the API ---------------------------------------------------------------------------------

def translations_schema(fields: dict[str, int | None]) -> dict:
    """The OpenAPI schema of ``translations`` for ``fields`` (name -> maximum length)."""
    properties = {name: {"type": "string", **({"maxLength": limit} if limit else {})}
                  for name, limit in fields.items()}
    return {"type": "object", "additionalProperties": False,
            "description": "Versions in other languages than Czech; a field left out or "
                           "empty has none (readers get the Czech text).",
            "properties": {code: {"type": "object", "additionalProperties": False,
                                  "properties": properties} for code in LANGUAGES}}


def read_translations(body: dict, fields: dict[str, int | None]) -> tuple[dict, dict]:
    """``(values, errors)`` from a body's ``translations``: values as ``{"title_en": ...}``
    for the fields it names (so a PATCH changes only those), errors per field path."""
    given = body.get("translations")
    if given is None:
        return {}, {}
    if not isinstance(given, dict):
        return {}, {"translations": "must be an object"}
    values, errors = {}, {}
    for code, texts in given.items():
        if code not in LANGUAGES:
            errors[f"translations.{code}"] = "unknown language"
            continue
        if not isinstance(texts, dict):
            errors[f"translations.{code}"] = "must be an object"
            continue
        for name, text in texts.items():
            where = f"translations.{code}.{name}"
            if name not in fields:
                errors[where] = "not translatable"
            elif not isinstance(text, str):
                errors[where] = "must be a string"
            elif fields[name] and len(text.strip()) > fields[name]:
                errors[where] = f"at most {fields[name]} characters"
            else:
                values[f"{name}_{code}"] = text.strip()
    return values, errors


def translations_json(obj: Translated) -> dict:
    """``{"en": {field: text}}`` with the English texts an object has."""
    return {code: {field: getattr(obj, f"{field}_{code}") for field in obj.TRANSLATED
                   if (getattr(obj, f"{field}_{code}", "") or "").strip()}
            for code in LANGUAGES}


def api_field(column: str) -> str:
    """How the API names a translated column in its errors: ``title_en`` is
    ``translations.en.title``; other names stay as they are."""
    for code in LANGUAGES:
        if column.endswith(f"_{code}"):
            return f"translations.{code}.{column[:-len(code) - 1]}"
    return column


# -- what staff should translate -------------------------------------------------------------

@dataclass(frozen=True)
class MissingTranslation:
    """One piece of content without its English version (``hub_translations_missing``)."""

    kind: str  # translatable label of the kind of content ("Event")
    title: str  # its Czech title
    url: str  # where staff edit it
    fields: tuple[str, ...]  # the fields without English text


FIELD_LABELS = {
    "title": _("Title"), "name": _("Name"), "summary": _("Summary"),
    "description": _("Description"), "body": _("Text"), "perex": _("Introduction"),
    "accessibility_note": _("Accessibility note"), "location": _("Location"),
    "alt": _("Photo description"),
}
