"""Report periods: calendar months, quarters, the whole project or any run of days.

Every period is half-open, ``[start, end)``, with both bounds at midnight in Europe/Prague:
an event that starts at 23:30 on 31 March Prague time belongs to March even though it is
21:30 UTC, and one at 00:00 on 1 April belongs to April only.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from babel.dates import format_date

from hub.dates import PRAGUE
from hub.i18n import _

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
# The oldest day a report may start on and the longest run of days it may cover: a wider
# request is a typing error, not a period anyone reports on.
EARLIEST = dt.date(2000, 1, 1)
MAX_DAYS = 366 * 30


class PeriodError(ValueError):
    """A period that cannot be read; ``message`` is a translation string."""

    def __init__(self, field: str, message):
        super().__init__(field)
        self.field = field
        self.message = message


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=PRAGUE)


def today() -> dt.date:
    return dt.datetime.now(PRAGUE).date()


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``last`` (both included), i.e. ``[start, end)`` in Prague time."""

    kind: str  # month | quarter | project | days
    first: dt.date
    last: dt.date
    key: str  # the value of ``?period=`` that chooses it ("" for a run of days)

    @property
    def start(self) -> dt.datetime:
        return midnight(self.first)

    @property
    def end(self) -> dt.datetime:
        return midnight(self.last + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def query(self) -> dict:
        """The query string that shows this period again (report, exports)."""
        if self.key:
            return {"period": self.key}
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}

    def label(self, locale: str) -> str:
        if self.kind == "month":
            return format_date(self.first, "LLLL yyyy", locale=locale)
        if self.kind == "quarter":
            return f"Q{(self.first.month - 1) // 3 + 1} {self.first.year}"
        return (f"{format_date(self.first, 'medium', locale=locale)} – "
                f"{format_date(self.last, 'medium', locale=locale)}")


def month(year: int, number: int) -> Period:
    first = dt.date(year, number, 1)
    following = dt.date(year + number // 12, number % 12 + 1, 1)
    return Period("month", first, following - dt.timedelta(days=1), f"{year}-{number:02d}")


def quarter(year: int, number: int) -> Period:
    first = dt.date(year, 3 * number - 2, 1)
    following = dt.date(year + (number == 4), 1 if number == 4 else 3 * number + 1, 1)
    return Period("quarter", first, following - dt.timedelta(days=1), f"{year}-Q{number}")


def project_start(request) -> dt.date:
    """The day the hub started: the Prague date of its first account (today when empty)."""
    from hub.accounts.models import User

    first = request.dbsession.scalar(sa.select(sa.func.min(User.created_at)))
    return first.astimezone(PRAGUE).date() if first is not None else today()


def whole_project(request) -> Period:
    return Period("project", project_start(request), today(), "project")


def days(first: dt.date, last: dt.date) -> Period:
    if last < first:
        raise PeriodError("to", _("The last day comes before the first day."))
    if first < EARLIEST or (last - first).days >= MAX_DAYS:
        raise PeriodError("from", _("Choose a period between the year 2000 and 30 years long."))
    return Period("days", first, last, "")


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PeriodError(field, _("Write the day as YYYY-MM-DD.")) from None


def from_to(first: str | None, last: str | None) -> Period:
    """The days ``first`` to ``last`` (both included, ISO dates) of the API and the page."""
    if not first:
        raise PeriodError("from", _("Give the first day of the period."))
    if not last:
        raise PeriodError("to", _("Give the last day of the period."))
    return days(_date(first, "from"), _date(last, "to"))


def parse(request, params) -> Period:
    """The period a report asks for: ``period=2026-03``, ``2026-Q1`` or ``project``, or
    ``from`` and ``to``; the current month when none is given."""
    if params.get("from") or params.get("to"):
        return from_to(params.get("from"), params.get("to"))
    key = params.get("period", "")
    if key == "project":
        return whole_project(request)
    found = MONTH_RE.match(key)
    if found and 1 <= int(found[2]) <= 12 and int(found[1]) >= EARLIEST.year:
        return month(int(found[1]), int(found[2]))
    found = QUARTER_RE.match(key)
    if found and int(found[1]) >= EARLIEST.year:
        return quarter(int(found[1]), int(found[2]))
    if key:
        raise PeriodError("period", _("Choose a month, a quarter or the whole project."))
    now = today()
    return month(now.year, now.month)


def choices(now: dt.date | None = None, months: int = 12, quarters: int = 8) -> dict:
    """The periods the chooser offers: recent months and quarters, newest first."""
    now = now or today()
    index = now.year * 12 + now.month - 1
    recent_months = [month((index - i) // 12, (index - i) % 12 + 1) for i in range(months)]
    q_index = now.year * 4 + (now.month - 1) // 3
    recent_quarters = [quarter((q_index - i) // 4, (q_index - i) % 4 + 1)
                       for i in range(quarters)]
    return {"months": recent_months, "quarters": recent_quarters}
