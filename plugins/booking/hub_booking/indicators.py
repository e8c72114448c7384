"""The booking plugin's figures for the funder (``hub_indicators``).

Room use is the hours of approved bookings within the period (a booking that runs over a
bound counts only its part inside), of the hours the active rooms were open for booking
(their bookable hours on each day of the period, Prague time). Pending, refused and
cancelled bookings count nowhere.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa

from hub.contributions import Indicator, Involved
from hub.dates import PRAGUE
from hub.organizations.models import Organisation
from hub_booking.i18n import _
from hub_booking.models import BookableHours, Reservation, Room

NO_ORGANISATION = "none"


def open_hours(db, start, end) -> float:
    """Hours the active rooms could be booked from ``start`` to ``end`` (Prague days)."""
    per_weekday: Counter = Counter()
    rows = db.execute(sa.select(BookableHours.weekday, BookableHours.opens_at,
                                BookableHours.closes_at)
                      .join(Room, Room.id == BookableHours.room_id)
                      .where(Room.is_active.is_(True)))
    for weekday, opens_at, closes_at in rows:
        per_weekday[weekday] += (dt.datetime.combine(dt.date.min, closes_at)
                                 - dt.datetime.combine(dt.date.min, opens_at)).seconds / 3600
    day, last = start.astimezone(PRAGUE).date(), end.astimezone(PRAGUE).date()
    total = 0.0
    while day < last:
        total += per_weekday[day.weekday()]
        day += dt.timedelta(days=1)
    return total


def indicators(request, start, end) -> list:
    from hub.organizations.views import KIND_LABELS

    db = request.dbsession
    rows = db.execute(sa.select(Reservation.starts_at, Reservation.ends_at, Organisation.kind)
                      .join(Room, Room.id == Reservation.room_id)
                      .outerjoin(Organisation, Organisation.id == Reservation.organisation_id)
                      .where(Room.is_active.is_(True), Reservation.status == "approved",
                             Reservation.starts_at < end, Reservation.ends_at > start))
    booked: Counter = Counter()
    for starts_at, ends_at, kind in rows:
        inside = min(ends_at, end) - max(starts_at, start)
        booked[kind or NO_ORGANISATION] += inside.total_seconds() / 3600
    labels = {**KIND_LABELS, NO_ORGANISATION: _("Without an organisation")}
    breakdown = tuple((kind, labels.get(kind, kind), round(hours, 1))
                      for kind, hours in sorted(booked.items(), key=lambda kv: -kv[1]))
    total = sum(booked.values())
    available = open_hours(db, start, end)
    organisations = (sa.select(Reservation.organisation_id)
                     .where(Reservation.status == "approved", Reservation.starts_at < end,
                            Reservation.ends_at > start,
                            Reservation.organisation_id.is_not(None)))
    return [
        Involved("booking", _("Room bookings"), organisations),
        Indicator("room_hours_booked", _("Room hours booked"), round(total, 1), _("hours"),
                  _("Hours of approved bookings of the hub's rooms within the period, by the "
                    "kind of organisation that booked. A booking running over the start or "
                    "end of the period counts only its hours inside. Pending, refused and "
                    "cancelled bookings do not count."), breakdown, order=70),
        Indicator("room_hours_open", _("Room hours open"), round(available, 1), _("hours"),
                  _("Hours the active rooms were open for booking in the period: each room's "
                    "bookable hours on each day, Prague time."), order=71),
        Indicator("room_occupancy", _("Room use"),
                  round(100 * total / available, 1) if available else 0.0, _("% of open hours"),
                  _("Room hours booked as a share of the room hours open in the period."),
                  order=72),
    ]
