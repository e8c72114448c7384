"""Campaign content: placeholders, validation and rendering of one message.

Staff write the body as plain text with light structure (blank line = paragraph, "## " =
heading, "- " = list item, URLs become links) and ``${field}`` placeholders. It is not a
Chameleon template on purpose: a staff-written template could run Python on the server.
The HTML of the mail comes from the plugin's own Chameleon template with inline CSS (mail
clients ignore style sheets), in the gov.cz look.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from string import Template

from pyramid.i18n import TranslationString

from hub_newsletter.i18n import _

FIELDS = ("salutation", "first_name", "last_name", "name", "email", "unsubscribe_url",
          "preferences_url", "event_title", "event_url", "event_date")
EVENT_FIELDS = ("event_title", "event_url", "event_date")
URL = re.compile(r"https://[^\s<>\"')]+|http://[^\s<>\"')]+")


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
    errors += template_errors(campaign.subject, has_event)
    errors += template_errors(campaign.body, has_event)
    if not campaign.lists and not campaign.audiences:
        errors.append(_("Choose at least one list or audience."))
    return errors


def substitute(text: str, values: dict) -> str:
    return Template(text).safe_substitute(values)


def link_segments(text: str) -> list[tuple[str, str | None]]:
    """``text`` split into ``(text, href)`` pieces, URLs becoming links."""
    pieces: list[tuple[str, str | None]] = []
    position = 0
    for match in URL.finditer(text):
        if match.start() > position:
            pieces.append((text[position:match.start()], None))
        pieces.append((match.group(0), match.group(0)))
        position = match.end()
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces


def personalised_blocks(blocks: list[Block], values: dict) -> list[dict]:
    """Blocks with placeholders filled, each line split into link segments for templates."""
    return [{"kind": b.kind,
             "lines": [link_segments(substitute(line, values)) for line in b.lines]}
            for b in blocks]


def plain_text(blocks: list[Block], values: dict) -> str:
    parts = []
    for block in blocks:
        lines = [substitute(line, values) for line in block.lines]
        if block.kind == "h2":
            parts.append(lines[0].upper())
        elif block.kind == "ul":
            parts.append("\n".join(f" * {line}" for line in lines))
        else:
            parts.append("\n".join(lines))
    return "\n\n".join(parts)
