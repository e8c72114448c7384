"""JSON API under ``/api/v1/grants``: calls, drafts, submission, reviews, decisions."""
from __future__ import annotations

from pyramid.view import view_config

from hub.api import api_error, json_body
from hub.api.collections import collection, collection_of, read_paging
from hub.organizations.models import Organisation
from hub.security import PUBLIC
from hub_grants import evaluation, services
from hub_grants.i18n import _
from hub_grants.models import Application, Call
from hub_grants.services import APPLY, MANAGE, REVIEW, GrantError

LIST_PAGE = 100
CODES = {403: "forbidden", 404: "not_found", 409: "conflict", 422: "validation_failed"}


def refused(request, exc: GrantError):
    translate = request.localizer.translate
    message = next(iter(exc.errors.values()))
    return api_error(exc.status, CODES.get(exc.status, "validation_failed"), translate(message),
                     fields={k: translate(v) for k, v in exc.errors.items()})


def call_json(call: Call) -> dict:
    return {
        "id": call.id, "title": {"cs": call.title_cs, "en": call.title_en},
        "description": {"cs": call.description_cs, "en": call.description_en},
        "eligible_kinds": call.eligible_kinds, "budget": str(call.budget),
        "max_amount": str(call.max_amount),
        "cofinancing_percent": str(call.cofinancing_percent), "currency": "CZK",
        "opens_at": call.opens_at.isoformat(), "deadline_at": call.deadline_at.isoformat(),
        "evaluation_until": call.evaluation_until.isoformat() if call.evaluation_until else None,
        "decision_by": call.decision_by.isoformat() if call.decision_by else None,
        "multiple_per_organisation": call.multiple_per_organisation,
        "published": call.published, "phase": services.phase(call),
        "criteria": [{"id": c.id, "name": {"cs": c.name_cs, "en": c.name_en},
                      "weight": str(c.weight), "max_score": c.max_score} for c in call.criteria],
        "documents": call.documents, "questions": call.questions, "faq": call.faq,
    }


def application_json(application: Application) -> dict:
    return {"id": application.id, "call_id": application.call_id,
            "organisation_id": application.organisation_id, "title": application.title,
            "summary": application.summary, "status": application.status,
            "amount_requested": str(application.amount_requested),
            "total_cost": str(application.total_cost),
            "submitted_at": application.submitted_at.isoformat()
            if application.submitted_at else None,
            "approved_amount": str(application.approved_amount)
            if application.approved_amount is not None else None}


def _get(request, model, message):
    obj = request.dbsession.get(model, int(request.matchdict["id"]))
    if obj is None:
        raise api_error(404, "not_found", request.localizer.translate(message))
    return obj


@view_config(route_name="grants.api.calls", request_method="GET", renderer="json",
             permission=PUBLIC)
def calls(request):
    return collection_of([call_json(c) for c in services.published_calls(request)],
                         read_paging(request, LIST_PAGE))


@view_config(route_name="grants.api.calls", request_method="POST", renderer="json",
             permission=MANAGE)
def create_call(request):
    body = json_body(request)
    body.setdefault("description_cs", body.get("description_cs") or "")
    try:
        call = services.save_call(request, None, body)
        if body.get("published") is True:
            services.set_published(request, call, True)
    except GrantError as exc:
        return refused(request, exc)
    request.response.status = 201
    return call_json(call)


@view_config(route_name="grants.api.applications", request_method="POST", renderer="json",
             permission=APPLY)
def create_application(request):
    call = _get(request, Call, _("No call with this id."))
    if not call.published:
        return api_error(404, "not_found", request.localizer.translate(_("No call with this id.")))
    body = json_body(request)
    organisations = services.represented(request, request.identity)
    wanted = body.get("organisation_id")
    if wanted is None and len(organisations) == 1:
        organisation = organisations[0]
    else:
        organisation = request.dbsession.get(Organisation, wanted) \
            if isinstance(wanted, int) and not isinstance(wanted, bool) and 0 < wanted < 2**31 \
            else None
        if organisation is None:
            return api_error(422, "validation_failed", request.localizer.translate(
                _("Give organisation_id: the organisation you apply for.")),
                fields={"organisation_id": "required"})
    data = {k: body[k] for k in ("title", "summary", "amount_requested") if k in body}
    if not all(isinstance(v, str | int | float) and not isinstance(v, bool)
               for v in data.values()):
        return api_error(422, "validation_failed", request.localizer.translate(
            _("title and summary are texts; amount_requested is an amount.")))
    data = {k: str(v) for k, v in data.items()}
    try:
        application = services.create_application(request, call, organisation, data)
    except GrantError as exc:
        return refused(request, exc)
    request.response.status = 201
    request.response.headers["Location"] = request.route_url("grants.application",
                                                             id=application.id)
    return application_json(application)


@view_config(route_name="grants.api.submit", request_method="POST", renderer="json",
             permission=APPLY)
def submit(request):
    application = _get(request, Application, _("No application with this id."))
    if not services.may_edit(request, application):
        return api_error(404, "not_found", request.localizer.translate(
            _("No application with this id.")))
    try:
        services.submit(request, application)
    except GrantError as exc:
        return refused(request, exc)
    return application_json(application)


@view_config(route_name="grants.api.reviews", request_method="POST", renderer="json",
             permission=REVIEW)
def review(request):
    """Body: ``{"conflict_of_interest": false, "scores": [{"criterion_id", "score",
    "comment"}], "comment"}``; a conflict ends there (no application is shown)."""
    application = _get(request, Application, _("No application with this id."))
    if application.status == "draft" or not evaluation.is_reviewer(
            request, application.call_id, request.identity):
        return api_error(404, "not_found", request.localizer.translate(
            _("No application with this id.")))
    body = json_body(request)
    conflict = body.get("conflict_of_interest")
    if not isinstance(conflict, bool):
        return api_error(422, "validation_failed", request.localizer.translate(
            _("Declare conflict_of_interest: true or false.")),
            fields={"conflict_of_interest": "required"})
    try:
        mine = evaluation.review_of(request, application, request.identity)
        if mine is None:
            mine = evaluation.declare(request, application, conflict, str(body.get("note", "")))
        if mine.conflict != "none":
            request.response.status = 201
            return {"id": mine.id, "conflict_of_interest": True, "submitted": False}
        items = body.get("scores")
        if not isinstance(items, list):
            return api_error(422, "validation_failed", request.localizer.translate(
                _("Give scores: a list of criterion_id and score.")), fields={"scores": "required"})
        scores = {i.get("criterion_id"): (i.get("score"), str(i.get("comment") or ""))
                  for i in items if isinstance(i, dict)}
        evaluation.score(request, mine, application, scores, str(body.get("comment") or ""))
    except GrantError as exc:
        return refused(request, exc)
    request.response.status = 201
    return {"id": mine.id, "conflict_of_interest": False, "submitted": True,
            "total": str(evaluation.review_total(mine, application.call.criteria))}


@view_config(route_name="grants.api.decision", request_method="POST", renderer="json",
             permission=MANAGE)
def decision(request):
    application = _get(request, Application, _("No application with this id."))
    body = json_body(request)
    if application.status in ("approved", "rejected"):
        return api_error(409, "conflict", request.localizer.translate(
            _("The application has been decided already.")))
    try:
        evaluation.decide(request, application, body.get("approved"), body.get("amount"),
                        body.get("reason"))
    except GrantError as exc:
        return refused(request, exc)
    return application_json(application) | {"decision_reason": application.decision_reason}


@view_config(route_name="grants.api.awarded", request_method="GET", renderer="json",
             permission=PUBLIC)
def awarded(request):
    paging = read_paging(request, LIST_PAGE)
    rows = evaluation.awarded(request)
    return collection([{"organisation": a.organisation.name, "project": a.title,
                        "amount": str(a.approved_amount), "currency": "CZK",
                        "year": evaluation.decision_year(a), "call_id": a.call_id}
                       for a in rows[paging.offset:paging.offset + paging.limit]],
                      len(rows), paging)

