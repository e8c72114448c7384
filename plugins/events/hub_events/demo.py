"""Demo events: upcoming ones with registrations and past ones with recordings.

Idempotent: events are found by title; ``scale`` multiplies the number of generated
upcoming events (benchmarks use large scales).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from hub.accounts.models import User
from hub.db import utcnow
from hub_events.models import CONFIRMED, Event, Registration, Talk
from hub_events.services import PRAGUE, new_access_key

TOPICS = ("Diabetes", "Vzácná onemocnění", "Onkologie", "Duševní zdraví", "Kardiologie",
          "Práva pacientů", "Roztroušená skleróza")

UPCOMING = [
    ("Jak číst výsledky laboratorních vyšetření", "lecture", "Diabetes", "hybrid",
     "Praktický průvodce pro pacienty: co znamenají hodnoty glykovaného hemoglobinu, "
     "cholesterolu a dalších ukazatelů.", "MUDr. Jana Dvořáková"),
    ("Seminář: Jak založit a řídit pacientskou organizaci", "seminar", "Práva pacientů",
     "address", "Právní forma spolku, stanovy, účetnictví a získávání grantů.",
     "Mgr. Petr Novák"),
    ("Workshop komunikace s lékařem", "workshop", "Práva pacientů", "address",
     "Nácvik rozhovoru s lékařem: jak se ptát, jak si poznamenat odpovědi a jak sdílet "
     "rozhodování o léčbě.", "PhDr. Lucie Králová"),
    ("Konference Vzácná onemocnění 2027", "conference", "Vzácná onemocnění", "hybrid",
     "Celodenní konference pacientských organizací, lékařů a plátců péče.",
     "prof. MUDr. Karel Svoboda, Mgr. Eva Malá"),
    ("Online setkání: duševní zdraví pečujících", "meeting", "Duševní zdraví", "online",
     "Sdílení zkušeností a tipy, jak pečovat o sebe při péči o blízkého.",
     "Mgr. Tereza Horáková"),
]

PAST = [
    ("Nová léčba roztroušené sklerózy", "lecture", "Roztroušená skleróza",
     "Přehled nových možností léčby a jejich dostupnosti v Česku.", "MUDr. Ondřej Beneš"),
    ("Digitální zdravotnictví pro pacienty", "seminar", "Práva pacientů",
     "eRecept, elektronická zdravotní dokumentace a portál pacienta.", "Ing. Martin Černý"),
]


def _at(days: int, hour: int) -> dt.datetime:
    day = (utcnow() + dt.timedelta(days=days)).astimezone(PRAGUE).date()
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=PRAGUE).astimezone(dt.UTC)


def _event(dbsession, title, **values) -> Event:
    event = dbsession.scalar(sa.select(Event).where(Event.title == title).limit(1))
    if event is None:
        event = Event(title=title, taken=0, **values)
        dbsession.add(event)
        dbsession.flush()
    return event


def create_demo_data(dbsession, scale: int = 1) -> None:
    address = "Ministerstvo zdravotnictví, Palackého náměstí 4, Praha 2"
    for i, (title, kind, topic, venue, summary, speakers) in enumerate(UPCOMING):
        _event(dbsession, title, kind=kind, topic=topic, venue=venue, summary=summary,
               description=summary + "\n\nVstup je zdarma, registrace je nutná.",
               speakers=speakers, starts_at=_at(7 + i * 5, 16), ends_at=_at(7 + i * 5, 18),
               address="" if venue == "online" else address,
               accessibility=[] if venue == "online" else ["step_free", "lift",
                                                           "accessible_toilet"],
               online_url="https://meet.example.org/hub-" + str(i) if venue != "address" else "",
               capacity=None if venue == "online" else 30 + 10 * i, state="published",
               audience="public", privacy_notice="Osobní údaje zpracovává Ministerstvo "
               "zdravotnictví za účelem organizace akce a mažeme je do 6 měsíců po akci.")
    for i, (title, kind, topic, summary, speakers) in enumerate(PAST):
        event = _event(dbsession, title, kind=kind, topic=topic, venue="hybrid",
                       summary=summary, description=summary, speakers=speakers,
                       starts_at=_at(-30 - 14 * i, 17), ends_at=_at(-30 - 14 * i, 19),
                       address=address, accessibility=["step_free", "lift"],
                       online_url="https://meet.example.org/hub-past", capacity=40,
                       state="published", video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                       embed_url="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
                       transcript="Dobrý den, vítejte na přednášce.\n\nDnes si povíme o novinkách.",
                       materials="Prezentace (PDF)\nhttps://hub.example.org/materialy",
                       recording_published=True)
        if not event.talks:
            dbsession.add(Talk(event_id=event.id, title=title, speaker=speakers,
                               starts_at=event.starts_at, ends_at=event.ends_at,
                               speaker_consent=True))
    member = dbsession.scalar(sa.select(User).where(User.email == "member@example.org"))
    if member is not None:
        for event in dbsession.scalars(sa.select(Event).where(
                Event.title.in_([UPCOMING[0][0], PAST[0][0]]))):
            exists = dbsession.scalar(sa.select(Registration.id).where(
                Registration.event_id == event.id, Registration.user_id == member.id))
            if exists is None:
                dbsession.add(Registration(
                    event_id=event.id, user_id=member.id, email=member.email.lower(),
                    name=member.name, status=CONFIRMED, access_key=new_access_key(),
                    attended=event.ends_at < utcnow(), privacy_accepted_at=utcnow()))
                event.taken += 1
    # Benchmark volume: many generated events (found again by their numbered titles).
    extra = 0 if scale <= 1 else scale * 20
    existing = dbsession.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.title.like("Přednáška %: %")))
    for n in range(existing, extra):
        topic = TOPICS[n % len(TOPICS)]
        dbsession.add(Event(
            title=f"Přednáška {n + 1}: {topic}", kind="lecture", topic=topic, venue="address",
            summary=f"Vzdělávací přednáška o tématu {topic.lower()}.", address=address,
            starts_at=_at(1 + n % 300, 9 + n % 8), ends_at=_at(1 + n % 300, 10 + n % 8),
            capacity=50, taken=0, state="published", audience="public"))
    dbsession.flush()
