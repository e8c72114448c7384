"""Demo topics: a hub's own, from its demo data (``hub.demo_data``); the Patient Hub's
disease areas and themes of Czech patient organisations unless another is given."""
from __future__ import annotations

import sqlalchemy as sa

from hub.demo import read_demo_data
from hub.topics.models import Topic

# The Patient Hub's topics as (slug, name_cs, name_en, kind).
DEMO_TOPICS = tuple((t["slug"], t["name_cs"], t["name_en"], t["kind"])
                    for t in read_demo_data()["topics"])


def seed_topics(dbsession, topics: list[dict] | None = None) -> None:
    """Create the demo topics that do not exist yet (idempotent; staff edits are kept).

    ``topics`` are the ``[[topics]]`` of a hub's demo data (unset: the Patient Hub's)."""
    rows = DEMO_TOPICS if topics is None else [
        (t["slug"], t["name_cs"], t["name_en"], t.get("kind", "theme")) for t in topics]
    existing = set(dbsession.scalars(sa.select(Topic.slug)))
    for position, (slug, name_cs, name_en, kind) in enumerate(rows, start=1):
        if slug not in existing:
            dbsession.add(Topic(slug=slug, name_cs=name_cs, name_en=name_en, kind=kind,
                                position=position * 10, is_active=True))
    dbsession.flush()
