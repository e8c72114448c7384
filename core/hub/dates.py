"""Dates and times for people, written one way on every page (public and staff alike).

``7. 12. 2026`` and ``7. 12. 2026 16:15`` in Czech, ``Dec 7, 2026`` and
``Dec 7, 2026 4:15 PM`` in English: Babel's medium date with hours and minutes, in Prague
time. Seconds and two-digit years (Babel's short format, "07.12.26") are left out: people
compare dates across pages and read them aloud.

Plugins import these rather than building their own:

- ``PRAGUE``: the hub's time zone; stored times are aware UTC, people see Prague time.
- ``format_moment(value, locale)`` and ``format_day(value, locale)``: the two formats above.
- ``parse_local(text)`` and ``local_input(value)``: an HTML ``datetime-local`` field's value
  (``2026-12-07T16:15``, Prague time) to an aware UTC datetime and back.
- ``language(request)``: the request's language reduced to the hub's content languages,
  ``"cs"`` or ``"en"`` (for choosing between ``title_cs`` and ``title_en``).
"""
from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

PRAGUE = ZoneInfo("Europe/Prague")

# What people and browsers send for a datetime-local field: the standard value (seconds
# when the field has a step below a minute), and the Czech way of writing it by hand where
# a browser shows a plain text box.
_LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                  "%d.%m.%Y %H:%M", "%d. %m. %Y %H:%M")


def language(request) -> str:
    """``"en"`` for an English request, else ``"cs"``: the languages content is kept in."""
    return "en" if getattr(request, "locale_name", "cs") == "en" else "cs"


def parse_local(text: str | None) -> dt.datetime | None:
    """A ``datetime-local`` value read as Prague time, as an aware UTC datetime.

    ``None`` for empty or malformed text. A value with its own UTC offset (an API client's
    ISO 8601, ``...Z`` or ``...+01:00``) keeps that offset. Around the changes of clocks:
    a time that does not exist in Prague (the skipped hour in March, 02:30) is read as the
    time a clock not yet moved forward would show, so 02:30 is 03:30 summer time; a time
    that exists twice (the repeated hour in October) is the first, summer-time one, since
    the field cannot say which.
    """
    text = (text or "").strip()
    if not text:
        return None
    for fmt in _LOCAL_FORMATS:
        try:
            naive = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 (Prague time, below)
        except ValueError:
            continue
        break
    else:
        try:
            naive = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        if naive.tzinfo is not None:
            return naive.astimezone(dt.UTC)
    # fold=0 gives the earlier offset: the first of a repeated hour, and for a skipped one
    # the winter offset, which lands the hour after the gap.
    return naive.replace(tzinfo=PRAGUE, fold=0).astimezone(dt.UTC)


def local_input(value: dt.datetime | None) -> str:
    """An aware datetime as a ``datetime-local`` field's value in Prague time (empty for
    None): the inverse of ``parse_local``."""
    return value.astimezone(PRAGUE).strftime("%Y-%m-%dT%H:%M") if value else ""


def format_moment(value: dt.datetime | None, locale: str) -> str:
    """An aware datetime as its Prague date and time (empty for None)."""
    if value is None:
        return ""
    return _moment(value.astimezone(PRAGUE).replace(second=0, microsecond=0), str(locale))


def format_day(value: dt.date | dt.datetime | None, locale: str) -> str:
    """A date (or the Prague date of an aware datetime) without the time."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(PRAGUE).date()
    return _day(value, str(locale))


# Babel is slow next to the rest of a table page, and the same moments recur: kept per value.
@functools.lru_cache(maxsize=4096)
def _moment(value: dt.datetime, locale: str) -> str:
    day = format_date(value, "medium", locale=locale)
    return f"{day} {format_time(value, 'short', locale=locale)}"


@functools.lru_cache(maxsize=4096)
def _day(value: dt.date, locale: str) -> str:
    return format_date(value, "medium", locale=locale)
