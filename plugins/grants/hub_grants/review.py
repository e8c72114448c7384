"""Reviewers' pages: the declaration first, then the application and the scoring form.

Other reviewers' scores are shown only to a reviewer who has submitted their own, so
nobody anchors on another's numbers.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub_grants import evaluation, services
from hub_grants.i18n import _
from hub_grants.models import Application, Reviewer
from hub_grants.services import REVIEW, GrantError
from hub_grants.views import base_values, flash


def may_read(request, application: Application) -> bool:
    """Staff, and reviewers of the call who declared no conflict for this application."""
    if request.has_permission(services.MANAGE):
        return True
    user = request.identity
    if user is None or application.status == "draft" \
            or not evaluation.is_reviewer(request, application.call_id, user):
        return False
    review = evaluation.review_of(request, application, user)
    return review is not None and review.conflict == "none"


@view_config(route_name="grants.reviews", renderer="hub_grants:templates/reviews.pt",
             permission=REVIEW)
def reviews(request):
    user = request.identity
    call_ids = list(request.dbsession.scalars(
        sa.select(Reviewer.call_id).where(Reviewer.user_id == user.id)))
    applications = request.dbsession.scalars(
        sa.select(Application).where(Application.call_id.in_(call_ids),
                                     Application.status != "draft")
        .order_by(Application.call_id, Application.id)).all() if call_ids else []
    states = {a.id: evaluation.review_of(request, a, user) for a in applications}
    return base_values(request, applications=applications, states=states,
                       breadcrumbs=[(_("Applications to review"), None)])


def scores_from_post(request, application) -> dict:
    return {c.id: (request.POST.get(f"score_{c.id}", "").strip(),
                   request.POST.get(f"comment_{c.id}", "")) for c in application.call.criteria}


@view_config(route_name="grants.review", renderer="hub_grants:templates/review.pt",
             permission=REVIEW)
def review(request):
    user = request.identity
    application = request.dbsession.get(Application, int(request.matchdict["id"]))
    if application is None or application.status == "draft" \
            or not evaluation.is_reviewer(request, application.call_id, user):
        raise HTTPNotFound()
    mine = evaluation.review_of(request, application, user)
    errors: dict = {}
    here = request.route_path("grants.review", id=application.id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "declare" and mine is None:
                choice = request.POST.get("conflict")
                if choice not in ("none", "conflict"):
                    raise GrantError({"conflict": _("Choose one of the two declarations.")})
                mine = evaluation.declare(request, application, choice == "conflict",
                                        request.POST.get("note", ""))
                flash(request, _("Your declaration was recorded."))
                return HTTPSeeOther(here)
            if action == "score" and mine is not None:
                evaluation.score(request, mine, application, scores_from_post(request, application),
                               request.POST.get("comment", ""))
                flash(request, _("Your scores were recorded."))
                return HTTPSeeOther(here)
            raise GrantError({"form": _("This step is not available.")}, 409)
        except GrantError as exc:
            request.response.status = exc.status
            errors = exc.errors
    others = []
    if mine is not None and mine.submitted_at is not None:
        others = [r for r in evaluation.reviews_of(request, application)
                  if r.id != mine.id and r.submitted_at is not None]
    criteria = application.call.criteria
    return base_values(
        request, application=application, call=application.call, mine=mine, errors=errors,
        show=mine is not None and mine.conflict == "none", others=others, criteria=criteria,
        total=lambda r: evaluation.review_total(r, criteria),
        posted={k: v for k, v in request.POST.items()} if request.method == "POST" else {},
        breadcrumbs=[(_("Applications to review"), request.route_path("grants.reviews")),
                     (application.title, None)])
