"""Demo data: two lists, Czech subscribers and a sent newsletter in the archive.

Idempotent (looked up by slug, address and subject). At ``scale`` S > 1 (benchmarks) there
are 1,000·S confirmed subscribers of the news list (100,000 at S = 100), written with bulk
inserts.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from hub.consent import ConsentRecord, ConsentText
from hub.consent.services import email_digest
from hub.db import utcnow
from hub_newsletter.models import Campaign, NewsletterList, Subscriber, new_token
from hub_newsletter.purposes import LIST_PURPOSE, list_object, subject_of

LISTS = (
    ("novinky", "Novinky Pacientského hubu",
     "Jednou měsíčně přehled akcí, kurzů a novinek z hubu."),
    ("pozvanky", "Pozvánky na akce",
     "Pozvánky na semináře, konference a setkání pacientských organizací."),
)
FIRST = (("Jana", "f"), ("Petr", "m"), ("Marie", "f"), ("Tomáš", "m"), ("Eva", "f"),
         ("Jiří", "m"), ("Lucie", "f"), ("Martin", "m"), ("Hana", "f"), ("Pavel", "m"))
LAST = (("Nováková", "Novák"), ("Svobodová", "Svoboda"), ("Dvořáková", "Dvořák"),
        ("Černá", "Černý"), ("Procházková", "Procházka"), ("Kučerová", "Kučera"),
        ("Veselá", "Veselý"), ("Horáková", "Horák"), ("Němcová", "Němec"),
        ("Marešová", "Mareš"))
BODY = """${salutation},

v prosinci pro vás chystáme tři setkání pacientských organizací a nový kurz o právech
pacientů.

## Co nás čeká

- seminář o sdílení zdravotních dat s lékaři (4. 12., Praha)
- kulatý stůl pacientských organizací k úhradám léčiv (11. 12., online)
- nový e-learningový kurz „Práva pacienta v praxi“

Podrobnosti najdete na https://hub.example.org/events

S přáním pevného zdraví
tým Pacientského hubu"""
BODY_EN = """${salutation},

in December we are preparing three meetings of patient organisations and a new course on
patients' rights.

## Coming up

- a seminar on sharing health data with doctors (4 December, Prague)
- a round table of patient organisations on the reimbursement of medicines (11 December,
  online)
- a new e-learning course "Patients' rights in practice"

Details: https://hub.example.org/events

Wishing you good health,
the Patient Hub team"""


CHUNK = 5000


def recipients(scale: int) -> int:
    """100 demo subscribers for the demo portal; 1,000·S at benchmark scales S > 1."""
    return 1000 * scale if scale > 1 else 100


def _store_text(dbsession) -> None:
    """The purpose's wording, which the demo consents point to."""
    if dbsession.get(ConsentText, (LIST_PURPOSE.key, LIST_PURPOSE.text_version)) is None:
        dbsession.add(ConsentText(
            purpose=LIST_PURPOSE.key, version=LIST_PURPOSE.text_version,
            title_cs=LIST_PURPOSE.title["cs"], title_en=LIST_PURPOSE.title["en"],
            text_cs=LIST_PURPOSE.text["cs"], text_en=LIST_PURPOSE.text["en"],
            legal_basis=LIST_PURPOSE.legal_basis, first_used_at=utcnow()))
        dbsession.flush()


def _insert_chunk(dbsession, rows: list[dict], lists, consent_at) -> None:
    """Bulk-insert subscribers and their consents in the ledger (every third also to the
    invitations list): two executemany statements per chunk, no ORM objects. Demo data has
    no request, so the consents are written as the double opt-in would write them."""
    index = {row.pop("_i"): row["email"] for row in rows}
    index = {address: i for i, address in index.items()}
    created = dbsession.execute(sa.insert(Subscriber).returning(Subscriber.id, Subscriber.email),
                                rows).all()
    consents = []
    for _subscriber_id, address in created:
        for slug in ("novinky",) if index[address] % 3 else ("novinky", "pozvanky"):
            nl = lists[slug]
            subject = subject_of(address)
            consents.append({
                "subject_key": subject.key, "email": address,
                "email_digest": email_digest(address), "purpose": LIST_PURPOSE.key,
                "object": list_object(nl.id), "text_version": LIST_PURPOSE.text_version,
                "action": "given", "at": consent_at, "source": "double_opt_in",
                "note": "demo data"})
    dbsession.execute(sa.insert(ConsentRecord), consents)


def load(dbsession, scale: int = 1) -> None:
    lists = {}
    _store_text(dbsession)
    for slug, name, description in LISTS:
        nl = dbsession.scalar(sa.select(NewsletterList).where(NewsletterList.slug == slug))
        if nl is None:
            nl = NewsletterList(slug=slug, name=name, description=description, is_public=True)
            dbsession.add(nl)
            dbsession.flush()
        lists[slug] = nl
    count = recipients(scale)
    existing = set(dbsession.scalars(sa.select(Subscriber.email).where(
        Subscriber.email.like("%@demo.example.cz"))))
    now = utcnow()
    consent_at = now - dt.timedelta(days=30)
    chunk: list[dict] = []
    for i in range(count):
        first, gender = FIRST[i % len(FIRST)]
        female, male = LAST[(i // len(FIRST)) % len(LAST)]
        last = female if gender == "f" else male
        address = f"ctenar{i}@demo.example.cz"
        if address not in existing:
            chunk.append({"_i": i, "email": address, "name": f"{first} {last}",
                          "first_name": first, "last_name": last, "gender": gender,
                          "language": "cs", "token": new_token(), "soft_bounces": 0,
                          "created_at": consent_at})
        if len(chunk) >= CHUNK or (i == count - 1 and chunk):
            _insert_chunk(dbsession, chunk, lists, consent_at)
            chunk = []
    subject = "Prosincové novinky Pacientského hubu"
    if dbsession.scalar(sa.select(Campaign.id).where(Campaign.subject == subject)) is None:
        # In both languages; the draft below has no English version yet, so staff see it
        # among the texts to translate.
        campaign = Campaign(subject=subject, body=BODY, status="sent", kind="newsletter",
                            preheader="Setkání, kulatý stůl a nový kurz",
                            subject_en="December news from the Patient Hub", body_en=BODY_EN,
                            preheader_en="Meetings, a round table and a new course",
                            started_at=utcnow() - dt.timedelta(days=2),
                            finished_at=utcnow() - dt.timedelta(days=2))
        campaign.lists = [lists["novinky"]]
        dbsession.add(campaign)
    draft = "Pozvánka: setkání pacientských organizací"
    if dbsession.scalar(sa.select(Campaign.id).where(Campaign.subject == draft)) is None:
        campaign = Campaign(subject=draft, body="${salutation},\n\nzveme vás na setkání "
                            "pacientských organizací.\n\nTěšíme se na vás.",
                            status="draft", kind="newsletter", salutation="formal")
        campaign.lists = [lists["pozvanky"]]
        dbsession.add(campaign)
    dbsession.flush()
