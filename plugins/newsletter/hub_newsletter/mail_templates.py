"""Reusable templates of the e-mail: reading, checking and applying them.

A template gives the mail its header and footer (sanitised HTML, Czech and English), its
accent colour, a logo from the core's media library and a layout. A campaign names one; a
campaign without one takes the default template, and without any template the built-in
look in the hub's theme colour. Mails carry inline styles (mail clients ignore style
sheets and are not under the site's CSP).
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import object_session

from hub.media import get_media, media_url
from hub.theme import theme_of
from hub_newsletter import richbody
from hub_newsletter.i18n import _
from hub_newsletter.models import (
    DEFAULT_ACCENT,
    LAYOUTS,
    Campaign,
    NewsletterTemplate,
)

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
TEXT_LIMITS = {"name": 200, "description": 2000, "header_html": 20000, "footer_html": 20000}
TRANSLATED_FIELDS = {"header_html": 20000, "footer_html": 20000}
LAYOUT_LABELS = {"gov": _("Band in the accent colour (gov.cz)"), "light": _("Light"),
                 "plain": _("Plain letter")}


def theme_accent(registry) -> str:
    """The hub's primary colour when the theme sets it as ``#rrggbb``, else the gov.cz blue."""
    primary = theme_of(registry).tokens.get("primary", "")
    return primary.lower() if COLOUR.match(primary) else DEFAULT_ACCENT


def default_template(db) -> NewsletterTemplate | None:
    return db.scalar(sa.select(NewsletterTemplate).where(NewsletterTemplate.is_default))


def campaign_template(request, campaign: Campaign) -> NewsletterTemplate | None:
    if campaign.template_id is not None:
        return campaign.template or request.dbsession.get(NewsletterTemplate,
                                                          campaign.template_id)
    db = object_session(campaign) or request.dbsession
    return default_template(db)


def _logo(db, media_id: int | None):
    """The media library's item of a logo when it can be shown in a mail: a public image
    (a mail client fetches it without signing in)."""
    if not media_id:
        return None
    item = get_media(db, media_id)
    if item is None or item.kind != "image" or not item.is_public:
        return None
    return item


def logo_url(request, db, media_id: int | None) -> str:
    """The absolute address of the logo, or "" when there is none to show."""
    item = _logo(db, media_id)
    if item is None:
        return ""
    return request.registry.settings["hub.base_url"].rstrip("/") + media_url(request, item)


def template_look(request, template: NewsletterTemplate | None, language: str) -> dict:
    """What the mail template needs of a template, in ``language`` (Czech when the header or
    footer has no English version; ``*_lang`` says which)."""
    base = request.registry.settings["hub.base_url"]
    if template is None:
        return {"layout": "gov", "accent": theme_accent(request.registry), "header": "",
                "footer": "", "header_lang": language, "footer_lang": language, "logo": ""}
    return {
        "layout": template.layout, "accent": template.accent.lower(),
        "header": richbody.absolute(template.translated("header_html", language), base),
        "footer": richbody.absolute(template.translated("footer_html", language), base),
        "header_lang": template.language_of("header_html", language),
        "footer_lang": template.language_of("footer_html", language),
        "logo": logo_url(request, object_session(template) or request.dbsession,
                         template.logo_media_id),
    }


def read_template(data: dict, registry, db=None) -> tuple[dict, dict]:
    """``(values, errors)`` of a template from a form or a JSON body (texts stripped,
    header and footer sanitised; errors are translatable messages by field). With ``db``
    the logo must be a public image of the media library."""
    values, errors = {}, {}
    for key, limit in TEXT_LIMITS.items():
        for name in (key, f"{key}_en") if key in TRANSLATED_FIELDS else (key,):
            value = data.get(name, "")
            if not isinstance(value, str):
                errors[name] = _("Enter text.")
                continue
            value = value.strip()
            if len(value) > limit:
                errors[name] = _("This text is too long (at most ${n} characters).",
                                 mapping={"n": limit})
            values[name] = richbody.sanitise(value) if key in TRANSLATED_FIELDS and value \
                else value
    if not values.get("name") and "name" not in errors:
        errors["name"] = _("Fill in a name of at most 200 characters.")
    layout = data.get("layout") or "gov"
    if layout not in LAYOUTS:
        errors["layout"] = _("Choose one of the offered values.")
    values["layout"] = layout
    accent = data.get("accent") or theme_accent(registry)
    if not isinstance(accent, str) or not COLOUR.match(accent):
        errors["accent"] = _("Give the colour as # and six hexadecimal digits, e.g. #2362a2.")
    else:
        values["accent"] = accent.lower()
    logo = data.get("logo_media_id")
    if logo in ("", None):
        values["logo_media_id"] = None
    elif isinstance(logo, bool) or not str(logo).isdigit() or not 0 < int(logo) < 2**31:
        errors["logo_media_id"] = _("Give the number of an image of the media library.")
    elif db is not None and _logo(db, int(logo)) is None:
        errors["logo_media_id"] = _("Choose a public image of the media library.")
    else:
        values["logo_media_id"] = int(logo)
    is_default = data.get("is_default")
    values["is_default"] = is_default in (True, "on", "true", "1")
    return values, errors


def save_template(db, template: NewsletterTemplate, values: dict) -> None:
    """Apply checked values; a new default takes the mark from the previous one."""
    # No autoflush: a new template must not be written before it has its values.
    with db.no_autoflush:
        if values.get("is_default") and not template.is_default:
            db.execute(sa.update(NewsletterTemplate).where(NewsletterTemplate.is_default)
                       .values(is_default=False), execution_options={
                           "synchronize_session": "fetch"})
        for key, value in values.items():
            setattr(template, key, value)


def template_in_use(db, template_id: int) -> int:
    """How many campaigns use the template (it cannot be deleted while any does)."""
    return db.scalar(sa.select(sa.func.count()).select_from(Campaign)
                     .where(Campaign.template_id == template_id)) or 0


def usage_counts(db, template_ids) -> dict[int, int]:
    """How many campaigns use each of the templates (one query for a list page); a template
    no campaign uses is absent (count 0)."""
    ids = list(template_ids)
    if not ids:
        return {}
    return dict(db.execute(sa.select(Campaign.template_id, sa.func.count())
                           .where(Campaign.template_id.in_(ids))
                           .group_by(Campaign.template_id)).all())


NAME_TAKEN = _("Another template already has this name.")


def name_taken(db, name: str, template: NewsletterTemplate | None) -> bool:
    """Another template than ``template`` (None: a new one) already has ``name``."""
    return db.scalar(sa.select(NewsletterTemplate.id).where(
        NewsletterTemplate.name == name,
        NewsletterTemplate.id != (template.id if template is not None and template.id
                                  else -1))) is not None
