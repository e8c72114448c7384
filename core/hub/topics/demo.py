"""Demo topics: real disease areas and themes of Czech patient organisations."""
from __future__ import annotations

import sqlalchemy as sa

from hub.topics.models import Topic

DEMO_TOPICS = (
    ("rare-diseases", "Vzácná onemocnění", "Rare diseases", "disease"),
    ("diabetes", "Diabetes", "Diabetes", "disease"),
    ("oncology", "Onkologie", "Oncology", "disease"),
    ("mental-health", "Duševní zdraví", "Mental health", "disease"),
    ("cardiovascular", "Kardiovaskulární onemocnění", "Cardiovascular diseases", "disease"),
    ("patient-rights", "Práva pacientů", "Patient rights", "theme"),
    ("legislation", "Legislativa", "Legislation", "theme"),
    ("fundraising", "Fundraising", "Fundraising", "theme"),
    ("digital-health", "Digitální zdravotnictví", "Digital health", "theme"),
    ("volunteering", "Dobrovolnictví", "Volunteering", "theme"),
)


def seed_topics(dbsession) -> None:
    """Create the demo topics that do not exist yet (idempotent; staff edits are kept)."""
    existing = set(dbsession.scalars(sa.select(Topic.slug)))
    for position, (slug, name_cs, name_en, kind) in enumerate(DEMO_TOPICS, start=1):
        if slug not in existing:
            dbsession.add(Topic(slug=slug, name_cs=name_cs, name_en=name_en, kind=kind,
                                position=position * 10, is_active=True))
    dbsession.flush()
