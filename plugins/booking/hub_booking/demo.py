"""Demo content: the rooms of a real-looking hub and bookings by its organisations.

Idempotent (nothing happens when the rooms exist). ``scale`` > 1 adds rooms (up to 50)
and bookings (about 10,000 in the first room at scale 100) for benchmarks.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from hub.db import utcnow
from hub_booking.models import BookableHours, ClosedPeriod, Reservation, Room
from hub_booking.services import PRAGUE

ROOMS = [
    ("Velký sál", 80, "přízemí, vchod z Palackého náměstí",
     "Konferenční sál pro semináře, konference a valné hromady. Ozvučení a projekce.",
     ["projector", "screen", "microphone", "videoconference", "wifi"],
     ["step_free", "induction_loop", "accessible_toilet", "lift", "parking"], True),
    ("Zasedací místnost Vltava", 16, "1. patro, dveře 104",
     "Místnost pro porady a workshopy s velkým stolem.",
     ["screen", "videoconference", "whiteboard", "wifi"],
     ["step_free", "lift", "accessible_toilet"], False),
    ("Malá zasedačka Sázava", 8, "1. patro, dveře 110",
     "Klidná místnost pro menší schůzky a konzultace.",
     ["screen", "flipchart", "wifi"], ["lift"], False),
    ("Coworking", 24, "2. patro",
     "Sdílený prostor s pracovními místy a kuchyňkou pro členy organizací.",
     ["kitchenette", "wifi", "flipchart"], ["step_free", "lift", "accessible_toilet"], False),
    ("Kancelář pro organizace", 4, "2. patro, dveře 212",
     "Kancelář k zapůjčení na den pro pacientské organizace bez vlastního zázemí.",
     ["wifi", "whiteboard"], ["lift"], True),
]
TITLES = ["Setkání svépomocné skupiny", "Porada výboru spolku", "Seminář pro pacienty",
          "Workshop: práva pacientů", "Valná hromada", "Konzultace s právníkem",
          "Příprava kampaně", "Školení dobrovolníků"]


def create_demo_data(dbsession, scale: int = 1) -> None:
    from hub.accounts.models import User
    from hub.organizations.models import Membership

    if dbsession.scalar(sa.select(Room.id).where(Room.name == ROOMS[0][0])) is not None:
        return
    rooms = []
    for name, capacity, location, description, equipment, access, approval in ROOMS:
        rooms.append(Room(name=name, capacity=capacity, location=location,
                          description=description, equipment=equipment, accessibility=access,
                          requires_approval=approval, buffer_minutes=15 if capacity > 50 else 0))
    for number in range(min(max(scale - 1, 0) * 5, 45)):
        rooms.append(Room(name=f"Místnost {number + 1:02d}", capacity=6 + number % 20,
                          location=f"{3 + number // 10}. patro", description="",
                          equipment=["wifi"], accessibility=["lift"]))
    for room in rooms:
        room.hours = [BookableHours(weekday=d, opens_at=dt.time(8), closes_at=dt.time(20))
                      for d in range(5)] + [BookableHours(weekday=5, opens_at=dt.time(9),
                                                          closes_at=dt.time(14))]
    dbsession.add_all(rooms)
    dbsession.flush()
    year = utcnow().astimezone(PRAGUE).year
    dbsession.add(ClosedPeriod(room_id=None,
                               starts_at=dt.datetime(year, 12, 24, tzinfo=PRAGUE),
                               ends_at=dt.datetime(year, 12, 27, tzinfo=PRAGUE),
                               reason="Vánoční svátky"))
    bookers = dbsession.execute(
        sa.select(Membership.user_id, Membership.organisation_id).order_by(Membership.id)
        .limit(20)).all()
    if not bookers:
        bookers = [(uid, None) for uid in dbsession.scalars(
            sa.select(User.id).order_by(User.id).limit(5))]
    if not bookers:
        return
    start_day = utcnow().astimezone(PRAGUE).date() - dt.timedelta(days=14)
    per_room = 12 if scale <= 1 else 100 * scale
    # Slots never overlap: each booking has its own (room, day, hour) place.
    for room_index, room in enumerate(rooms if scale > 1 else rooms[:4]):
        count = per_room if room_index == 0 or scale <= 1 else 40
        for k, (day, hour) in enumerate(_slots(start_day, count)):
            starts_at = dt.datetime.combine(day, dt.time(hour), tzinfo=PRAGUE)
            ends_at = starts_at + dt.timedelta(hours=2)
            user_id, organisation_id = bookers[(k + room_index) % len(bookers)]
            dbsession.add(Reservation(
                room_id=room.id, user_id=user_id, organisation_id=organisation_id,
                title=TITLES[(k + room_index) % len(TITLES)], purpose="",
                attendees=min(room.capacity, 5 + k % 10), starts_at=starts_at,
                ends_at=ends_at,
                blocked_until=ends_at + dt.timedelta(minutes=room.buffer_minutes),
                status="pending" if room.requires_approval and k % 5 == 0 else "approved"))
        dbsession.flush()


def _slots(first: dt.date, count: int):
    """``count`` distinct (day, hour) places: four two-hour bookings a working day, none in
    the Christmas closure."""
    day, made = first, 0
    while made < count:
        if day.weekday() < 5 and not (day.month == 12 and 24 <= day.day <= 26):
            for hour in (8, 11, 14, 17):
                if made == count:
                    return
                yield day, hour
                made += 1
        day += dt.timedelta(days=1)
