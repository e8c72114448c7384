"""Demo data: realistic Czech contacts, consents, segments and directory profiles.

Idempotent (keyed by e-mail, tag, interest and segment names); ``scale`` multiplies the
number of generated contacts for benchmarks.
"""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from hub.db import utcnow
from hub_crm.models import (
    Consent,
    ConsentEvent,
    Contact,
    CustomField,
    Interest,
    OrganisationProfile,
    Segment,
    Tag,
    contact_interest,
    contact_tag,
)
from hub_crm.services import CONSENT_TEXT_VERSION, text_hash

FIRST_F = ["Jana", "Eva", "Marie", "Lucie", "Petra", "Kateřina", "Tereza", "Veronika"]
FIRST_M = ["Jan", "Petr", "Tomáš", "Martin", "Jiří", "Pavel", "Lukáš", "Ondřej"]
LAST = ["Novák", "Svoboda", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý", "Horák"]
REGIONS = ["Praha", "Středočeský kraj", "Jihomoravský kraj", "Moravskoslezský kraj",
           "Olomoucký kraj", "Plzeňský kraj"]
TYPES = ["patient", "patient", "patient", "caregiver", "doctor", "medical_student",
         "academic", "app_developer", "ngo"]
TOPICS = ["Práva pacientů", "Digitální zdravotnictví", "Dobrovolnictví", "Financování spolků"]
DISEASES = ["Diabetes", "Roztroušená skleróza", "Vzácná onemocnění", "Onkologická onemocnění"]
TAGS = ["konference 2026", "dobrovolník", "mentor"]
PURPOSES = ["newsletter", "event_invitations", "disease_information", "research"]


def _female(last: str) -> str:
    if last.endswith("ý"):
        return last[:-1] + "á"
    if last.endswith("a"):
        return last[:-1] + "ová"
    return last + "ová"


def demo_data(dbsession, scale: int) -> None:
    db = dbsession
    rng = random.Random(7)  # noqa: S311  # nosec B311
    interests = {}
    for name in TOPICS + DISEASES:
        row = db.scalar(sa.select(Interest).where(Interest.name == name))
        if row is None:
            row = Interest(name=name, kind="disease" if name in DISEASES else "topic")
            db.add(row)
        interests[name] = row
    tags = {}
    for name in TAGS:
        row = db.scalar(sa.select(Tag).where(Tag.name == name))
        if row is None:
            row = Tag(name=name)
            db.add(row)
        tags[name] = row
    if db.scalar(sa.select(CustomField.id).where(CustomField.key == "diagnosis")) is None:
        db.add(CustomField(key="diagnosis", label="Diagnóza", is_special=True))
    if db.scalar(sa.select(CustomField.id).where(CustomField.key == "employer")) is None:
        db.add(CustomField(key="employer", label="Zaměstnavatel", is_special=False))
    db.flush()
    existing = set(db.scalars(sa.select(Contact.email).where(
        Contact.email.like("%@demo.pacientskyhub.cz"))))
    now = utcnow()
    total = 60 * max(1, scale)
    new_contacts = []
    for i in range(total):
        email = f"kontakt{i:06d}@demo.pacientskyhub.cz"
        if email in existing:
            continue
        female = rng.random() < 0.55
        # Names walk through the combinations, so the first 64 are all different.
        first = (FIRST_F if female else FIRST_M)[i % 8]
        last = LAST[(i // 8) % 8]
        last = _female(last) if female else last
        contact = Contact(kind="person", first_name=first, last_name=last,
                          name=f"{first} {last}", email=email, gender="f" if female else "m",
                          language="cs" if rng.random() < 0.9 else "en",
                          stakeholder_type=rng.choice(TYPES), region=rng.choice(REGIONS),
                          directory_opt_in=i % 10 == 0,
                          last_activity_at=now - dt.timedelta(days=rng.randint(0, 700)))
        new_contacts.append(contact)
    db.add_all(new_contacts)
    db.flush()
    tag_rows, interest_rows, consents, events = [], [], [], []
    for contact in new_contacts:
        for name in rng.sample(TAGS, rng.randint(0, 2)):
            tag_rows.append({"contact_id": contact.id, "tag_id": tags[name].id})
        names = rng.sample(TOPICS, 1) + (rng.sample(DISEASES, 1)
                                         if contact.stakeholder_type in ("patient", "caregiver")
                                         else [])
        for name in names:
            interest_rows.append({"contact_id": contact.id, "interest_id": interests[name].id})
        for purpose in PURPOSES:
            if rng.random() < 0.6:
                consents.append({"contact_id": contact.id, "purpose": purpose, "granted": True,
                                 "changed_at": now, "source": "demo",
                                 "text_version": CONSENT_TEXT_VERSION})
                events.append({"contact_id": contact.id, "purpose": purpose, "granted": True,
                               "at": now, "source": "demo",
                               "text_version": CONSENT_TEXT_VERSION,
                               "text_hash": text_hash(purpose)})
    for table, rows in ((contact_tag, tag_rows), (contact_interest, interest_rows),
                        (Consent.__table__, consents), (ConsentEvent.__table__, events)):
        if rows:
            db.execute(sa.insert(table), rows)
    segments = [
        ("Pacienti s diabetem – informace", "disease_information",
         [{"kind": "type", "value": "patient"}, {"kind": "interest", "value": "Diabetes"}]),
        ("Newsletter – Praha", "newsletter", [{"kind": "region", "value": "Praha"}]),
        ("Pozvánky – lékaři a medici", "event_invitations",
         [{"kind": "type", "value": "doctor"}, {"kind": "type", "value": "medical_student"}]),
    ]
    for name, purpose, conditions in segments:
        if db.scalar(sa.select(Segment.id).where(Segment.name == name)) is None:
            db.add(Segment(name=name, purpose=purpose, conditions=conditions,
                           match="any" if name.startswith("Pozvánky") else "all"))
    from hub.organizations.models import Organisation

    for org in db.scalars(sa.select(Organisation)):
        if db.get(OrganisationProfile, org.id) is None:
            db.add(OrganisationProfile(organisation_id=org.id, listed=True,
                                       phone="+420 222 333 444", show_phone=True))
    db.flush()
