"""Campaign content: placeholders, validation and rendering of one message.

Staff write the body as plain text with light structure (blank line = paragraph, "## " =
heading, "- " = list item, ``**bold**``, URLs become links) and ``${field}`` placeholders.
It is not a Chameleon template on purpose: a staff-written template could run Python on
the server. The HTML of the mail comes from the plugin's own Chameleon template with
inline CSS (mail clients ignore style sheets), in the gov.cz look; the plain-text part is
read from the body as sanitised HTML (``body_html``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from string import Template

from markupsafe import escape
from pyramid.i18n import TranslationString

from hub.richtext import sanitise
from hub_newsletter.i18n import _

FIELDS = ("salutation", "first_name", "last_name", "name", "email", "unsubscribe_url",
          "preferences_url", "event_title", "event_url", "event_date")
EVENT_FIELDS = ("event_title", "event_url", "event_date")
URL = re.compile(r"https://[^\s<>\"')]+|http://[^\s<>\"')]+")
BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
# What the body's HTML may contain: the structure above, nothing a recipient's client runs.
BODY_TAGS = {"p", "br", "h2", "ul", "li", "a", "strong"}


@dataclass(frozen=True)
class Block:
    kind: str  # "p", "h2" or "ul"
    lines: tuple[str, ...]


def parse_body(body: str) -> list[Block]:
    blocks = []
    for chunk in re.split(r"\n\s*\n", body.replace("\r\n", "\n").strip()):
        lines = [line.rstrip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        if len(lines) == 1 and lines[0].startswith("## "):
            blocks.append(Block("h2", (lines[0][3:].strip(),)))
        elif all(line.lstrip().startswith("- ") for line in lines):
            blocks.append(Block("ul", tuple(line.lstrip()[2:] for line in lines)))
        else:
            blocks.append(Block("p", tuple(lines)))
    return blocks


def template_errors(text: str, has_event: bool) -> list[TranslationString]:
    """Problems of one template text (subject or body), translatable."""
    template = Template(text)
    if not template.is_valid():
        return [_("A placeholder is malformed: write ${placeholder} with a known field name "
                  "and $$ for a dollar sign.", mapping={"placeholder": "${field}"})]
    errors = []
    for name in template.get_identifiers():
        if name not in FIELDS:
            errors.append(_("Unknown placeholder ${name}; known fields: ${known}.",
                            mapping={"name": "${" + name + "}", "known": ", ".join(FIELDS)}))
        elif name in EVENT_FIELDS and not has_event:
            errors.append(_("The placeholder ${name} needs a linked event.",
                            mapping={"name": "${" + name + "}"}))
    return errors


def campaign_errors(campaign) -> list[TranslationString]:
    """Everything that would stop a campaign from being sent, checked before any mail."""
    errors = []
    if not campaign.subject.strip():
        errors.append(_("The subject is empty."))
    if not campaign.body.strip():
        errors.append(_("The text is empty."))
    has_event = bool(campaign.event_title)
    # Czech and English texts alike: a broken English one would fail only English readers.
    for field in ("subject", "preheader", "body"):
        for text in (getattr(campaign, field), getattr(campaign, f"{field}_en", "")):
            for error in template_errors(text or "", has_event):
                if error not in errors:
                    errors.append(error)
    if not campaign.lists and not campaign.audiences:
        errors.append(_("Choose at least one list or audience."))
    return errors


def substitute(text: str, values: dict) -> str:
    return Template(text).safe_substitute(values)


def link_segments(text: str) -> list[tuple[str, str | None, bool]]:
    """``text`` split into ``(text, href, bold)`` pieces: ``**bold**`` marks dropped, URLs
    becoming links."""
    pieces: list[tuple[str, str | None, bool]] = []
    position = 0
    for match in BOLD.finditer(text):
        if match.start() > position:
            pieces += _links(text[position:match.start()], False)
        pieces += _links(match.group(1), True)
        position = match.end()
    if position < len(text):
        pieces += _links(text[position:], False)
    return pieces


def _links(text: str, bold: bool) -> list[tuple[str, str | None, bool]]:
    pieces: list[tuple[str, str | None, bool]] = []
    position = 0
    for match in URL.finditer(text):
        if match.start() > position:
            pieces.append((text[position:match.start()], None, bold))
        pieces.append((match.group(0), match.group(0), bold))
        position = match.end()
    if position < len(text):
        pieces.append((text[position:], None, bold))
    return pieces


def personalised_blocks(blocks: list[Block], values: dict) -> list[dict]:
    """Blocks with placeholders filled, each line split into link segments for templates."""
    return [{"kind": b.kind,
             "lines": [link_segments(substitute(line, values)) for line in b.lines]}
            for b in blocks]


def body_html(blocks: list[Block], values: dict) -> str:
    """The body as plain semantic HTML (no styles), sanitised to ``BODY_TAGS``."""
    def line_html(segments) -> str:
        out = []
        for text, href, bold in segments:
            piece = escape(text)
            if href:
                piece = f'<a href="{escape(href)}">{piece}</a>'
            out.append(f"<strong>{piece}</strong>" if bold else str(piece))
        return "".join(out)

    parts = []
    for block in personalised_blocks(blocks, values):
        lines = [line_html(line) for line in block["lines"]]
        if block["kind"] == "h2":
            parts.append(f"<h2>{lines[0]}</h2>")
        elif block["kind"] == "ul":
            parts.append("<ul>" + "".join(f"<li>{line}</li>" for line in lines) + "</ul>")
        else:
            parts.append("<p>" + "<br>".join(lines) + "</p>")
    return sanitise("".join(parts), tags=BODY_TAGS)
