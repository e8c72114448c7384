"""CSV import: column mapping, validation of every row, then all rows or none."""
from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa

from hub_crm import services
from hub_crm.i18n import _
from hub_crm.models import STAKEHOLDER_TYPES, Contact, CustomField, FieldValue, contact_tag

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


def run_import(request, header, rows, mapping: dict[int, str]) -> dict:
    """Validate every row; when all are valid, import them (duplicates by e-mail merge)."""
    tr = request.shell.translate
    report = {"ok": False, "errors": [], "created": 0, "merged": 0, "total": len(rows)}
    if not any(t in ("first_name", "last_name", "name") for t in mapping.values()):
        report["errors"].append({"line": 1, "messages": [tr(_("Map at least one name column."))]})
        return report
    parsed, seen = [], {}
    for number, row in enumerate(rows, start=2):
        values = {t: (row[i].strip() if i < len(row) else "") for i, t in mapping.items()}
        if "email" in values:
            values["email"] = values["email"].lower()
        problems = [tr(m) for m in validate_row(values)]
        if len(row) != len(header):
            problems.append(tr(_("the row has ${n} columns, the header ${h}"),
                               {"n": len(row), "h": len(header)}))
        email = values.get("email")
        if email:
            if email in seen:
                problems.append(tr(_("same e-mail as line ${line}"), {"line": seen[email]}))
            seen.setdefault(email, number)
        if problems:
            report["errors"].append({"line": number, "messages": problems})
        parsed.append(values)
    if report["errors"]:
        return report
    db = request.dbsession
    existing = {}
    emails = [v["email"] for v in parsed if v.get("email")]
    for start in range(0, len(emails), 500):
        for contact in db.scalars(sa.select(Contact).where(
                Contact.email.in_(emails[start:start + 500]))):
            existing[contact.email] = contact
    fields = {f"field:{f.key}": f for f in db.scalars(sa.select(CustomField).where(
        CustomField.is_special.is_(False)))}
    tags: dict[str, int] = {}
    for values in parsed:
        contact = existing.get(values.get("email") or "")
        if contact is None:
            is_org = bool(values.get("name")) and not (values.get("first_name")
                                                      or values.get("last_name"))
            contact = Contact(
                kind="organisation" if is_org else "person",
                first_name=values.get("first_name", ""), last_name=values.get("last_name", ""),
                name=values.get("name") if is_org else services.display_name(
                    values.get("first_name", ""), values.get("last_name", "")),
                email=values.get("email") or None, phone=values.get("phone", ""),
                gender=values.get("gender") or None, language=values.get("language") or "cs",
                stakeholder_type=values.get("stakeholder_type") or "other",
                region=values.get("region", ""))
            db.add(contact)
            report["created"] += 1
        else:
            # Merge: fill what the existing contact lacks, never overwrite.
            for key in ("first_name", "last_name", "phone", "region"):
                if values.get(key) and not getattr(contact, key):
                    setattr(contact, key, values[key])
            if values.get("gender") and not contact.gender:
                contact.gender = values["gender"]
            services.touch(contact)
            report["merged"] += 1
        db.flush()
        for name in {t.strip()[:80] for t in values.get("tags", "").split(";") if t.strip()}:
            if name not in tags:
                tags[name] = services.get_or_create_tag(request, name).id
            exists = db.scalar(sa.select(contact_tag.c.tag_id).where(
                contact_tag.c.contact_id == contact.id, contact_tag.c.tag_id == tags[name]))
            if exists is None:
                db.execute(sa.insert(contact_tag).values(contact_id=contact.id,
                                                         tag_id=tags[name]))
        for target, field in fields.items():
            if values.get(target) and db.get(FieldValue, (contact.id, field.id)) is None:
                db.add(FieldValue(contact_id=contact.id, field_id=field.id,
                                  value=values[target]))
    services.audit(request, None, "import",
                   f"{report['created']} created, {report['merged']} merged")
    report["ok"] = True
    return report
