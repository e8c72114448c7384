"""Demo events: upcoming ones with registrations and past ones with recordings.

Idempotent: events are found by title; ``scale`` multiplies the number of generated
upcoming events (benchmarks use large scales).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from hub.accounts.models import User
from hub.db import utcnow
from hub.topics.demo import seed_topics
from hub.topics.models import Topic
from hub_events.models import CONFIRMED, Event, Registration, Talk, event_topic
from hub_events.services import PRAGUE, new_access_key

# Generated benchmark events cycle through these topics of the core's demo taxonomy.
TOPICS = ("diabetes", "rare-diseases", "oncology", "mental-health", "cardiovascular",
          "patient-rights", "digital-health")
TOPIC_NAMES = {"diabetes": "diabetu", "rare-diseases": "vzácných onemocněních",
               "oncology": "onkologii", "mental-health": "duševním zdraví",
               "cardiovascular": "kardiovaskulárních onemocněních",
               "patient-rights": "právech pacientů", "digital-health": "digitálním zdravotnictví"}
# The first generated event carries this many registrations (the benchmark's event page).
BIG_EVENT_REGISTRATIONS = 500

UPCOMING = [
    ("Jak číst výsledky laboratorních vyšetření", "lecture", ("diabetes",), "hybrid",
     "Praktický průvodce pro pacienty: co znamenají hodnoty glykovaného hemoglobinu, "
     "cholesterolu a dalších ukazatelů.", "MUDr. Jana Dvořáková"),
    ("Seminář: Jak založit a řídit pacientskou organizaci", "seminar",
     ("patient-rights", "fundraising"), "address",
     "Právní forma spolku, stanovy, účetnictví a získávání grantů.",
     "Mgr. Petr Novák"),
    ("Workshop komunikace s lékařem", "workshop", ("patient-rights",), "address",
     "Nácvik rozhovoru s lékařem: jak se ptát, jak si poznamenat odpovědi a jak sdílet "
     "rozhodování o léčbě.", "PhDr. Lucie Králová"),
    ("Konference Vzácná onemocnění 2027", "conference", ("rare-diseases",), "hybrid",
     "Celodenní konference pacientských organizací, lékařů a plátců péče.",
     "prof. MUDr. Karel Svoboda, Mgr. Eva Malá"),
    ("Online setkání: duševní zdraví pečujících", "meeting", ("mental-health",), "online",
     "Sdílení zkušeností a tipy, jak pečovat o sebe při péči o blízkého.",
     "Mgr. Tereza Horáková"),
]

PAST = [
    ("Nová léčba roztroušené sklerózy", "lecture", ("rare-diseases",),
     "Přehled nových možností léčby a jejich dostupnosti v Česku.", "MUDr. Ondřej Beneš"),
    ("Digitální zdravotnictví pro pacienty", "seminar", ("digital-health", "patient-rights"),
     "eRecept, elektronická zdravotní dokumentace a portál pacienta.", "Ing. Martin Černý"),
]

FREE_CS = "\n\nVstup je zdarma, registrace je nutná."
FREE_EN = "\n\nAdmission is free; registration is required."
# English versions of the demo events (title, summary). The online meeting is left without
# one, and so is the programme of the second past event: staff find them at
# /admin/translations.
ENGLISH = {
    UPCOMING[0][0]: ("How to read your laboratory test results",
                     "A practical guide for patients: what the values of glycated haemoglobin, "
                     "cholesterol and other markers mean."),
    UPCOMING[1][0]: ("Seminar: How to found and run a patient organisation",
                     "The legal form of an association, its statutes, accounting and raising "
                     "grants."),
    UPCOMING[2][0]: ("Workshop: talking with your doctor",
                     "Practising a conversation with a doctor: how to ask, how to note the "
                     "answers and how to share decisions about treatment."),
    UPCOMING[3][0]: ("Rare Diseases Conference 2027",
                     "A full-day conference of patient organisations, doctors and health "
                     "insurers."),
    PAST[0][0]: ("New treatment of multiple sclerosis",
                 "An overview of new treatment options and their availability in the Czech "
                 "Republic."),
    PAST[1][0]: ("Digital health for patients",
                 "ePrescriptions, electronic health records and the patient portal."),
}
ACCESSIBILITY_NOTE = ("Vchod z Palackého náměstí je bezbariérový, výtah vede do všech pater.",
                      "The entrance from Palackého náměstí is step-free; a lift serves every "
                      "floor.")


def _english(event: Event, free: bool = False) -> None:
    """Give a demo event its English version (kept when staff already changed it)."""
    if event.title not in ENGLISH or event.title_en:
        return
    event.title_en, event.summary_en = ENGLISH[event.title]
    event.description_en = event.summary_en + (FREE_EN if free else "")
    if event.accessibility_note:
        event.accessibility_note_en = ACCESSIBILITY_NOTE[1]


def _closed(day: dt.date) -> bool:
    """Days the hub is closed: weekends and the holidays from Christmas Eve to New Year's
    Day (the booking demo closes the rooms over Christmas), so no demo event falls there."""
    return (day.weekday() >= 5 or (day.month == 12 and day.day >= 24)
            or (day.month == 1 and day.day == 1))


def _at(days: int, hour: int) -> dt.datetime:
    """``hour`` o'clock in Prague on the first open day at least ``days`` from today
    (counting back for past days)."""
    day = (utcnow() + dt.timedelta(days=days)).astimezone(PRAGUE).date()
    step = dt.timedelta(days=1 if days >= 0 else -1)
    while _closed(day):
        day += step
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=PRAGUE).astimezone(dt.UTC)


def materials(registry) -> str:
    """The demo's free-text materials: without a file store, a note; with one, the
    presentation is a document of the media library (``_presentation``) instead."""
    return "" if registry is not None else "Prezentace (PDF) bude zveřejněna po akci."


# Who the demo events are meant for (stakeholder types; the others are for everyone).
STAKEHOLDERS = {"Seminář: Jak založit a řídit pacientskou organizaci":
                ["patient_organisation", "ngo"],
                "Konference Vzácná onemocnění 2027": ["patient", "patient_organisation",
                                                      "doctor"]}


def _event(dbsession, title, topics=(), **values) -> Event:
    event = dbsession.scalar(sa.select(Event).where(Event.title == title).limit(1))
    if event is None:
        event = Event(title=title, taken=0, stakeholders=STAKEHOLDERS.get(title, []), **values)
        # The demo coordinator organises the events (and so sees accommodation needs).
        event.organisers = list(dbsession.scalars(
            sa.select(User).where(User.email == "staff@example.org")))
        dbsession.add(event)
        dbsession.flush()
    if not event.topics and topics:
        event.topics = list(dbsession.scalars(
            sa.select(Topic).where(Topic.slug.in_(topics)).order_by(Topic.position)))
    return event


def _release(registry, dbsession, event: Event) -> None:
    """The speakers' releases, as staff record a signed paper form; then publish."""
    from hub import consent
    from hub.jobs import background_request
    from hub_events import release

    request = background_request(registry)
    request.dbsession = dbsession
    for talk in event.talks:
        consent.give(request, release.subject_of(talk), release.PURPOSE,
                     release.SPEAKER_RELEASE.text_version, "staff",
                     note="Demo data: a release signed on paper.",
                     object=release.object_of(event.id))
    event.recording_published = release.publish_problem(request, event) is None


DATA = Path(__file__).parent / "data"
RECORDING_TITLE = "Záznam přednášky Nová léčba roztroušené sklerózy"
DEMO_TRANSCRIPT = "Dobrý den, vítejte na přednášce.\n\nDnes si povíme o novinkách."
RECORDING_CAPTIONS = {
    "cs": "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nDobrý den, vítejte na přednášce.\n\n"
          "00:00:02.000 --> 00:00:04.000\nDnes si povíme o novinkách.\n",
    "en": "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nGood afternoon, welcome to the lecture."
          "\n\n00:00:02.000 --> 00:00:04.000\nToday we talk about what is new.\n",
}


def _library_file(registry, dbsession, name: str, path: Path | None = None, **values):
    """A demo file of the core's media library (found again by its title)."""
    from hub.media import MediaItem
    from hub.media.services import NAMESPACE, apply_file
    from hub.storage import get_store

    item = dbsession.scalar(sa.select(MediaItem).where(MediaItem.title == values["title"]))
    if item is not None and get_store(registry).exists(item.file_key):
        return item
    stored = get_store(registry).write((path or DATA / name).read_bytes(),
                                       namespace=NAMESPACE, filename=name,
                                       max_size=1024 * 1024,
                                       allowed_types=("video/webm", "image/png",
                                                      "application/pdf"))
    if item is None:
        item = MediaItem(**values)
        dbsession.add(item)
    apply_file(item, stored)
    dbsession.flush()
    return item


def _hosted_recording(registry, dbsession, event: Event) -> None:
    """The first past event's recording: a small real video in the media library, with
    Czech and English captions and transcript, played by the hub's own player."""
    from hub.media import MediaCaption

    poster = _library_file(
        registry, dbsession, "demo-recording-poster.png",
        title="Úvodní obrázek záznamu", title_en="Recording poster", is_public=True,
        alt="Barevný zkušební obrazec s časovým údajem",
        alt_en="A colour test pattern with a time stamp")
    item = _library_file(
        registry, dbsession, "demo-recording.webm", title=RECORDING_TITLE,
        title_en="Recording of the lecture New treatment of multiple sclerosis",
        transcript=DEMO_TRANSCRIPT,
        transcript_en="Good afternoon, welcome to the lecture.\n\nToday we talk about what "
                      "is new.")
    item.poster = poster
    for language, vtt in RECORDING_CAPTIONS.items():
        if item.caption(language) is None:
            item.captions.append(MediaCaption(language=language, vtt=vtt))
    event.recording_media_id = item.id
    dbsession.flush()


def _presentation(registry, dbsession, event: Event) -> None:
    """The past events' materials: a placeholder presentation kept in the media library as
    a public document (so visitors can open it), with Czech and English titles."""
    from hub_events.materials import material_ids, set_materials

    item = _library_file(
        registry, dbsession, "prezentace.pdf",
        path=Path(__file__).parent / "static" / "demo" / "prezentace.pdf",
        title="Prezentace z přednášky", title_en="Lecture slides", is_public=True)
    if not material_ids(dbsession, event.id):
        set_materials(dbsession, event, [item.id])


def create_demo_data(dbsession, scale: int = 1, registry=None) -> None:
    address = "Ministerstvo zdravotnictví, Palackého náměstí 4, Praha 2"
    seed_topics(dbsession)
    for i, (title, kind, topics, venue, summary, speakers) in enumerate(UPCOMING):
        _event(dbsession, title, kind=kind, topics=topics, venue=venue, summary=summary,
               description=summary + FREE_CS,
               speakers=speakers, starts_at=_at(7 + i * 5, 16), ends_at=_at(7 + i * 5, 18),
               address="" if venue == "online" else address,
               accessibility_note="" if venue == "online" else ACCESSIBILITY_NOTE[0],
               accessibility=[] if venue == "online" else ["step_free", "lift",
                                                           "accessible_toilet"],
               online_url="https://meet.example.org/hub-" + str(i) if venue != "address" else "",
               capacity=None if venue == "online" else 30 + 10 * i, state="published",
               audience="public", privacy_notice="Osobní údaje zpracovává Ministerstvo "
               "zdravotnictví za účelem organizace akce a mažeme je do 6 měsíců po akci.")
        _english(_event(dbsession, title), free=True)
    for i, (title, kind, topics, summary, speakers) in enumerate(PAST):
        event = _event(dbsession, title, kind=kind, topics=topics, venue="hybrid",
                       summary=summary, description=summary, speakers=speakers,
                       starts_at=_at(-30 - 14 * i, 17), ends_at=_at(-30 - 14 * i, 19),
                       address=address, accessibility=["step_free", "lift"],
                       online_url="https://meet.example.org/hub-past", capacity=40,
                       # No video link: demo data links no recording of another talk.
                       # The first event's recording is hosted by the hub (media library),
                       # the other's published recording is its transcript.
                       state="published",
                       transcript=DEMO_TRANSCRIPT,
                       materials=materials(registry), recording_published=False)
        _english(event)
        if not event.talks:
            dbsession.add(Talk(event_id=event.id, title=title, speaker=speakers,
                               title_en=ENGLISH[title][0] if i == 0 else "",
                               speaker_email=f"prednasejici{i + 1}@example.org",
                               starts_at=event.starts_at, ends_at=event.ends_at))
            dbsession.flush()
            dbsession.expire(event, ["talks"])
        if registry is not None:
            _presentation(registry, dbsession, event)
        if registry is not None and i == 0 and event.recording_media_id is None:
            _hosted_recording(registry, dbsession, event)
        if registry is not None and not event.recording_published:
            _release(registry, dbsession, event)
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
    dbsession.flush()
    if scale > 1:
        add_benchmark_events(dbsession, 20 * scale, 500 * scale, address)


def add_benchmark_events(dbsession, count: int, registrations: int, address: str) -> None:
    """``count`` generated upcoming events with ``registrations`` confirmed guest
    registrations in total: the first event has 500 of them, the rest are spread evenly.

    Bulk inserts (a few statements, not one per object); idempotent: events are found by
    their numbered titles and only new events get registrations.
    """
    existing = dbsession.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.title.like("Přednáška %: %")))
    if existing >= count:
        return
    new = range(existing, count)
    big = min(BIG_EVENT_REGISTRATIONS, registrations)
    rest = max(registrations - big, 0)
    per_event = {}
    for n in new:
        if n == 0:
            per_event[n] = big
        else:
            # Spread the rest over events 1..count-1 (the shares add up to ``rest``).
            share = rest * n // max(count - 1, 1) - rest * (n - 1) // max(count - 1, 1)
            per_event[n] = share
    now = utcnow()
    rows = []
    for n in new:
        topic = TOPICS[n % len(TOPICS)]
        capacity = max(50, per_event[n] + 20)
        rows.append({
            "title": f"Přednáška {n + 1}: {TOPIC_NAMES[topic].capitalize()}", "kind": "lecture",
            "venue": "address", "summary": f"Vzdělávací přednáška o {TOPIC_NAMES[topic]}.",
            "description": "Přednáška pro pacienty, jejich blízké a pacientské organizace."
                           "\n\nVstup je zdarma, registrace je nutná.",
            "address": address, "accessibility": ["step_free", "lift"],
            "starts_at": _at(1 + n % 300, 9 + n % 8), "ends_at": _at(1 + n % 300, 10 + n % 8),
            "capacity": capacity, "taken": per_event[n], "state": "published",
            "audience": "public", "stakeholders": [], "created_at": now})
    dbsession.execute(sa.insert(Event), rows)
    ids = dict(dbsession.execute(sa.select(Event.title, Event.id).where(
        Event.title.in_([r["title"] for r in rows]))).all())
    topic_ids = dict(dbsession.execute(sa.select(Topic.slug, Topic.id)).all())
    links = [{"event_id": ids[r["title"]], "topic_id": topic_ids[TOPICS[n % len(TOPICS)]]}
             for n, r in zip(new, rows, strict=True) if TOPICS[n % len(TOPICS)] in topic_ids]
    if links:
        dbsession.execute(event_topic.insert(), links)
    batch: list = []
    for n, r in zip(new, rows, strict=True):
        event_id = ids[r["title"]]
        for i in range(per_event[n]):
            batch.append({"event_id": event_id, "email": f"host-{n}-{i}@example.org",
                          "name": f"Host {n + 1}/{i + 1}", "status": CONFIRMED,
                          "access_key": new_access_key(), "privacy_accepted_at": now,
                          "created_at": now, "updated_at": now})
            if len(batch) >= 5000:
                dbsession.execute(sa.insert(Registration), batch)
                batch = []
    if batch:
        dbsession.execute(sa.insert(Registration), batch)
    dbsession.flush()
