"""Demo data: a past call with decided applications and an open call taking applications.

Idempotent (calls are looked up by their Czech title). The demo organisation's
representative (``rep@example.org``) has a draft in the open call; the staff account
reviews the past call.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from hub.accounts.models import User
from hub.db import utcnow
from hub.organizations.models import Membership, Organisation
from hub_grants.models import Application, BudgetItem, Call, Criterion, Review, Reviewer, Score

PAST = "Malé granty pro pacientské organizace 2026"
OPEN = "Malé granty pro pacientské organizace 2027"
CRITERIA = (("Přínos pro pacienty", "Benefit for patients", Decimal(50), 10),
            ("Proveditelnost a rozpočet", "Feasibility and budget", Decimal(30), 10),
            ("Udržitelnost", "Sustainability", Decimal(20), 5))


def _call(title_cs, title_en, opens, deadline) -> Call:
    return Call(
        title_cs=title_cs, title_en=title_en,
        description_cs="Podpora činnosti pacientských organizací: vzdělávání zástupců, "
                       "služby pro pacienty a spolupráce organizací.",
        description_en="Support for patient organisations: training of representatives, "
                       "services for patients and cooperation between organisations.",
        eligible_kinds=["patient_organisation", "ngo"], budget=Decimal("1000000.00"),
        max_amount=Decimal("150000.00"), cofinancing_percent=Decimal("10"),
        opens_at=opens, deadline_at=deadline, published=True,
        documents=[{"cs": "Výpis ze spolkového rejstříku", "en": "Extract from the register"}],
        questions=[{"key": "members", "type": "number", "cs": "Počet členů organizace",
                    "en": "Number of members", "choices": [], "required": True}],
        faq=[{"q_cs": "Lze žádat o mzdy?", "a_cs": "Ano, do výše 50 % rozpočtu.",
              "q_en": "Can salaries be paid?", "a_en": "Yes, up to 50 % of the budget."}],
        criteria=[Criterion(position=i, name_cs=cs, name_en=en, weight=w, max_score=m)
                  for i, (cs, en, w, m) in enumerate(CRITERIA)])


def demo_data(dbsession, registry) -> None:
    if dbsession.scalar(sa.select(Call.id).where(Call.title_cs == PAST)) is not None:
        return
    now = utcnow()
    past = _call(PAST, "Small grants for patient organisations 2026",
                 now - dt.timedelta(days=300), now - dt.timedelta(days=240))
    upcoming = _call(OPEN, "Small grants for patient organisations 2027",
                     now - dt.timedelta(days=10), now + dt.timedelta(days=40))
    dbsession.add_all([past, upcoming])
    dbsession.flush()
    rep = dbsession.scalar(sa.select(User).where(User.email == "rep@example.org"))
    staff = dbsession.scalar(sa.select(User).where(User.email == "staff@example.org"))
    organisations = dbsession.scalars(sa.select(Organisation).where(
        Organisation.kind.in_(("patient_organisation", "ngo"))).order_by(Organisation.id)
        .limit(3)).all()
    if staff is not None:
        dbsession.add(Reviewer(call_id=past.id, user_id=staff.id))
    for i, organisation in enumerate(organisations):
        requested = Decimal(120000 - i * 20000)
        application = Application(
            call_id=past.id, organisation_id=organisation.id, exclusive=True,
            title=("Vzdělávání zástupců pacientů", "Poradna pro rodiny",
                   "Setkání pacientů")[i % 3], summary="Projekt podle výzvy.",
            amount_requested=requested, answers={"members": str(40 + i * 10)},
            status="submitted", submitted_at=past.deadline_at - dt.timedelta(days=3),
            items=[BudgetItem(position=0, description="Lektoři a materiály",
                              amount=requested + Decimal(20000))])
        dbsession.add(application)
        dbsession.flush()
        if staff is not None:
            review = Review(application_id=application.id, reviewer_id=staff.id,
                            conflict="none", submitted_at=past.deadline_at
                            + dt.timedelta(days=10))
            review.scores = [Score(criterion_id=c.id, score=max(0, c.max_score - i - k))
                             for k, c in enumerate(past.criteria)]
            dbsession.add(review)
        approved = i < 2
        application.status = "approved" if approved else "rejected"
        application.approved_amount = requested - Decimal(10000) if approved else None
        application.decision_reason = "Kvalitní projekt." if approved else "Nízké hodnocení."
        application.decided_at = past.deadline_at + dt.timedelta(days=30)
    if rep is not None:
        membership = dbsession.scalar(sa.select(Membership).where(
            Membership.user_id == rep.id, Membership.is_representative.is_(True)))
        if membership is not None:
            dbsession.add(Application(
                call_id=upcoming.id, organisation_id=membership.organisation_id,
                applicant_id=rep.id, exclusive=True, title="Podpora rodičů dětí s diabetem",
                summary="", amount_requested=Decimal("80000.00")))
    dbsession.flush()
