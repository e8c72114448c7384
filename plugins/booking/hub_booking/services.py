"""Booking rules, recurrence, availability and the one place reservations are written.

Rules that depend on the calendar (bookable hours, notice, quotas) are checked here and
reported by name; the rule that two active reservations of a room never overlap is the
database's (see models.py): ``place`` inserts inside a savepoint and turns the
database's refusal into ``Conflict``, so the request's transaction stays usable.
"""
from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass, field

import sqlalchemy as sa
from babel.dates import format_date, format_time
from sqlalchemy.exc import IntegrityError

from hub.dates import PRAGUE, format_moment
from hub.db import utcnow
from hub.organizations.models import Membership
from hub.translations import Translated
from hub_booking.i18n import _
from hub_booking.models import (
    ACTIVE_STATUSES,
    OVERLAP_MESSAGE,
    BookableHours,
    ClosedPeriod,
    ClosedPeriodException,
    OrganisationQuota,
    Reservation,
    Room,
    RoomManager,
    Series,
)

MAX_OCCURRENCES = 200
MAX_SERIES_DAYS = 366
FREQUENCIES = ("daily", "weekly", "monthly")


class BookingError(Exception):
    """Input that breaks a rule; ``message`` is a translation string naming the rule and
    ``problem`` says in one word what is wrong with the field ("missing" or "invalid")."""

    def __init__(self, message, field_name: str | None = None, problem: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field_name
        self.problem = problem


class Conflict(Exception):
    """The database refused an overlapping reservation; ``existing`` is what it overlaps."""

    def __init__(self, starts_at, ends_at, existing: Reservation | None):
        super().__init__(OVERLAP_MESSAGE)
        self.starts_at, self.ends_at, self.existing = starts_at, ends_at, existing


# -- time ------------------------------------------------------------------------------

def local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(PRAGUE)


def aware_local(day: dt.date, time: dt.time) -> dt.datetime:
    """``day`` at wall-clock ``time`` in Prague; a time skipped by the clock change is an
    error, an ambiguous one (autumn) means its first occurrence."""
    value = dt.datetime.combine(day, time, tzinfo=PRAGUE)
    back = value.astimezone(dt.UTC).astimezone(PRAGUE)
    if back.replace(tzinfo=None) != value.replace(tzinfo=None):
        raise BookingError(_("This time does not exist on that day (the clocks go forward)."),
                           "start")
    return value


def is_ambiguous(value: dt.datetime) -> bool:
    value = local(value)
    return value.replace(fold=0).utcoffset() != value.replace(fold=1).utcoffset()


def _offset(value: dt.datetime) -> str:
    offset = local(value).utcoffset()
    hours = int(offset.total_seconds() // 3600)
    return f" (UTC+{hours:02d}:00)"


def format_when(request, value: dt.datetime, language: str | None = None) -> str:
    """Date and time in Prague, in ``language`` (the request's by default); the offset is
    shown when the wall time is ambiguous (the hour repeated in October)."""
    value = local(value)
    suffix = _offset(value) if is_ambiguous(value) else ""
    return format_moment(value, language or request.locale_name) + suffix


def format_span(request, starts_at: dt.datetime, ends_at: dt.datetime,
                language: str | None = None) -> str:
    """From-to in Prague, in ``language`` (the request's by default): a message to a
    person is dated in the language they read, not in that of whoever caused it."""
    language = language or request.locale_name
    start, end = local(starts_at), local(ends_at)
    end_text = (format_time(end, "short", tzinfo=PRAGUE, locale=language)
                + (_offset(end) if is_ambiguous(end) else ""))
    if start.date() != end.date():
        end_text = format_when(request, ends_at, language)
    return f"{format_when(request, starts_at, language)} – {end_text}"


def format_day(request, day: dt.date, fmt: str = "full") -> str:
    return _format_day(day, fmt, request.locale_name)


@functools.lru_cache(maxsize=4096)
def _format_day(day: dt.date, fmt: str, locale: str) -> str:
    return format_date(day, fmt, locale=locale)


def parse_iso(value, field_name: str) -> dt.datetime:
    """An ISO 8601 date-time with an offset (the API's input)."""
    if value is None or value == "":
        raise BookingError(_("This field is missing."), field_name, "missing")
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise BookingError(_("Use an ISO 8601 date and time with an offset, e.g. "
                             "2026-05-04T10:00:00+02:00."), field_name) from None
    if parsed.tzinfo is None:
        raise BookingError(_("The time needs an offset, e.g. +02:00."), field_name)
    check_year(parsed.date(), field_name)
    return parsed.astimezone(dt.UTC)


FIRST_YEAR, LAST_YEAR = 2000, 2200


def check_year(day: dt.date, field_name: str) -> dt.date:
    """Dates far outside the hub's life are refused by name (date arithmetic near the
    ends of the calendar would overflow)."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise BookingError(_("Enter a date between the years ${first} and ${last}.",
                             mapping={"first": FIRST_YEAR, "last": LAST_YEAR}), field_name)
    return day


# -- rules -----------------------------------------------------------------------------

def settings_of(request) -> dict:
    settings = request.registry.settings
    return {"user": int(settings.get("booking.user_monthly_hours", 40)),
            "organisation": int(settings.get("booking.organisation_monthly_hours", 80))}


def closed_period_at(request, room: Room, starts_at, ends_at,
                     user=None) -> ClosedPeriod | None:
    """The closure of the room (or the hub) at that time, unless ``user`` is exempt."""
    stmt = (sa.select(ClosedPeriod)
            .where(sa.or_(ClosedPeriod.room_id == room.id, ClosedPeriod.room_id.is_(None)),
                   ClosedPeriod.starts_at < ends_at, ClosedPeriod.ends_at > starts_at)
            .limit(1))
    if user is not None:
        stmt = stmt.where(~sa.exists().where(
            ClosedPeriodException.closed_period_id == ClosedPeriod.id,
            ClosedPeriodException.user_id == user.id))
    return request.dbsession.scalars(stmt).first()


def booked_hours(request, month_start: dt.datetime, month_end: dt.datetime, *, user_id=None,
                 organisation_id=None) -> float:
    stmt = sa.select(Reservation.starts_at, Reservation.ends_at).where(
        Reservation.status.in_(ACTIVE_STATUSES), Reservation.starts_at >= month_start,
        Reservation.starts_at < month_end)
    if user_id is not None:
        stmt = stmt.where(Reservation.user_id == user_id)
    if organisation_id is not None:
        stmt = stmt.where(Reservation.organisation_id == organisation_id)
    return sum((e - s).total_seconds() for s, e in request.dbsession.execute(stmt)) / 3600


def month_bounds(value: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = local(value)
    first = dt.datetime(start.year, start.month, 1, tzinfo=PRAGUE)
    last = calendar.monthrange(start.year, start.month)[1]
    return first, first + dt.timedelta(days=last)


def is_staff(user) -> bool:
    return user is not None and user.role in ("staff", "admin")


def check_rules(request, room: Room, starts_at: dt.datetime, ends_at: dt.datetime, user, *,
                attendees: int = 0, organisation_id: int | None = None,
                extra_hours: float = 0.0, now: dt.datetime | None = None,
                owner=None) -> None:
    """Raise ``BookingError`` naming the first rule the booking breaks (overlap aside).
    ``user`` books; ``owner``, when someone else, is who the booking is for: a closure
    lets it through when either of them is exempt."""
    now = now or utcnow()
    if ends_at <= starts_at:
        raise BookingError(_("The end must be after the start."), "end")
    if starts_at < now:
        raise BookingError(_("The time is in the past."), "start")
    if not room.is_active:
        raise BookingError(_("This room cannot be booked at the moment."), "room")
    minutes = (ends_at - starts_at).total_seconds() / 60
    if minutes < room.min_duration_minutes:
        raise BookingError(_("A booking of this room lasts at least ${minutes} minutes.",
                             mapping={"minutes": room.min_duration_minutes}), "end")
    if minutes > room.max_duration_minutes:
        raise BookingError(_("A booking of this room lasts at most ${minutes} minutes.",
                             mapping={"minutes": room.max_duration_minutes}), "end")
    if attendees and attendees > room.capacity:
        raise BookingError(_("The room holds at most ${capacity} people.",
                             mapping={"capacity": room.capacity}), "attendees")
    if not is_staff(user):
        if starts_at < now + dt.timedelta(hours=room.min_notice_hours):
            raise BookingError(_("Book at least ${hours} hours in advance.",
                                 mapping={"hours": room.min_notice_hours}), "start")
        if starts_at > now + dt.timedelta(days=room.max_advance_days):
            raise BookingError(_("Book at most ${days} days in advance.",
                                 mapping={"days": room.max_advance_days}), "start")
    check_bookable_hours(room, starts_at, ends_at)
    closed = closed_period_at(request, room, starts_at, ends_at, user)
    if closed is not None and owner is not None and owner is not user:
        closed = closed_period_at(request, room, starts_at, ends_at, owner)
    if closed is not None:
        raise BookingError(_("The room is closed from ${start} to ${end}${reason}.", mapping={
            "start": format_when(request, closed.starts_at),
            "end": format_when(request, closed.ends_at),
            "reason": f" ({closed.reason})" if closed.reason else ""}), "start")
    if not is_staff(user):
        check_quota(request, user, starts_at, ends_at, organisation_id, extra_hours)


def check_bookable_hours(room: Room, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    start, end = local(starts_at), local(ends_at)
    hours = {h.weekday: h for h in room.hours}
    day = hours.get(start.weekday())
    if day is None:
        raise BookingError(_("The room cannot be booked on this day of the week."), "start")
    if start.date() != end.date() and not (end.date() == start.date() + dt.timedelta(days=1)
                                           and end.time() == dt.time(0)):
        raise BookingError(_("A booking must start and end on the same day."), "end")
    end_time = end.time() if end.date() == start.date() else dt.time(23, 59, 59)
    if start.time() < day.opens_at or end_time > day.closes_at:
        raise BookingError(_("The room can be booked on this day from ${opens} to ${closes}.",
                             mapping={"opens": day.opens_at.strftime("%H:%M"),
                                      "closes": day.closes_at.strftime("%H:%M")}), "start")


QUOTA_LOCK_USER, QUOTA_LOCK_ORGANISATION = 4201, 4202


def _lock_quota(request, kind: int, key: int) -> None:
    """Serialise quota checks of one person (or organisation) until commit. SQLite needs
    nothing: writing requests already hold the database's write lock (BEGIN IMMEDIATE)."""
    if request.dbsession.get_bind().dialect.name == "postgresql":
        request.dbsession.execute(sa.text("SELECT pg_advisory_xact_lock(:kind, :key)"),
                                  {"kind": kind, "key": key})


def organisation_quota(request, organisation_id: int) -> tuple[int, bool]:
    """The organisation's monthly hours and whether staff set them for it (an override)
    rather than the hub-wide setting."""
    override = request.dbsession.scalar(
        sa.select(OrganisationQuota.monthly_hours)
        .where(OrganisationQuota.organisation_id == organisation_id))
    if override is not None:
        return override, True
    return settings_of(request)["organisation"], False


def format_hours(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def check_quota(request, user, starts_at, ends_at, organisation_id, extra_hours=0.0) -> None:
    limits = settings_of(request)
    _lock_quota(request, QUOTA_LOCK_USER, user.id)
    if organisation_id is not None:
        _lock_quota(request, QUOTA_LOCK_ORGANISATION, organisation_id)
    first, last = month_bounds(starts_at)
    wanted = (ends_at - starts_at).total_seconds() / 3600 + extra_hours
    adds = (ends_at - starts_at).total_seconds() / 3600
    month = f"{local(starts_at):%m/%Y}"
    booked = booked_hours(request, first, last, user_id=user.id)
    if booked + wanted > limits["user"]:
        raise BookingError(_(
            "Over the quota of ${hours} hours of bookings a month per person: ${booked} "
            "hours are already booked in ${month} and this booking adds ${adds}.",
            mapping={"hours": limits["user"], "booked": format_hours(booked + wanted - adds),
                     "month": month, "adds": format_hours(adds)}), "end")
    if organisation_id is None:
        return
    hours, override = organisation_quota(request, organisation_id)
    booked = booked_hours(request, first, last, organisation_id=organisation_id)
    if booked + wanted > hours:
        mapping = {"hours": hours, "booked": format_hours(booked + wanted - adds),
                   "month": month, "adds": format_hours(adds)}
        if override:
            message = _("Over the quota of ${hours} hours of bookings a month set for this "
                        "organisation: ${booked} hours are already booked in ${month} and "
                        "this booking adds ${adds}.", mapping=mapping)
        else:
            message = _("Over the organisation's quota of ${hours} hours of bookings a "
                        "month: ${booked} hours are already booked in ${month} and this "
                        "booking adds ${adds}.", mapping=mapping)
        raise BookingError(message, "organisation")


def needs_approval(request, room: Room, user) -> bool:
    """Whether ``user``'s booking of ``room`` waits for the staff."""
    if not room.requires_approval or is_staff(user):
        return False
    if room.representatives_book_directly:
        return not request.dbsession.scalar(sa.select(Membership.id).where(
            Membership.user_id == user.id, Membership.is_representative.is_(True)).limit(1))
    return True


def organisations_of(request, user) -> list:
    from hub.organizations.models import Organisation

    stmt = (sa.select(Organisation).join(Membership, Membership.organisation_id
                                         == Organisation.id)
            .where(Membership.user_id == user.id).order_by(Organisation.name))
    return list(request.dbsession.scalars(stmt))


def room_managers(request, room_id: int) -> list:
    from hub.accounts.models import User

    return list(request.dbsession.scalars(
        sa.select(User).join(RoomManager, RoomManager.user_id == User.id)
        .where(RoomManager.room_id == room_id, User.is_active.is_(True))
        .order_by(User.id)))


def managed_room_ids(request, user) -> set[int]:
    if user is None:
        return set()
    return set(request.dbsession.scalars(
        sa.select(RoomManager.room_id).where(RoomManager.user_id == user.id)))


def approval_recipients(request, room_id: int) -> list:
    """Who hears about (and decides) a room's bookings: its managers, else all staff."""
    from hub.accounts.models import User

    managers = room_managers(request, room_id)
    if managers:
        return managers
    return list(request.dbsession.scalars(
        sa.select(User).where(User.role.in_(("staff", "admin")), User.is_active.is_(True))
        .order_by(User.id)))


# -- recurrence ------------------------------------------------------------------------

@dataclass
class Recurrence:
    frequency: str
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    until: dt.date | None = None
    count: int | None = None     # at most this many occurrences (until may be left out)


def occurrence_days(first: dt.date, rule: Recurrence | None) -> list[dt.date]:
    """The local dates of a booking and its repetitions (wall-clock times stay fixed across
    clock changes)."""
    if rule is None:
        return [first]
    if rule.frequency not in FREQUENCIES:
        raise BookingError(_("Choose how the booking repeats."), "frequency")
    if rule.interval < 1 or rule.interval > 12:
        raise BookingError(_("Repeat every 1 to 12 periods."), "interval")
    if rule.count is not None:
        if not 1 <= rule.count <= MAX_OCCURRENCES:
            raise BookingError(_("A series can have at most ${count} occurrences.",
                                 mapping={"count": MAX_OCCURRENCES}), "count")
        if rule.until is None:
            rule = Recurrence(rule.frequency, rule.interval, rule.weekdays,
                              first + dt.timedelta(days=MAX_SERIES_DAYS), rule.count)
    if rule.until is None or rule.until < first:
        raise BookingError(_("The last day of the series must not be before the first."),
                           "until")
    if (rule.until - first).days > MAX_SERIES_DAYS:
        raise BookingError(_("A series can last at most one year."), "until")
    days: list[dt.date] = []
    if rule.frequency == "daily":
        day = first
        while day <= rule.until:
            days.append(day)
            day += dt.timedelta(days=rule.interval)
    elif rule.frequency == "weekly":
        weekdays = set(rule.weekdays or (first.weekday(),))
        week_start = first - dt.timedelta(days=first.weekday())
        while week_start <= rule.until:
            for offset in range(7):
                day = week_start + dt.timedelta(days=offset)
                if first <= day <= rule.until and day.weekday() in weekdays:
                    days.append(day)
            week_start += dt.timedelta(weeks=rule.interval)
    else:
        index = 0
        while True:
            month = first.month - 1 + index * rule.interval
            year, month = first.year + month // 12, month % 12 + 1
            day_of_month = min(first.day, calendar.monthrange(year, month)[1])
            day = dt.date(year, month, day_of_month)
            if day > rule.until:
                break
            days.append(day)
            index += 1
    if rule.count is not None:
        days = days[:rule.count]
    if len(days) > MAX_OCCURRENCES:
        raise BookingError(_("A series can have at most ${count} occurrences.",
                             mapping={"count": MAX_OCCURRENCES}), "until")
    return days


# -- writing ---------------------------------------------------------------------------

def is_overlap(error: IntegrityError) -> bool:
    orig = error.orig
    return getattr(orig, "sqlstate", None) == "23P01" or OVERLAP_MESSAGE in str(orig)


def conflicting(request, room_id: int, starts_at, blocked_until,
                exclude_id: int | None = None) -> Reservation | None:
    stmt = (sa.select(Reservation)
            .where(Reservation.room_id == room_id, Reservation.status.in_(ACTIVE_STATUSES),
                   Reservation.starts_at < blocked_until,
                   Reservation.blocked_until > starts_at)
            .order_by(Reservation.starts_at).limit(1))
    if exclude_id is not None:
        stmt = stmt.where(Reservation.id != exclude_id)
    return request.dbsession.scalars(stmt).first()


def place(request, reservation: Reservation) -> Reservation:
    """Insert (or re-activate) ``reservation`` in a savepoint; ``Conflict`` if taken."""
    session = request.dbsession
    room = reservation.room or session.get(Room, reservation.room_id)
    reservation.blocked_until = reservation.ends_at + dt.timedelta(minutes=room.buffer_minutes)
    savepoint = session.begin_nested()
    try:
        session.add(reservation)
        session.flush()
    except IntegrityError as error:
        savepoint.rollback()
        if not is_overlap(error):
            raise
        # The buffer of the booking before this one may be what blocks it.
        existing = conflicting(request, room.id,
                               reservation.starts_at - dt.timedelta(minutes=room.buffer_minutes),
                               reservation.blocked_until, exclude_id=reservation.id)
        raise Conflict(reservation.starts_at, reservation.ends_at, existing) from None
    savepoint.commit()
    return reservation


@dataclass
class Outcome:
    created: list[Reservation] = field(default_factory=list)
    skipped: list[tuple[dt.datetime, dt.datetime, object]] = field(default_factory=list)
    series: Series | None = None


def book(request, room: Room, user, *, first_day: dt.date, start: dt.time, end: dt.time,
         title: str, purpose: str = "", attendees: int = 0, organisation_id: int | None = None,
         recurrence: Recurrence | None = None, status: str | None = None,
         source: str = "", actor=None) -> Outcome:
    """Book ``room`` once or as a series for ``user``. A single booking raises
    ``BookingError`` / ``Conflict``; a series skips (and lists) occurrences that break a
    rule or are taken, and raises ``Conflict`` only when every occurrence is taken.

    ``actor`` is who books when it is not ``user`` (staff booking on someone's behalf): the
    rules are the actor's (staff need no approval and have no notice or quota limits), the
    booking, its organisation and its hours are the user's."""
    actor = actor or user
    title = (title or "").strip()
    if not title:
        raise BookingError(_("Enter a title."), "title")
    if len(title) > 200:
        raise BookingError(_("The title can have at most 200 characters."), "title")
    if attendees < 0:
        raise BookingError(_("The number of attendees cannot be negative."), "attendees")
    if organisation_id is not None and not any(
            o.id == organisation_id for o in organisations_of(request, user)):
        if actor is not user:
            raise BookingError(_("The person is not a member of this organisation."),
                               "organisation")
        raise BookingError(_("You can book only on behalf of your own organisation."),
                           "organisation")
    days = occurrence_days(first_day, recurrence)
    if status is None:
        status = "pending" if needs_approval(request, room, actor) else "approved"
    outcome = Outcome()
    if recurrence is not None:
        outcome.series = Series(user_id=user.id, frequency=recurrence.frequency,
                                interval_=recurrence.interval,
                                weekdays="".join(str(d) for d in sorted(recurrence.weekdays)),
                                until=days[-1])
        request.dbsession.add(outcome.series)
        request.dbsession.flush()
    end_day_shift = 1 if end == dt.time(0) else 0
    hours_so_far = 0.0
    conflicts = []
    for day in days:
        try:
            starts_at = aware_local(day, start)
            ends_at = aware_local(day + dt.timedelta(days=end_day_shift), end)
        except BookingError as error:
            if recurrence is None:
                raise
            outcome.skipped.append((dt.datetime.combine(day, start, tzinfo=PRAGUE),
                                    dt.datetime.combine(day, end, tzinfo=PRAGUE), error.message))
            continue
        try:
            check_rules(request, room, starts_at, ends_at, actor, attendees=attendees,
                        organisation_id=organisation_id, extra_hours=hours_so_far,
                        owner=user)
            reservation = place(request, Reservation(
                room_id=room.id, room=room, user_id=user.id, organisation_id=organisation_id,
                series_id=outcome.series.id if outcome.series else None, title=title,
                purpose=purpose, attendees=attendees, starts_at=starts_at, ends_at=ends_at,
                status=status, source=source))
        except BookingError as error:
            if recurrence is None:
                raise
            outcome.skipped.append((starts_at, ends_at, error.message))
            continue
        except Conflict as conflict:
            if recurrence is None:
                raise
            conflicts.append(conflict)
            outcome.skipped.append((starts_at, ends_at, conflict_message(request, conflict)))
            continue
        outcome.created.append(reservation)
        hours_so_far += (ends_at - starts_at).total_seconds() / 3600
    if not outcome.created:
        if conflicts and len(conflicts) == len(outcome.skipped):
            raise conflicts[0]
        if outcome.skipped:
            raise BookingError(outcome.skipped[0][2], "start")
    return outcome


def change(request, reservation: Reservation, user, *, day: dt.date, start: dt.time,
           end: dt.time, title: str, purpose: str, attendees: int) -> bool:
    """Edit a booking; the rules apply again and, where the room needs approval, a new
    time needs it again. Returns True when the booking went back to pending."""
    title = (title or "").strip()
    if not title:
        raise BookingError(_("Enter a title."), "title")
    if len(title) > 200:
        raise BookingError(_("The title can have at most 200 characters."), "title")
    if reservation.status not in ACTIVE_STATUSES or reservation.ends_at <= utcnow():
        raise BookingError(_("Only an active future booking can be changed."), "title")
    room = reservation.room
    starts_at = aware_local(day, start)
    ends_at = aware_local(day + dt.timedelta(days=1 if end == dt.time(0) else 0), end)
    moved = (starts_at, ends_at) != (reservation.starts_at, reservation.ends_at)
    if moved or attendees != reservation.attendees:
        same_month = month_bounds(starts_at) == month_bounds(reservation.starts_at)
        already = (reservation.ends_at - reservation.starts_at).total_seconds() / 3600
        check_rules(request, room, starts_at, ends_at, user, attendees=attendees,
                    organisation_id=reservation.organisation_id,
                    extra_hours=-already if same_month else 0.0)
    again = moved and needs_approval(request, room, user) and reservation.status == "approved"
    session = request.dbsession
    savepoint = session.begin_nested()
    try:
        reservation.title, reservation.purpose, reservation.attendees = title, purpose, attendees
        reservation.starts_at, reservation.ends_at = starts_at, ends_at
        reservation.blocked_until = ends_at + dt.timedelta(minutes=room.buffer_minutes)
        if again:
            reservation.status, reservation.decided_by_id = "pending", None
        session.flush()
    except IntegrityError as error:
        savepoint.rollback()
        if not is_overlap(error):
            raise
        existing = conflicting(request, room.id, starts_at,
                               ends_at + dt.timedelta(minutes=room.buffer_minutes),
                               exclude_id=reservation.id)
        raise Conflict(starts_at, ends_at, existing) from None
    savepoint.commit()
    return again


def conflict_message(request, conflict: Conflict):
    if conflict.existing is None:
        return _("The room is already booked at this time.")
    return _("The room is already booked from ${start} to ${end}.", mapping={
        "start": format_when(request, conflict.existing.starts_at),
        "end": format_when(request, conflict.existing.blocked_until)})


def cancel(request, reservation: Reservation) -> bool:
    """Cancel an active reservation; False when it was not active (any more)."""
    return _transition(request, reservation, ACTIVE_STATUSES, status="cancelled")


def decide(request, reservation: Reservation, approve: bool, reason: str, staff) -> None:
    """Approve or reject a pending reservation (a cancelled one stays cancelled)."""
    if not approve and not reason.strip():
        raise BookingError(_("Give a reason for the rejection."), "reason")
    if not _transition(request, reservation, ("pending",),
                       status="approved" if approve else "rejected",
                       decision_reason=reason.strip()[:500], decided_by_id=staff.id):
        raise BookingError(_("Only a pending booking can be approved or rejected."), "status")


def _transition(request, reservation: Reservation, allowed: tuple, **values) -> bool:
    """Change a reservation only if its status is still one of ``allowed``: a single
    conditional UPDATE, so a concurrent cancel and approve cannot both win."""
    result = request.dbsession.execute(
        sa.update(Reservation)
        .where(Reservation.id == reservation.id, Reservation.status.in_(allowed))
        .values(**values).execution_options(synchronize_session=False))
    request.dbsession.refresh(reservation)
    return result.rowcount == 1


# -- reading ---------------------------------------------------------------------------

def busy(request, room_ids, starts_at, ends_at) -> list[Reservation]:
    stmt = (sa.select(Reservation)
            .where(Reservation.room_id.in_(list(room_ids)),
                   Reservation.status.in_(ACTIVE_STATUSES),
                   Reservation.starts_at < ends_at, Reservation.blocked_until > starts_at)
            .order_by(Reservation.starts_at))
    return list(request.dbsession.scalars(stmt))


@dataclass(slots=True)
class RoomInfo(Translated):
    """What the room list and the free-room search need of a room, read as plain rows:
    ORM objects for fifty rooms and their hours cost more than the rest of the page."""

    TRANSLATED = Room.TRANSLATED

    id: int
    name: str
    description: str
    capacity: int
    location: str
    equipment: list
    accessibility: list
    name_en: str = ""
    description_en: str = ""
    location_en: str = ""
    hours: list = field(default_factory=list)


@dataclass(slots=True)
class HoursInfo:
    weekday: int
    opens_at: dt.time
    closes_at: dt.time


def room_directory(request) -> list[RoomInfo]:
    """The active rooms with their bookable hours, in two queries."""
    rooms = [RoomInfo(*row) for row in request.dbsession.execute(
        sa.select(Room.id, Room.name, Room.description, Room.capacity, Room.location,
                  Room.equipment, Room.accessibility, Room.name_en, Room.description_en,
                  Room.location_en)
        .where(Room.is_active.is_(True)).order_by(Room.name))]
    by_id = {room.id: room for room in rooms}
    for room_id, weekday, opens_at, closes_at in request.dbsession.execute(
            sa.select(BookableHours.room_id, BookableHours.weekday, BookableHours.opens_at,
                      BookableHours.closes_at)
            .join(Room, Room.id == BookableHours.room_id)
            .where(Room.is_active.is_(True)).order_by(BookableHours.weekday)):
        by_id[room_id].hours.append(HoursInfo(weekday, opens_at, closes_at))
    return rooms


def active_rooms(request) -> list[Room]:
    from sqlalchemy.orm import selectinload

    stmt = (sa.select(Room).where(Room.is_active.is_(True)).options(selectinload(Room.hours))
            .order_by(Room.name))
    return list(request.dbsession.scalars(stmt))


def free_rooms(request, starts_at, ends_at, capacity: int = 0, equipment=(),
               accessibility=(), rooms: list[RoomInfo] | None = None) -> list[RoomInfo]:
    """Active rooms free for the whole span and bookable then, with the wanted features.
    Three queries whatever the number of rooms (rooms with hours, bookings, closures)."""
    rooms = [r for r in (room_directory(request) if rooms is None else rooms)
             if r.capacity >= capacity
             and set(equipment) <= set(r.equipment or [])
             and set(accessibility) <= set(r.accessibility or [])]
    if not rooms:
        return []
    taken = set(request.dbsession.scalars(
        sa.select(Reservation.room_id).distinct()
        .where(Reservation.room_id.in_([r.id for r in rooms]),
               Reservation.status.in_(ACTIVE_STATUSES),
               Reservation.starts_at < ends_at, Reservation.blocked_until > starts_at)))
    closed = set(request.dbsession.scalars(
        sa.select(ClosedPeriod.room_id)
        .where(ClosedPeriod.starts_at < ends_at, ClosedPeriod.ends_at > starts_at)))
    if None in closed:
        return []
    result = []
    for room in rooms:
        if room.id in taken or room.id in closed:
            continue
        try:
            check_bookable_hours(room, starts_at, ends_at)
        except BookingError:
            continue
        result.append(room)
    return result


def suggestions(request, room: Room, starts_at, ends_at, limit: int = 3) -> list[tuple]:
    """Nearby free times of the same length in the same room (±30 min steps, same day)."""
    duration = ends_at - starts_at
    window_start = starts_at - dt.timedelta(hours=4)
    window_end = ends_at + dt.timedelta(hours=4)
    taken = busy(request, [room.id], window_start, window_end)
    now = utcnow() + dt.timedelta(hours=room.min_notice_hours)
    buffer = dt.timedelta(minutes=room.buffer_minutes)
    found = []
    for step in range(1, 9):
        for sign in (1, -1):
            start = starts_at + sign * step * dt.timedelta(minutes=30)
            end = start + duration
            if start < now:
                continue
            if any(r.starts_at < end + buffer and start < r.blocked_until for r in taken):
                continue
            try:
                check_bookable_hours(room, start, end)
            except BookingError:
                continue
            found.append((start, end))
    found.sort(key=lambda span: abs(span[0] - starts_at))
    return found[:limit]


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants of a local day's start and end (23 or 25 hours at clock changes)."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=PRAGUE)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=PRAGUE)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def default_hours() -> list[BookableHours]:
    return [BookableHours(weekday=d, opens_at=dt.time(8), closes_at=dt.time(20))
            for d in range(5)]
