"""CRM: a segment with three conditions over the whole contact base (count and first page,
target < 200 ms) and a CSV import of 100,000 rows through the staff pages (target < 60 s);
the public directory filtered by a topic and an organisation's profile page."""
from __future__ import annotations

import time

from bench.common import CSRF_TOKEN, Row, median_ms, test_client

RUNS = 30
IMPORT_ROWS = 100_000
SEGMENT_NAME = "Pacienti s diabetem v Praze – informace"
IMPORT_DOMAIN = "@import.bench.example"


def _installed() -> bool:
    try:
        import hub_crm  # noqa: F401
    except ImportError:
        return False
    return True


def _segment_row(registry) -> Row | None:
    """Count plus the first page of a three-condition segment (type AND topic AND region,
    with its consent), as the segment page asks for them; in process, no rendering."""
    import sqlalchemy as sa

    from hub.jobs import background_request
    from hub_crm.models import Contact, Segment
    from hub_crm.services import segment_page

    request = background_request(registry)
    with request.tm:
        db = request.dbsession
        segment = db.scalar(sa.select(Segment).where(Segment.name == SEGMENT_NAME))
        if segment is None:
            return None
        contacts = db.scalar(sa.select(sa.func.count(Contact.id)))
        found = []

        def run():  # what the segment page asks for (the count with the first page)
            total, first = segment_page(request, segment, 0, 50)
            found[:] = [total, len(first)]

        run()  # warm the caches
        median, p99 = median_ms(run, RUNS)
    return Row("CRM segment, 3 conditions: count + first page", median, p99, None, None,
               "< 200 ms", median < 200,
               f"{found[0]} of {contacts} contacts match; in process")


def _import_csv(rows: int) -> bytes:
    types = ("patient", "doctor", "caregiver", "academic", "ngo")
    regions = ("Praha", "Brno", "Ostrava", "Plzeň", "Olomouc")
    lines = ["first_name;last_name;email;phone;stakeholder_type;region;tags;employer"]
    for n in range(rows):
        lines.append(f"Jméno{n};Příjmení{n % 977};osoba{n}{IMPORT_DOMAIN};+420 7{n:08d};"
                     f"{types[n % 5]};{regions[n % 5]};"
                     f"{'import 2026' if n % 3 == 0 else ''};"
                     f"{'FN Motol' if n % 7 == 0 else ''}")
    return ("\n".join(lines) + "\n").encode("utf-8")


BENCH_STAFF = "bench-crm-staff@example.org"


def _staff_account(registry) -> str:
    """A staff account with two-factor sign-in set up (staff pages require it)."""
    import pyotp
    import sqlalchemy as sa

    from hub.accounts.models import User
    from hub.db import utcnow

    with registry["hub.dbsession_factory"]() as db, db.begin():
        if db.scalar(sa.select(User.id).where(User.email == BENCH_STAFF)) is None:
            db.add(User(email=BENCH_STAFF, name="Benchmark Staff", role="staff",
                        language="cs", email_verified_at=utcnow(), password_hash=None,
                        totp_secret=pyotp.random_base32(32)))
    return BENCH_STAFF


def _import_row(registry) -> Row:
    """Upload, column mapping and the import job (the bench runs jobs immediately, so the
    mapping POST returns when all rows are in), as staff do it from the pages."""
    import sqlalchemy as sa

    from hub_crm.models import Contact, ImportBatch

    client = test_client(registry, _staff_account(registry))
    body = _import_csv(IMPORT_ROWS)
    started = time.perf_counter()
    uploaded = client.post("/crm/staff/import", {"csrf_token": CSRF_TOKEN},
                           upload_files=[("file", "kontakty.csv", body, "text/csv")],
                           status=303)
    mapping_url = uploaded.headers["Location"].split("127.0.0.1", 1)[-1]
    page = client.get(mapping_url, status=200)
    fields = {"csrf_token": CSRF_TOKEN}
    for name, field in page.forms["mapping-form"].fields.items():
        if name and name.startswith("col_"):
            fields[name] = field[0].value
    status = client.post(mapping_url, fields, status=303)
    seconds = time.perf_counter() - started
    state = client.get(status.headers["Location"].split("127.0.0.1", 1)[-1],
                       {"format": "json"}, status=200).json
    with registry["hub.dbsession_factory"]() as db, db.begin():
        imported = db.scalar(sa.select(sa.func.count(Contact.id)).where(
            Contact.email.like(f"%{IMPORT_DOMAIN}")))
        # Leave the data set as it was for whatever is measured next.
        db.execute(sa.delete(Contact).where(Contact.email.like(f"%{IMPORT_DOMAIN}")))
        db.execute(sa.delete(ImportBatch))
    ok = state["status"] == "done" and imported == IMPORT_ROWS
    return Row("CRM CSV import, 100,000 rows", seconds * 1000, None,
               IMPORT_ROWS / seconds, None, "< 60 s", ok and seconds < 60,
               f"{imported} contacts imported ({state['status']}); upload, mapping, "
               "check and bulk insert, in process")


def measure(registry, args) -> list[Row]:
    if not _installed():
        return []
    rows = []
    segment = _segment_row(registry)
    if segment is not None:
        rows.append(segment)
    rows.append(_import_row(registry))
    return rows


def pages(registry) -> list[tuple]:
    """The public directory filtered by a topic (people and organisations) and the profile
    page of an organisation (the unfiltered directory is among run.py's public pages)."""
    if not _installed():
        return []
    import sqlalchemy as sa

    from hub.organizations.models import Organisation

    with registry["hub.dbsession_factory"]() as db:
        slug = db.scalar(sa.select(Organisation.slug).order_by(Organisation.id).limit(1))
    found = [("organisation directory, topic filter", "/crm?topic=diabetes", 0.40, 50.0)]
    if slug:
        found.append(("organisation profile", f"/crm/organisations/{slug}", 0.40, 50.0))
    return found
