"""CSV export of contacts; health fields only when explicitly chosen (each read recorded)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from hub_crm import services
from hub_crm.models import Contact, Segment

COLUMNS = ["id", "kind", "first_name", "last_name", "name", "email", "phone", "gender",
           "language", "stakeholder_type", "region"]


def contacts_table(request, include_health: bool, segment: Segment | None
                   ) -> tuple[list[str], list[list]]:
    """The header and rows of the export (``hub.csvexport`` neutralises every cell)."""
    db = request.dbsession
    stmt = sa.select(Contact).options(selectinload(Contact.tags),
                                      selectinload(Contact.topics)).order_by(Contact.id)
    if segment is not None:
        stmt = stmt.where(Contact.id.in_(services.segment_query(
            request, segment.purpose, segment.match, segment.conditions)))
    contacts = list(db.scalars(stmt))
    if segment is not None and services.segment_uses_health_data(request, segment):
        services.audit_segment_read(request, segment, "export", [c.id for c in contacts])
    fields = services.custom_fields(request, include_special=include_health)
    values = services.field_values(request, [c.id for c in contacts], fields, "export")
    header = COLUMNS + ["tags", "topics"] + (["disease_areas"] if include_health else []) + [
        f.key for f in fields]
    rows = []
    for c in contacts:
        row = [getattr(c, k) if getattr(c, k) is not None else "" for k in COLUMNS]
        row.append(";".join(t.name for t in c.tags))
        row.append(";".join(t.slug for t in c.topics if t.kind == "theme"))
        if include_health:
            row.append(";".join(t.slug for t in c.topics if t.kind == "disease"))
        row += [values.get((c.id, f.id), "") for f in fields]
        rows.append(row)
    if include_health and not any(f.is_special for f in fields):
        for c in contacts:
            services.audit(request, c.id, "health.read", "export: disease areas")
    services.audit(request, None, "export", f"{len(contacts)} contacts"
                   + (", with health data" if include_health else ""))
    return header, rows
