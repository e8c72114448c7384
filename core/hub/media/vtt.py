"""WebVTT captions: the one check every caption passes before it is kept.

``vtt_problem(text)`` returns ``None`` for acceptable captions, else a translation string
saying what is wrong and on which line, for a form error or an API message. It checks
what players need to show captions at all, not the whole of the W3C specification:

- the text starts with ``WEBVTT`` (after an optional byte-order mark), followed by the
  end of the line, a space or a tab;
- every cue has a timing line ``start --> end`` with times ``hh:mm:ss.ttt`` or
  ``mm:ss.ttt`` (minutes and seconds below 60), optionally followed by cue settings;
- every cue ends after it starts, and there is at least one cue.

``NOTE``, ``STYLE`` and ``REGION`` blocks are allowed and skipped. ``read_vtt(data)``
decodes an uploaded file (UTF-8, BOM removed) and normalises line ends first.
"""
from __future__ import annotations

import re

from hub.i18n import _

MAX_LENGTH = 1_000_000  # characters: about 30 hours of dense captions

_TIME = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^{_TIME}[ \t]+-->[ \t]+{_TIME}(?:[ \t].*)?$")
_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")


def _seconds(hours, minutes, seconds, millis) -> int:
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def normalise(text: str) -> str:
    """Without a byte-order mark, with ``\\n`` line ends."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def read_vtt(data: bytes | str) -> tuple[str, object | None]:
    """``(text, problem)`` for an uploaded or pasted caption file."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            return "", _("The captions file must be in UTF-8 encoding.")
    text = normalise(data).strip("\n") + "\n"
    return text, vtt_problem(text)


def vtt_problem(text: str):
    """What is wrong with ``text`` as WebVTT captions, or ``None``."""
    text = normalise(text or "")
    if len(text) > MAX_LENGTH:
        return _("The captions are too long (at most ${n} characters).",
                 mapping={"n": MAX_LENGTH})
    lines = text.split("\n")
    if not _HEADER.match(lines[0]):
        return _("Captions must be in WebVTT format: the first line must be \"WEBVTT\".")
    cues = 0
    number, total = 1, len(lines)
    # The header block ends at the first empty line.
    while number < total and lines[number].strip():
        if "-->" in lines[number]:
            return _("Line ${line}: leave an empty line between \"WEBVTT\" and the first "
                     "cue.", mapping={"line": number + 1})
        number += 1
    while number < total:
        while number < total and not lines[number].strip():
            number += 1
        if number >= total:
            break
        block_start = number
        block = []
        while number < total and lines[number].strip():
            block.append(lines[number])
            number += 1
        first = block[0].strip()
        if first.split(" ")[0].split("\t")[0] in ("NOTE", "STYLE", "REGION") \
                and "-->" not in first:
            continue
        # A cue may have an identifier line before its timing line.
        timing_index = 0 if "-->" in block[0] else 1
        if timing_index >= len(block) or "-->" not in block[timing_index]:
            return _("Line ${line}: a cue must have a timing line like "
                     "\"00:00:01.000 --> 00:00:04.000\".", mapping={"line": block_start + 1})
        line_no = block_start + timing_index + 1
        match = _TIMING.match(block[timing_index].strip())
        if match is None:
            return _("Line ${line}: the timing must look like \"00:00:01.000 --> "
                     "00:00:04.000\" (hours are optional).", mapping={"line": line_no})
        start, end = _seconds(*match.group(1, 2, 3, 4)), _seconds(*match.group(5, 6, 7, 8))
        if end <= start:
            return _("Line ${line}: a cue must end after it starts.",
                     mapping={"line": line_no})
        cues += 1
    if not cues:
        return _("The captions contain no cue.")
    return None
