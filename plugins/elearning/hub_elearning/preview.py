"""A lesson's text in both languages as learners would see it, before it is saved."""
from __future__ import annotations

from markupsafe import Markup

from hub.richtext import sanitise


def lesson_preview(values: dict) -> list[dict]:
    """The Czech and the English version of the submitted title and text. Each field falls
    back to the Czech text when the English one is empty, as the lesson page does
    (``Translated.translated``); ``fallback`` says the English version shows Czech text."""
    versions = []
    for lang in ("cs", "en"):
        title_lang = "en" if lang == "en" and values.get("title_en", "").strip() else "cs"
        body_lang = "en" if lang == "en" and values.get("body_en", "").strip() else "cs"
        title = values.get("title_en" if title_lang == "en" else "title", "")
        body = values.get("body_en" if body_lang == "en" else "body", "")
        versions.append({
            "lang": lang, "title": title, "title_lang": title_lang, "body_lang": body_lang,
            "fallback": lang == "en" and "cs" in (title_lang, body_lang),
            # sanitised exactly as saving would: what the preview shows is what is stored
            "body": Markup(sanitise(body))})  # noqa: S704  # nosec B704
    return versions


def previewed(request, form) -> list[dict] | None:
    """Read a submission meant for a preview: nothing is saved, files are not read. A form
    that does not pass its checks answers 422 with its errors and shows no preview."""
    form.read(request.POST)
    if not form.ok:
        request.response.status = 422
        return None
    return lesson_preview(form.values)
