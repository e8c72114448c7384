"""Demo data: realistic Czech contacts, consents, segments and directory profiles.

Idempotent (keyed by e-mail, tag, field and segment names). At ``scale`` 1 it makes 60
contacts for the demo portal; at ``scale`` S > 1 it makes 1,000·S (the benchmark's data
set: 100,000 at S = 100), written with bulk inserts. Interests are topics of the core's
shared taxonomy (seeded by the core's demo data before the plugins').
"""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from hub.consent import ConsentRecord, ConsentText
from hub.consent.services import email_digest
from hub.db import utcnow
from hub.topics.models import Topic
from hub_crm import bulk
from hub_crm.consent import DIRECTORY, contact_ref, field_object
from hub_crm.consent import PURPOSES as LEDGER_PURPOSES
from hub_crm.models import (
    Contact,
    CustomField,
    FieldValue,
    OrganisationProfile,
    Segment,
    Tag,
    contact_tag,
    contact_topic,
    organisation_topic,
)

FIRST_F = ["Jana", "Eva", "Marie", "Lucie", "Petra", "Kateřina", "Tereza", "Veronika",
           "Hana", "Alena", "Lenka", "Martina"]
FIRST_M = ["Jan", "Petr", "Tomáš", "Martin", "Jiří", "Pavel", "Lukáš", "Ondřej",
           "Josef", "Karel", "Michal", "David"]
LAST = ["Novák", "Svoboda", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý", "Horák",
        "Němec", "Marek", "Pokorný", "Král", "Růžička", "Beneš", "Fiala", "Sedláček"]
REGIONS = ["Praha", "Středočeský kraj", "Jihomoravský kraj", "Moravskoslezský kraj",
           "Olomoucký kraj", "Plzeňský kraj", "Ústecký kraj", "Zlínský kraj"]
TYPES = ["patient", "patient", "patient", "patient", "caregiver", "doctor", "medical_student",
         "academic", "app_developer", "ngo", "patient_organisation"]
THEMES = ["patient-rights", "legislation", "fundraising", "digital-health", "volunteering"]
DISEASES = ["rare-diseases", "diabetes", "oncology", "mental-health", "cardiovascular"]
TAGS = ["konference 2026", "dobrovolník", "mentor", "ambasador", "členská schůze"]
PURPOSES = ["newsletter", "event_invitations", "disease_information", "research"]
FIELDS = (("diagnosis", "Diagnóza", True, "text", []),
          ("employer", "Zaměstnavatel", False, "text", []),
          ("member_since", "Členem od", False, "date", []),
          ("preferred_contact", "Preferovaný kontakt", False, "choice",
           ["e-mail", "telefon", "pošta"]))
EMAIL_DOMAIN = "@demo.pacientskyhub.cz"
DIRECTORY_SHOWN = ("name", "stakeholder_type", "region")


def _female(last: str) -> str:
    if last.endswith("ý"):
        return last[:-1] + "á"
    if last.endswith("a"):
        return last[:-1] + "ová"
    if last.endswith("ek"):
        return last[:-2] + "ková"
    return last + "ová"


def contact_count(scale: int) -> int:
    return 60 if scale <= 1 else 1000 * scale


def _insert(db, table, rows) -> None:
    bulk.insert(db, table, rows)


def demo_data(dbsession, scale: int) -> None:
    db = dbsession
    rng = random.Random(7)  # noqa: S311  # nosec B311
    topics = dict(db.execute(sa.select(Topic.slug, Topic.id)).all())
    themes = [s for s in THEMES if s in topics]
    diseases = [s for s in DISEASES if s in topics]
    tags = {}
    for name in TAGS:
        tag = db.scalar(sa.select(Tag).where(Tag.name == name))
        if tag is None:
            tag = Tag(name=name)
            db.add(tag)
        tags[name] = tag
    fields = {}
    for key, label, special, kind, choices in FIELDS:
        field = db.scalar(sa.select(CustomField).where(CustomField.key == key))
        if field is None:
            field = CustomField(key=key, label=label, is_special=special, type=kind,
                                choices=choices)
            db.add(field)
        fields[key] = field
    db.flush()
    existing = set(db.scalars(sa.select(Contact.email).where(
        Contact.email.like(f"%{EMAIL_DOMAIN}"))))
    now = utcnow()
    plan = []  # (contact row, tags, topics, purposes, employer, preferred contact)
    for i in range(contact_count(scale)):
        # Every draw happens for every index, so a second run makes the same choices.
        female = rng.random() < 0.55
        first = (FIRST_F if female else FIRST_M)[i % 12]
        last = LAST[(i // 12) % 16]
        last = _female(last) if female else last
        kind = rng.choice(TYPES)
        row = {"kind": "person", "first_name": first, "last_name": last,
               "name": f"{first} {last}", "email": f"kontakt{i:06d}{EMAIL_DOMAIN}",
               "phone": f"+420 6{rng.randint(0, 99999999):08d}",
               "gender": "f" if female else "m",
               "language": "cs" if rng.random() < 0.9 else "en", "stakeholder_type": kind,
               "region": rng.choice(REGIONS), "restricted": False, "created_at": now,
               "updated_at": now,
               "last_activity_at": now - dt.timedelta(days=rng.randint(0, 700))}
        chosen_tags = rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2)))
        chosen_topics = rng.sample(themes, min(len(themes), rng.randint(0, 2)))
        if kind in ("patient", "caregiver") and diseases:
            chosen_topics += rng.sample(diseases, 1)
        purposes = [p for p in PURPOSES if rng.random() < 0.6]
        employer = rng.choice(("FN Motol", "VFN Praha", "FN Brno", "")) \
            if kind in ("doctor", "academic") else ""
        preferred = rng.choice(fields["preferred_contact"].choices or [""])
        if i % 10 == 0:  # one in ten shows name, type and region in the public directory
            purposes = [*purposes, *(f"directory:{f}" for f in DIRECTORY_SHOWN)]
        if row["email"] not in existing:
            plan.append((row, chosen_tags, chosen_topics, purposes, employer, preferred))
    _insert(db, Contact.__table__, [p[0] for p in plan])
    if plan:
        ids = dict(db.execute(sa.select(Contact.email, Contact.id).where(
            Contact.email.like(f"%{EMAIL_DOMAIN}"))).all())
        _store_texts(db)
        tag_rows, topic_rows, consents, values = [], [], [], []
        for row, chosen_tags, chosen_topics, purposes, employer, preferred in plan:
            cid = ids[row["email"]]
            tag_rows += [{"contact_id": cid, "tag_id": tags[n].id} for n in chosen_tags]
            topic_rows += [{"contact_id": cid, "topic_id": topics[s]} for s in chosen_topics]
            for purpose in purposes:
                field = purpose.partition("directory:")[2]
                declared = DIRECTORY if field else LEDGER_PURPOSES[purpose]
                consents.append({
                    "subject_key": f"contact:{contact_ref(cid)}",
                    "contact_ref": contact_ref(cid), "email_digest": email_digest(row["email"]),
                    "purpose": declared.key, "object": field_object(field) if field else "",
                    "action": "given", "text_version": declared.text_version, "at": now,
                    "source": "form", "note": "demo data"})
            if employer:
                values.append({"contact_id": cid, "field_id": fields["employer"].id,
                               "value": employer})
            if preferred and cid % 3 == 0:
                values.append({"contact_id": cid, "field_id": fields["preferred_contact"].id,
                               "value": preferred})
        for table, rows in ((contact_tag, tag_rows), (contact_topic, topic_rows),
                            (ConsentRecord.__table__, consents),
                            (FieldValue.__table__, values)):
            _insert(db, table, rows)
    segments = [
        ("Pacienti s diabetem – informace", "disease_information", "all",
         [{"kind": "type", "value": "patient"}, {"kind": "topic", "value": "diabetes"}]),
        ("Pacienti s diabetem v Praze – informace", "disease_information", "all",
         [{"kind": "type", "value": "patient"}, {"kind": "topic", "value": "diabetes"},
          {"kind": "region", "value": "Praha"}]),
        ("Newsletter – Praha", "newsletter", "all", [{"kind": "region", "value": "Praha"}]),
        ("Pozvánky – lékaři a medici", "event_invitations", "any",
         [{"kind": "type", "value": "doctor"}, {"kind": "type", "value": "medical_student"}]),
    ]
    for name, purpose, match, conditions in segments:
        if db.scalar(sa.select(Segment.id).where(Segment.name == name)) is None:
            db.add(Segment(name=name, purpose=purpose, conditions=conditions, match=match))
    demo_organisations(db, rng, topics)
    db.flush()


def _store_texts(db) -> None:
    """The wording of the CRM's purposes, which the demo consents point to (demo data has
    no request, so the consents are written as the preferences page would write them)."""
    for declared in (*LEDGER_PURPOSES.values(), DIRECTORY):
        if db.get(ConsentText, (declared.key, declared.text_version)) is None:
            db.add(ConsentText(
                purpose=declared.key, version=declared.text_version,
                title_cs=declared.title["cs"], title_en=declared.title["en"],
                text_cs=declared.text["cs"], text_en=declared.text["en"],
                legal_basis=declared.legal_basis, special_category=declared.special_category,
                first_used_at=utcnow()))
    db.flush()


def demo_organisations(db, rng, topics: dict[str, int]) -> None:
    """A directory profile and one or two topics for every organisation that has none."""
    from hub.organizations.models import Organisation

    org_ids = list(db.scalars(sa.select(Organisation.id).order_by(Organisation.id)))
    with_profile = set(db.scalars(sa.select(OrganisationProfile.organisation_id)))
    with_topics = set(db.scalars(sa.select(organisation_topic.c.organisation_id).distinct()))
    now = utcnow()
    profiles = [{"organisation_id": oid, "listed": True, "phone": "+420 222 333 444",
                 "address": "", "show_email": True, "show_website": True, "show_phone": True,
                 "show_address": False, "updated_at": now}
                for oid in org_ids if oid not in with_profile]
    slugs = sorted(topics)
    links = []
    for oid in org_ids:
        chosen = rng.sample(slugs, min(len(slugs), 2)) if slugs else []
        if oid not in with_topics:
            links += [{"organisation_id": oid, "topic_id": topics[s]} for s in chosen]
    _insert(db, OrganisationProfile.__table__, profiles)
    _insert(db, organisation_topic, links)
