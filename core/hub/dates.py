"""Dates and times for people, written one way on every page (public and staff alike).

``7. 12. 2026`` and ``7. 12. 2026 16:15`` in Czech, ``Dec 7, 2026`` and
``Dec 7, 2026 4:15 PM`` in English: Babel's medium date with hours and minutes, in Prague
time. Seconds and two-digit years (Babel's short format, "07.12.26") are left out: people
compare dates across pages and read them aloud.
"""
from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

PRAGUE = ZoneInfo("Europe/Prague")


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
