"""Demo content: the rooms of a real-looking hub and bookings by its organisations.

Idempotent (nothing happens when the rooms exist). ``scale`` S > 1 builds the benchmark's
data set: min(S/2, 50) rooms and 100·S bookings (half of them in the first room).
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
# English versions by the room's name; the office is left untranslated on purpose, so the
# staff's list of missing translations shows something.
ENGLISH = {
    "Velký sál": ("Main hall", "ground floor, entrance from Palackého náměstí",
                  "Conference hall for seminars, conferences and general meetings. Sound "
                  "system and projection."),
    "Zasedací místnost Vltava": ("Vltava meeting room", "1st floor, door 104",
                                 "A room for meetings and workshops with a large table."),
    "Malá zasedačka Sázava": ("Small meeting room Sázava", "1st floor, door 110",
                              "A quiet room for smaller meetings and consultations."),
    "Coworking": ("Coworking", "2nd floor",
                  "Shared space with desks and a kitchenette for members of organisations."),
}
TITLES = ["Setkání svépomocné skupiny", "Porada výboru spolku", "Seminář pro pacienty",
          "Workshop: práva pacientů", "Valná hromada", "Konzultace s právníkem",
          "Příprava kampaně", "Školení dobrovolníků"]


def room_count(scale: int) -> int:
    """The demo portal's five rooms; at benchmark scales min(S/2, 50) (see hub_demo_data)."""
    return len(ROOMS) if scale <= 1 else max(1, min(scale // 2, 50))


def booking_count(scale: int) -> int:
    return 12 * 4 if scale <= 1 else 100 * scale


def create_demo_data(dbsession, scale: int = 1) -> None:
    """Rooms and bookings; at scale S > 1 min(S/2, 50) rooms and 100·S bookings, half of
    them in the first room (the benchmark's busiest calendar), written with bulk inserts."""
    from hub.accounts.models import User
    from hub.organizations.models import Membership

    if dbsession.scalar(sa.select(Room.id).where(Room.name == ROOMS[0][0])) is not None:
        return
    rooms = []
    for name, capacity, location, description, equipment, access, approval in ROOMS:
        name_en, location_en, description_en = ENGLISH.get(name, ("", "", ""))
        rooms.append(Room(name=name, capacity=capacity, location=location,
                          description=description, equipment=equipment, accessibility=access,
                          name_en=name_en, location_en=location_en,
                          description_en=description_en,
                          requires_approval=approval, buffer_minutes=15 if capacity > 50 else 0))
    for number in range(max(room_count(scale) - len(ROOMS), 0)):
        floor = 3 + number // 10
        rooms.append(Room(name=f"Místnost {number + 1:02d}", capacity=6 + number % 20,
                          location=f"{floor}. patro", description="",
                          name_en=f"Room {number + 1:02d}", location_en=f"floor {floor}",
                          equipment=["wifi"], accessibility=["lift"]))
    rooms = rooms[:room_count(scale)]
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
        .limit(200)).all()
    if not bookers:
        bookers = [(uid, None) for uid in dbsession.scalars(
            sa.select(User.id).order_by(User.id).limit(5))]
    if not bookers:
        return
    start_day = utcnow().astimezone(PRAGUE).date() - dt.timedelta(days=14)
    total = booking_count(scale)
    if scale <= 1:
        counts = [12, 12, 12, 12, 0][:len(rooms)]
    else:
        counts = [total // 2 if len(rooms) > 1 else total]
        rest = total - counts[0]
        others = len(rooms) - 1
        counts += [rest // others + (1 if i < rest % others else 0) for i in range(others)]
    now = utcnow()
    for room_index, (room, count) in enumerate(zip(rooms, counts, strict=False)):
        rows = []
        # Slots never overlap: each booking has its own (room, day, hour) place.
        for k, (day, hour) in enumerate(_slots(start_day, count)):
            starts_at = dt.datetime.combine(day, dt.time(hour), tzinfo=PRAGUE)
            ends_at = starts_at + dt.timedelta(hours=2)
            user_id, organisation_id = bookers[(k + room_index) % len(bookers)]
            rows.append({
                "room_id": room.id, "user_id": user_id, "organisation_id": organisation_id,
                "series_id": None, "title": TITLES[(k + room_index) % len(TITLES)],
                "purpose": "", "attendees": min(room.capacity, 5 + k % 10),
                "starts_at": starts_at, "ends_at": ends_at,
                "blocked_until": ends_at + dt.timedelta(minutes=room.buffer_minutes),
                "status": ("pending" if room.requires_approval and k % 5 == 0
                           else "approved"),
                "decision_reason": "", "decided_by_id": None, "source": "demo",
                "created_at": now, "reminded_at": None})
        # Latest first: SQLite's no-overlap trigger then finds nothing after each new row
        # in the (room, start) index, so the insert stays linear.
        rows.reverse()
        for chunk in range(0, len(rows), 2000):
            dbsession.execute(sa.insert(Reservation), rows[chunk:chunk + 2000])
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
