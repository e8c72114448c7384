"""CSV import: column mapping, validation of every row, then all rows or none.

The import runs as a job (``crm.import``): it checks every row, reporting its progress
in ``crm_import`` through short transactions of their own, then writes all rows in one
transaction (bulk inserts) together with the final status. A file with any bad row
imports nothing and gets a report of the bad rows. Report messages are kept untranslated
(``[msgid, mapping]``) and translated when shown, in the reader's language.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re

import sqlalchemy as sa

from hub.db import utcnow
from hub_crm import bulk, services
from hub_crm.i18n import _
from hub_crm.models import (
    STAKEHOLDER_TYPES,
    Contact,
    CustomField,
    FieldValue,
    ImportBatch,
    contact_tag,
)

log = logging.getLogger(__name__)
REPORT_LIMIT = 500  # bad rows listed in a report (the total is always given)
PROGRESS_EVERY = 5000

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
IMPORT_FIELDS = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "name": _("Organisation name"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "gender": _("Gender (f/m)"),
    "language": _("Language (cs/en)"),
    "stakeholder_type": _("Stakeholder type"),
    "region": _("Region"),
    "tags": _("Tags (separated by ;)"),
}
ALIASES = {"jmeno": "first_name", "jméno": "first_name", "prijmeni": "last_name",
           "příjmení": "last_name", "e-mail": "email", "mail": "email", "telefon": "phone",
           "type": "stakeholder_type", "typ": "stakeholder_type", "kraj": "region",
           "stitky": "tags", "štítky": "tags", "jazyk": "language", "pohlavi": "gender",
           "pohlaví": "gender", "organisation": "name", "organizace": "name"}
MAX_ROWS = 200_000


def parse_csv(text: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows; the delimiter (comma or semicolon) is taken from the header line."""
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = [r for r in reader if any(cell.strip() for cell in r)]
    except csv.Error:
        return [], []
    if not rows:
        return [], []
    return [h.strip() for h in rows[0]], rows[1:MAX_ROWS + 1]


def guess_mapping(header: list[str], targets: list[str]) -> dict[int, str]:
    mapping = {}
    for i, name in enumerate(header):
        key = name.strip().lower().replace(" ", "_")
        key = ALIASES.get(key, key)
        if key in targets:
            mapping[i] = key
        elif f"field:{key}" in targets:
            mapping[i] = f"field:{key}"
    return mapping


def validate_row(values: dict) -> list:
    errors = []
    email = values.get("email", "")
    if email and not EMAIL_RE.match(email):
        errors.append(_("invalid e-mail address"))
    if not (values.get("first_name") or values.get("last_name") or values.get("name")):
        errors.append(_("no name"))
    if values.get("gender", "") not in ("", "f", "m"):
        errors.append(_("gender must be f or m"))
    if values.get("language", "") not in ("", "cs", "en"):
        errors.append(_("language must be cs or en"))
    if values.get("stakeholder_type", "") not in ("", *STAKEHOLDER_TYPES):
        errors.append(_("unknown stakeholder type"))
    for key, limit in (("first_name", 100), ("last_name", 100), ("name", 200), ("phone", 50),
                       ("region", 100), ("email", 254)):
        if len(values.get(key, "")) > limit:
            errors.append(_("a value is too long"))
            break
    return errors


def message(ts) -> list:
    """A translation string as JSON: ``[msgid, mapping]``."""
    return [str(ts), dict(getattr(ts, "mapping", None) or {})]


def translate_report(request, report: dict) -> list[dict]:
    """The report's bad rows with their messages in the request's language."""
    return [{"line": e["line"], "messages": [
        request.shell.translate(_(msgid, mapping=mapping or None)) for msgid, mapping
        in e["messages"]]} for e in report.get("errors", [])]


def check_rows(header, rows, mapping: dict[int, str], fields: dict[str, CustomField],
               progress=None) -> tuple[list[dict], list[dict], int]:
    """Validate every row: (parsed values, first bad rows, number of bad rows)."""
    if not any(t in ("first_name", "last_name", "name") for t in mapping.values()):
        return [], [{"line": 1, "messages": [message(_("Map at least one name column."))]}], 1
    parsed, seen, errors, bad = [], {}, [], 0
    for number, row in enumerate(rows, start=2):
        values = {t: (row[i].strip() if i < len(row) else "") for i, t in mapping.items()}
        if "email" in values:
            values["email"] = values["email"].lower()
        problems = [message(m) for m in validate_row(values)]
        for key, field in fields.items():
            if values.get(key):
                try:
                    values[key] = services.clean_field_value(field, values[key])
                except services.FieldValueError as exc:
                    problems.append(message(exc.args[0]))
        if len(row) != len(header):
            problems.append(message(_("the row has ${n} columns, the header ${h}",
                                      mapping={"n": len(row), "h": len(header)})))
        email = values.get("email")
        if email:
            if email in seen:
                problems.append(message(_("same e-mail as line ${line}",
                                          mapping={"line": seen[email]})))
            seen.setdefault(email, number)
        if problems:
            bad += 1
            if len(errors) < REPORT_LIMIT:
                errors.append({"line": number, "messages": problems})
        parsed.append(values)
        if progress is not None and (number - 1) % PROGRESS_EVERY == 0:
            progress(number - 1)
    return parsed, errors, bad


def write_rows(request, parsed: list[dict], fields: dict[str, CustomField]) -> tuple[int, int]:
    """Insert the new contacts and merge the known ones (by e-mail): (created, merged)."""
    db = request.dbsession
    now = utcnow()
    existing: dict[str, Contact] = {}
    emails = [v["email"] for v in parsed if v.get("email")]
    known = []  # ids of contacts whose address is in the file (few, usually)
    for start in range(0, len(emails), 5000):
        known += db.scalars(sa.select(Contact.id).where(
            Contact.email.in_(emails[start:start + 5000])))
    for start in range(0, len(known), 500):
        for contact in db.scalars(sa.select(Contact).where(
                Contact.id.in_(known[start:start + 500]))):
            existing[contact.email] = contact
    tag_names = {t.strip()[:80] for v in parsed for t in v.get("tags", "").split(";")
                 if t.strip()}
    tags = {name: services.get_or_create_tag(request, name).id for name in sorted(tag_names)}
    new_rows, new_values, merged = [], [], []
    for values in parsed:
        contact = existing.get(values.get("email") or "")
        if contact is None:
            is_org = bool(values.get("name")) and not (values.get("first_name")
                                                      or values.get("last_name"))
            new_rows.append({
                "kind": "organisation" if is_org else "person",
                "first_name": values.get("first_name", ""),
                "last_name": values.get("last_name", ""),
                "name": values.get("name") if is_org else services.display_name(
                    values.get("first_name", ""), values.get("last_name", "")),
                "email": values.get("email") or None, "phone": values.get("phone", ""),
                "gender": values.get("gender") or None,
                "language": values.get("language") or "cs",
                "stakeholder_type": values.get("stakeholder_type") or "other",
                "region": values.get("region", ""),
                "restricted": False, "created_at": now, "updated_at": now,
                "last_activity_at": now})
            new_values.append(values)
        else:
            # Merge: fill what the existing contact lacks, never overwrite.
            for key in ("first_name", "last_name", "phone", "region"):
                if values.get(key) and not getattr(contact, key):
                    setattr(contact, key, values[key])
            if values.get("gender") and not contact.gender:
                contact.gender = values["gender"]
            services.touch(contact)
            merged.append((contact, values))
    db.flush()
    links, field_rows = [], []
    # Bulk insert; ids come back in the order of the rows.
    ids = bulk.insert_returning_ids(db, Contact.__table__, new_rows)
    for contact_id, values in zip(ids, new_values, strict=True):
        links += [{"contact_id": contact_id, "tag_id": tags[t]}
                  for t in {t.strip()[:80] for t in values.get("tags", "").split(";")
                            if t.strip()}]
        field_rows += [{"contact_id": contact_id, "field_id": f.id, "value": values[k]}
                       for k, f in fields.items() if values.get(k)]
    if merged:
        ids = [c.id for c, _v in merged]
        have_tags, have_fields = set(), set()
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            have_tags |= set(db.execute(sa.select(contact_tag.c.contact_id, contact_tag.c.tag_id)
                                        .where(contact_tag.c.contact_id.in_(part))).all())
            have_fields |= set(db.execute(sa.select(FieldValue.contact_id, FieldValue.field_id)
                                          .where(FieldValue.contact_id.in_(part))).all())
        for contact, values in merged:
            for name in {t.strip()[:80] for t in values.get("tags", "").split(";") if t.strip()}:
                if (contact.id, tags[name]) not in have_tags:
                    have_tags.add((contact.id, tags[name]))
                    links.append({"contact_id": contact.id, "tag_id": tags[name]})
            for key, field in fields.items():
                if values.get(key) and (contact.id, field.id) not in have_fields:
                    field_rows.append({"contact_id": contact.id, "field_id": field.id,
                                       "value": values[key]})
    bulk.insert(db, contact_tag, links)
    bulk.insert(db, FieldValue.__table__, field_rows)
    return len(new_rows), len(merged)


# -- the job ---------------------------------------------------------------------------------

def _set(registry, batch_id: int, only_if: tuple[str, ...] | None = None, **values) -> bool:
    """Update the batch in a short transaction of its own (progress is seen at once); each
    update is also the job's sign of life."""
    with registry["hub.dbsession_writer"]() as db, db.begin():
        stmt = (sa.update(ImportBatch).where(ImportBatch.id == batch_id)
                .values(heartbeat_at=utcnow(), **values))
        if only_if:
            stmt = stmt.where(ImportBatch.status.in_(only_if))
        return db.execute(stmt).rowcount == 1


def import_job(request, batch_id: int, user_id: int | None = None) -> None:
    """Check every row (progress committed as it goes), then write all rows or none."""
    registry = request.registry
    if not _set(registry, batch_id, only_if=("queued",), status="running", phase="checking",
                done_rows=0):
        return  # already handled (a duplicate or retried job)
    with registry["hub.dbsession_writer"]() as db:
        batch = db.get(ImportBatch, batch_id)
        content, mapping = batch.content, {int(k): v for k, v in batch.mapping.items()}
        fields = {f"field:{f.key}": f for f in db.scalars(sa.select(CustomField).where(
            CustomField.is_special.is_(False)))}
        db.expunge_all()
    header, rows = parse_csv(content)
    fields = {k: f for k, f in fields.items() if k in mapping.values()}
    parsed, errors, bad = check_rows(header, rows, mapping, fields, progress=lambda n: _set(
        registry, batch_id, done_rows=n))
    if bad:
        _set(registry, batch_id, status="failed", phase="", done_rows=len(rows),
             report={"errors": errors, "bad": bad}, finished_at=utcnow())
        return
    _set(registry, batch_id, phase="writing", done_rows=len(rows))
    # From here on one transaction: the rows, the audit entry and the final status.
    db = request.dbsession
    try:
        with db.begin_nested():
            created, merged = write_rows(request, parsed, fields)
    except sa.exc.SQLAlchemyError as exc:
        log.exception("CSV import %s failed", batch_id)
        # E.g. an address added meanwhile by someone else, or the database busy for too
        # long: the savepoint is gone, so nothing of the file is kept; the batch says so.
        text = (_("The contacts changed while the file was imported; nothing was imported. "
                  "Try again.") if isinstance(exc, sa.exc.IntegrityError) else
                _("The import failed; nothing was imported. Try again later."))
        report = {"errors": [{"line": 1, "messages": [message(text)]}], "bad": 1}
        db.execute(sa.update(ImportBatch).where(ImportBatch.id == batch_id).values(
            status="failed", phase="", report=report, finished_at=utcnow()))
        return
    services.audit(request, None, "import", f"{created} created, {merged} merged",
                   user_id=user_id)
    db.execute(sa.update(ImportBatch).where(ImportBatch.id == batch_id).values(
        status="done", phase="", content="", report={"created": created, "merged": merged},
        finished_at=utcnow()))


# Far longer than the silent part of a job (writing 100,000 rows takes seconds).
IMPORT_STALL = dt.timedelta(minutes=15)


def interrupted_imports_job(request) -> int:
    """Periodic job: an import whose job has been silent for :data:`IMPORT_STALL` was
    interrupted (its worker stopped or was killed). Rows are written in one transaction,
    so nothing of it was kept: it is marked failed and can be started again."""
    now = utcnow()
    return request.dbsession.execute(
        sa.update(ImportBatch)
        .where(ImportBatch.status == "running",
               sa.or_(ImportBatch.heartbeat_at.is_(None),
                      ImportBatch.heartbeat_at < now - IMPORT_STALL))
        .values(status="failed", phase="", report={"interrupted": True}, finished_at=now)
    ).rowcount
