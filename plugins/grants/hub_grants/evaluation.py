"""Evaluation and the committee's decision: reviewers, declarations of conflicts of
interest, scores, the ranking, decisions and the public list of awarded grants.

Every state change is written to ``grants_event`` in the same transaction; mail goes
through the core outbox (sent after commit).
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from hub.accounts.models import User
from hub.dates import PRAGUE, language
from hub.db import utcnow
from hub.i18n import localizer_for
from hub.mail import queue_mail
from hub.organizations.models import Membership
from hub_grants.i18n import _
from hub_grants.models import Application, Call, Review, Reviewer, Score
from hub_grants.services import (
    CENT,
    GrantError,
    _recipient,
    audit,
    format_money,
    money,
)

# -- evaluation ---------------------------------------------------------------------------

def is_reviewer(request, call_id: int, user) -> bool:
    if user is None:
        return False
    return request.dbsession.get(Reviewer, (call_id, user.id)) is not None


def assign_reviewer(request, call: Call, email: str, name: str) -> Reviewer:
    """Appoint a reviewer by address; an external expert without an account gets one and a
    mail saying how to choose a password."""
    email = (email or "").strip().lower()
    if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email) or len(email) > 254:
        raise GrantError({"email": _("Give a valid e-mail address.")})
    db = request.dbsession
    user = db.scalar(sa.select(User).where(sa.func.lower(User.email) == email))
    created = user is None
    if created:
        name = (name or "").strip()[:200]
        if not name:
            raise GrantError({"name": _("Give the expert's name: they have no account yet.")})
        user = User(email=email, name=name, role="member", language=language(request),
                    email_verified_at=utcnow())
        db.add(user)
        db.flush()
    if db.get(Reviewer, (call.id, user.id)) is not None:
        raise GrantError({"email": _("This person is a reviewer of the call already.")}, 409)
    reviewer = Reviewer(call_id=call.id, user_id=user.id, assigned_by_id=request.identity.id)
    db.add(reviewer)
    db.flush()
    audit(request, "reviewer_assigned", call_id=call.id, reviewer_id=user.id,
          new_account=created)
    tr = localizer_for(request.registry, user.language).translate
    base = request.registry.settings["hub.base_url"].rstrip("/")
    lines = [_("Hello ${name},", mapping={"name": user.name}),
             _("you have been appointed a reviewer of the call \u201c${call}\u201d. Your "
               "applications to review are at ${url}.",
               mapping={"call": call.text("title", user.language),
                        "url": base + request.route_path("grants.reviews")})]
    if created:
        lines.append(_("An account was made for you with this address. Choose your password "
                       "at ${url}.", mapping={"url": base + request.route_path("password_reset")}))
    queue_mail(request, user.email, tr(_("Reviewer of a grant call")),
               "\n\n".join(tr(line) for line in lines))
    return reviewer


def review_of(request, application: Application, user) -> Review | None:
    return request.dbsession.scalar(sa.select(Review).where(
        Review.application_id == application.id, Review.reviewer_id == user.id))


def member_of(request, user, organisation_id: int) -> bool:
    return request.dbsession.scalar(sa.select(Membership.id).where(
        Membership.user_id == user.id, Membership.organisation_id == organisation_id,
        Membership.active())) is not None


def declare(request, application: Application, conflict: bool, note: str = "") -> Review:
    """The reviewer's declaration, made once before the application is shown."""
    user = request.identity
    if application.status == "draft":
        raise GrantError({"application": _("The application has not been submitted.")}, 404)
    if review_of(request, application, user) is not None:
        raise GrantError({"conflict": _("You have made your declaration already.")}, 409)
    # A member of the applying organisation is in conflict whatever they declare.
    conflict = conflict or member_of(request, user, application.organisation_id)
    review = Review(application_id=application.id, reviewer_id=user.id,
                    conflict="conflict" if conflict else "none", conflict_note=note[:2000])
    request.dbsession.add(review)
    request.dbsession.flush()
    audit(request, "conflict_declared" if conflict else "no_conflict_declared",
          call_id=application.call_id, application_id=application.id)
    return review


def score(request, review: Review, application: Application, scores: dict, comment: str):
    """Submit the scores of every criterion at once; ``scores`` maps criterion ids to
    ``(score, comment)``. Scores are final once submitted."""
    if review.conflict != "none":
        raise GrantError({"conflict": _("You declared a conflict of interest for this "
                                        "application.")}, 403)
    if review.submitted_at is not None:
        raise GrantError({"scores": _("You have scored this application already.")}, 409)
    errors, rows = {}, []
    for criterion in application.call.criteria:
        value, note = scores.get(criterion.id, (None, ""))
        if isinstance(value, str):
            value = int(value) if value.strip().isdigit() else None
        if isinstance(value, bool) or not isinstance(value, int) \
                or not 0 <= value <= criterion.max_score:
            errors[f"score-{criterion.id}"] = _("Give a whole number from 0 to ${max}.",
                                                mapping={"max": criterion.max_score})
            continue
        rows.append(Score(criterion_id=criterion.id, score=value, comment=(note or "")[:5000]))
    if errors:
        raise GrantError(errors)
    review.scores = rows
    review.comment = (comment or "")[:10000]
    review.submitted_at = utcnow()
    request.dbsession.flush()
    audit(request, "review_submitted", call_id=application.call_id,
          application_id=application.id)


def review_total(review: Review, criteria) -> Decimal:
    """The weighted score in per cent: each criterion's share of its maximum, weighted."""
    by_id = {s.criterion_id: s.score for s in review.scores}
    weights = sum((c.weight for c in criteria), Decimal(0))
    if not weights:
        return Decimal(0)
    total = sum((c.weight * Decimal(by_id.get(c.id, 0)) / c.max_score for c in criteria),
                Decimal(0))
    return (total * 100 / weights).quantize(CENT, rounding=ROUND_HALF_UP)


def reviews_of(request, application: Application) -> list[Review]:
    return list(request.dbsession.scalars(sa.select(Review).where(
        Review.application_id == application.id).order_by(Review.id)))


def ranking(request, call: Call) -> list[dict]:
    """Submitted applications with their mean weighted score, best first."""
    applications = request.dbsession.scalars(sa.select(Application).where(
        Application.call_id == call.id, Application.status != "draft")).all()
    rows = []
    for application in applications:
        done = [r for r in reviews_of(request, application) if r.submitted_at is not None]
        totals = [review_total(r, call.criteria) for r in done]
        mean = (sum(totals, Decimal(0)) / len(totals)).quantize(CENT) if totals else None
        rows.append({"application": application, "score": mean, "reviews": len(done)})
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["application"].id))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank if row["score"] is not None else None
    return rows


def awarded_total(request, call: Call, without: int | None = None) -> Decimal:
    stmt = sa.select(sa.func.coalesce(sa.func.sum(Application.approved_amount), 0)).where(
        Application.call_id == call.id, Application.status == "approved")
    if without is not None:
        stmt = stmt.where(Application.id != without)
    return Decimal(request.dbsession.scalar(stmt)).quantize(CENT)


def decide(request, application: Application, approved, amount, reason: str) -> None:
    """The committee's decision: approved with an amount (which may differ from the one
    requested) or not supported, always with reasons; the applicant is told by mail."""
    errors = {}
    if application.status == "draft":
        raise GrantError({"status": _("The application has not been submitted.")}, 409)
    if not isinstance(approved, bool):
        errors["approved"] = _("Choose whether the application is supported.")
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        errors["reason"] = _("Give the reasons of the decision.")
    value = None
    if approved is True:
        value = money(amount)
        call = application.call
        lang = language(request)
        if value is None or value <= 0:
            errors["amount"] = _("Give the approved amount in CZK.")
        elif value > call.max_amount:
            errors["amount"] = _("The call gives at most ${amount} per application.",
                                 mapping={"amount": format_money(call.max_amount, lang)})
        elif (left := call.budget - awarded_total(request, call, without=application.id)) \
                < value:
            errors["amount"] = _("The call's budget would be exceeded: ${left} is left.",
                                 mapping={"left": format_money(left, lang)})
    if errors:
        raise GrantError(errors)
    application.status = "approved" if approved else "rejected"
    application.approved_amount = value
    application.decision_reason = reason[:10000]
    application.decided_at = utcnow()
    application.decided_by_id = request.identity.id
    request.dbsession.flush()
    audit(request, "decision", call_id=application.call_id, application_id=application.id,
          approved=approved, amount=str(value) if value is not None else None)
    _mail_decision(request, application)


def _mail_decision(request, application: Application) -> None:
    user = _recipient(application)
    if user is None:
        return
    tr = localizer_for(request.registry, user.language).translate
    if application.status == "approved":
        outcome = _("The committee supports the project with ${amount}.",
                    mapping={"amount": format_money(application.approved_amount, user.language)})
    else:
        outcome = _("The committee did not support the project this time.")
    text = "\n\n".join(tr(line) for line in (
        _("Hello ${name},", mapping={"name": user.name}),
        _("the decision on the application \u201c${title}\u201d (number ${number}) to the call "
          "\u201c${call}\u201d:", mapping={"title": application.title, "number": application.id,
                                         "call": application.call.text("title", user.language)}),
        outcome, _("Reasons: ${reason}", mapping={"reason": application.decision_reason})))
    queue_mail(request, user.email, tr(_("Decision on your grant application")), text)


def decision_year(application: Application) -> int:
    """The year of the decision as the funder counts it: in Prague, not in UTC (a decision
    just after midnight on 1 January belongs to the new year)."""
    return application.decided_at.astimezone(PRAGUE).year


def awarded(request) -> list[Application]:
    """Supported applications for the public list (organisation, project, amount, year)."""
    return list(request.dbsession.scalars(
        sa.select(Application).where(Application.status == "approved")
        .order_by(Application.decided_at.desc(), Application.id.desc())))
