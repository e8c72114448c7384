"""Hook implementations of the grants plugin."""
from __future__ import annotations

import sqlalchemy as sa

from hub import hookimpl
from hub.contributions import (
    NavItem,
    NotificationKind,
    Permission,
    ProfileSection,
    Widget,
    WorkspaceSection,
)
from hub.dates import language
from hub.db import utcnow
from hub.security import AUTHENTICATED, PUBLIC
from hub_grants import services
from hub_grants.i18n import _
from hub_grants.models import Agreement, Application, Call, Report, Review, Reviewer
from hub_grants.services import APPLY, MANAGE, REVIEW


@hookimpl
def hub_permissions():
    return [
        Permission(MANAGE, _("Manage grant calls, reviewers and decisions"), ("staff", "admin")),
        Permission(APPLY, _("Apply for grants for one's organisation"), ("representative",)),
        # Reviewers appointed to a call (hub_roles below) and staff; each call's own
        # reviewers are checked again for its applications.
        Permission(REVIEW, _("Review grant applications when appointed"),
                   (REVIEWER_ROLE, "staff", "admin")),
    ]


REVIEWER_ROLE = "grants.reviewer"
REVIEWERS_REGION = "grants.reviewers"


@hookimpl
def hub_roles(request, user):
    """``grants.reviewer`` for people appointed to review some call (kept per person until
    the appointments change: asked on every signed-in request)."""
    request.registry["hub.cache"].ensure_region(REVIEWERS_REGION, ("grants_reviewer",), 600)

    def ask() -> bool:
        stmt = sa.select(Reviewer.call_id).where(Reviewer.user_id == user.id).limit(1)
        return request.dbsession.execute(stmt).first() is not None

    return [REVIEWER_ROLE] if request.cached(REVIEWERS_REGION, user.id, ask) else []


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        return [NavItem(_("Grants"), route="grants.index", permission=PUBLIC, order=48,
                        match=("grants.index", "grants.call", "grants.awarded"))]
    if menu == "user":
        return [NavItem(_("Grant applications"), route="grants.mine", permission=APPLY,
                        order=48, match=("grants.mine", "grants.application", "grants.grant",
                                                   "grants.report")),
                NavItem(_("Applications to review"), route="grants.reviews",
                        permission=REVIEW, order=49, match=("grants.review",))]
    if menu == "admin":
        return [NavItem(_("Grants"), route="grants.staff", permission=MANAGE, order=48,
                        match=("grants.staff", "grants.call_", "grants.decision",
                               "grants.grant_staff"))]
    return None


@hookimpl
def hub_profile_sections(request, user):
    from hub.shell import render_snippet

    def render(request, user):
        ids = [o.id for o in services.represented(request, user)]
        if not ids:
            return None
        applications = request.dbsession.scalars(sa.select(Application).where(
            Application.organisation_id.in_(ids)).order_by(Application.id.desc())
            .limit(10)).all()
        if not applications:
            return None
        from hub_grants.views import base_values

        return render_snippet(request, "hub_grants:templates/widget.pt",
                              base_values(request, applications=applications))

    return [ProfileSection("grants", _("Grant applications"), render, order=48)]


@hookimpl
def hub_search_sources():
    from hub_grants.search import SOURCES

    return SOURCES


@hookimpl
def hub_notification_kinds():
    # The agreement, payments and reports are obligations of a contract: always sent.
    return [NotificationKind("grants.grant", _("Grant agreement, payments and reports"),
                             _("The agreement to accept, payments sent, reports approved or "
                               "returned, closure."), mandatory=True)]


def _organisation_applications(request, organisation_ids) -> list[Application]:
    if not organisation_ids:
        return []
    return list(request.dbsession.scalars(sa.select(Application).where(
        Application.organisation_id.in_(organisation_ids))
        .order_by(Application.id.desc()).limit(20)))


def _render_applications(request, applications, title=None):
    from hub.shell import render_snippet
    from hub_grants.award import to_do
    from hub_grants.views import base_values

    lang = language(request)
    return render_snippet(request, "hub_grants:templates/widget.pt", base_values(
        request, applications=applications, to_do=lambda a: to_do(request, a, lang)))


@hookimpl
def hub_organisation_workspace(request, organisation, role):
    def render(request, organisation, role):
        applications = _organisation_applications(request, [organisation.id])
        if not applications:
            return None
        return _render_applications(request, applications)

    return [WorkspaceSection("grants", _("Grant applications"), render, order=40)]


def open_items(request, user) -> list[Application]:
    """A representative's applications that want something of them: drafts of calls still
    open, and grants with an agreement to accept or a report to write or correct."""
    ids = [o.id for o in services.represented(request, user)]
    if not ids:
        return []
    db = request.dbsession
    now = utcnow()
    drafts = db.scalars(sa.select(Application).join(Call, Call.id == Application.call_id).where(
        Application.organisation_id.in_(ids), Application.status == "draft",
        Call.opens_at <= now, Call.deadline_at > now).order_by(Call.deadline_at)).all()
    grants = db.scalars(sa.select(Application).join(
        Agreement, Agreement.application_id == Application.id).where(
        Application.organisation_id.in_(ids), Agreement.status.in_(("issued", "accepted")))
        .order_by(Application.id)).all()
    lang = language(request)
    from hub_grants.award import to_do

    return drafts + [a for a in grants if to_do(request, a, lang)]


@hookimpl
def hub_dashboard_widgets(request):
    def render(request):
        if request.identity is None:
            return None
        applications = open_items(request, request.identity)
        if not applications:
            return None
        return _render_applications(request, applications)

    def render_reviews(request):
        waiting = to_review(request, request.identity)
        if waiting is None:
            return None
        from hub.shell import render_snippet
        from hub_grants.views import base_values

        return render_snippet(request, "hub_grants:templates/review_widget.pt",
                              base_values(request, waiting=waiting))

    return [Widget("grants.open", _("Grant applications and reports"), render,
                   where="dashboard", order=48, permission=AUTHENTICATED, cache_per_user=True,
                   cache_tables=("grants_application", "grants_agreement", "grants_report",
                                 "grants_call", "membership"), cache_ttl=300),
            Widget("grants.review", _("Applications to review"), render_reviews,
                   where="dashboard", order=49, permission=REVIEW, cache_per_user=True,
                   cache_tables=("grants_reviewer", "grants_review", "grants_application"),
                   cache_ttl=300)]


def to_review(request, user) -> int | None:
    """How many submitted applications of the calls ``user`` reviews they have not yet
    declared on or scored; ``None`` for someone appointed to no call."""
    if user is None:
        return None
    db = request.dbsession
    call_ids = list(db.scalars(sa.select(Reviewer.call_id).where(Reviewer.user_id == user.id)))
    if not call_ids:
        return None
    done = sa.select(Review.application_id).where(
        Review.reviewer_id == user.id,
        sa.or_(Review.conflict != "none", Review.submitted_at.is_not(None)))
    return db.scalar(sa.select(sa.func.count(Application.id)).where(
        Application.call_id.in_(call_ids), Application.status == "submitted",
        Application.id.not_in(done)))


@hookimpl
def hub_personal_data_tables():
    return ["grants_application", "grants_reviewer", "grants_review", "grants_agreement",
            "grants_report"]


@hookimpl
def hub_personal_data_export(request, user):
    db = request.dbsession
    applications = db.scalars(sa.select(Application).where(
        Application.applicant_id == user.id)).all()
    reviews = db.scalars(sa.select(Review).where(Review.reviewer_id == user.id)).all()
    appointed = db.scalars(sa.select(Reviewer).where(Reviewer.user_id == user.id)).all()
    accepted = db.scalars(sa.select(Agreement).where(Agreement.accepted_by_id == user.id)).all()
    reports = db.scalars(sa.select(Report).where(Report.submitted_by_id == user.id)).all()
    return {
        _("Grant applications I made"): [
            {"id": a.id, "call_id": a.call_id, "organisation": a.organisation.name,
             "title": a.title, "status": a.status, "amount_requested": str(a.amount_requested),
             "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None}
            for a in applications],
        _("Grant reviews"): [
            {"application_id": r.application_id, "conflict": r.conflict,
             "declared_at": r.declared_at.isoformat(), "comment": r.comment,
             "scores": {s.criterion_id: s.score for s in r.scores},
             "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None}
            for r in reviews] + [{"reviewer_of_call": x.call_id,
                                  "since": x.assigned_at.isoformat()} for x in appointed],
        _("Grant agreements I accepted"): [
            {"number": a.number, "application_id": a.application_id, "version": a.version,
             "accepted_at": a.accepted_at.isoformat(), "sha256": a.accepted_sha256}
            for a in accepted],
        _("Grant reports I submitted"): [
            {"application_id": r.application_id, "kind": r.kind, "status": r.status,
             "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None}
            for r in reports],
    }


@hookimpl
def hub_personal_data_erase(request, user):
    """Applications, agreements and reports belong to their organisations and reviews to
    the record of public money: all stay, without the person."""
    db = request.dbsession
    db.execute(sa.update(Application).where(Application.applicant_id == user.id)
               .values(applicant_id=None))
    db.execute(sa.update(Review).where(Review.reviewer_id == user.id).values(reviewer_id=None))
    db.execute(sa.delete(Reviewer).where(Reviewer.user_id == user.id))
    db.execute(sa.update(Agreement).where(Agreement.accepted_by_id == user.id)
               .values(accepted_by_id=None))
    db.execute(sa.update(Report).where(Report.submitted_by_id == user.id)
               .values(submitted_by_id=None))


@hookimpl
def hub_indicators(request, start, end):
    from hub_grants.indicators import indicators

    return indicators(request, start, end)


@hookimpl
def hub_openapi(request):
    from hub_grants.openapi import openapi

    return openapi()


@hookimpl
def hub_demo_data(dbsession, registry):
    from hub_grants.demo import demo_data

    demo_data(dbsession, registry)



@hookimpl
def hub_translations_missing(request):
    """Published calls still to come or open for applications without their English text."""
    from hub.translations import MissingTranslation

    found = []
    calls = request.dbsession.scalars(
        sa.select(Call).where(Call.published.is_(True), Call.deadline_at > utcnow())
        .order_by(Call.deadline_at, Call.id))
    for call in calls:
        fields = tuple(field for field in ("title", "description")
                       if (getattr(call, f"{field}_cs") or "").strip()
                       and not (getattr(call, f"{field}_en") or "").strip())
        if fields:
            found.append(MissingTranslation(
                kind=_("Grant call"), title=call.title_cs,
                url=request.route_path("grants.call_edit", id=call.id), fields=fields))
    return found
