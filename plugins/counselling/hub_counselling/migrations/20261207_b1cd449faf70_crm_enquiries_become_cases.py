"""the CRM's enquiries (/crm/ask) become counselling cases

Read only when the CRM's tables exist (the CRM is or was enabled). Each enquiry becomes a
case with the asker's question as its first message, a reference of the year it was
asked and the CRM's assignee; the enquiry is then deleted, so the question is kept in one
place, behind the counselling permission. The ledger gets no consent record: the CRM's
form asked only to keep the question to answer it, not for the explicit consent of the
counselling form, and a consent nobody gave is not invented. Such a case is deleted by
retention or when its asker withdraws on the case's page.

Revision ID: b1cd449faf70
Revises: 57408f194081
Create Date: 2026-12-07 07:00:00.000000
"""
import datetime as dt
import secrets

import sqlalchemy as sa
from alembic import op

revision = 'b1cd449faf70'
down_revision = '57408f194081'
branch_labels = None
depends_on = None

STATUSES = {"new": "new", "in_progress": "open", "closed": "closed"}
REPLY_DAYS = 30

sequence = sa.table("counselling_sequence", sa.column("year", sa.Integer),
                    sa.column("last", sa.Integer))
case = sa.table(
    "counselling_case", *(sa.column(c) for c in (
        "id", "reference", "status", "category", "subject", "user_id", "email", "name",
        "language", "assignee_id", "access_key", "created_at", "due_at", "closed_at")))
message = sa.table("counselling_message", *(sa.column(c) for c in (
    "case_id", "direction", "channel", "body", "author_id", "created_at")))


def _aware(value):
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def upgrade():
    bind = op.get_bind()
    tables = set(sa.inspect(bind).get_table_names())
    if not {"crm_enquiry", "crm_contact"} <= tables:
        return
    rows = bind.execute(sa.text(
        "SELECT e.id, e.subject, e.message, e.status, e.assigned_to_id, e.created_at, "
        "c.email, c.name, c.language, c.user_id FROM crm_enquiry e "
        "JOIN crm_contact c ON c.id = e.contact_id "
        "WHERE c.email IS NOT NULL AND c.email <> '' ORDER BY e.created_at, e.id")).all()
    if not rows:
        return
    last = dict(bind.execute(sa.select(sequence.c.year, sequence.c.last)).all())
    now = dt.datetime.now(dt.UTC)
    moved = []
    for row in rows:
        created = _aware(row.created_at)
        number = last.get(created.year, 0) + 1
        last[created.year] = number
        status = STATUSES.get(row.status, "open")
        case_id = bind.execute(sa.insert(case).values(
            reference=f"PH-{created.year}-{number:05d}", status=status,
            category="other", subject=(row.subject or "?")[:200], user_id=row.user_id,
            email=row.email.lower(), name=row.name or "",
            language="en" if row.language == "en" else "cs",
            assignee_id=row.assigned_to_id, access_key=secrets.token_urlsafe(32),
            created_at=created, due_at=created + dt.timedelta(days=REPLY_DAYS),
            # When it was closed is not known: retention counts from the move.
            closed_at=now if status == "closed" else None,
        ).returning(case.c.id)).scalar_one()
        bind.execute(sa.insert(message).values(
            case_id=case_id, direction="in", channel="migration", body=row.message or "",
            author_id=row.user_id, created_at=created))
        moved.append(row.id)
    for year, number in last.items():
        updated = bind.execute(sa.update(sequence).where(sequence.c.year == year)
                               .values(last=number)).rowcount
        if not updated:
            bind.execute(sa.insert(sequence).values(year=year, last=number))
    bind.execute(sa.text("DELETE FROM crm_enquiry WHERE id IN :ids")
                 .bindparams(sa.bindparam("ids", expanding=True)), {"ids": moved})


def downgrade():
    """The move is one way: the enquiries were deleted from the CRM and the cases stay."""
