"""Staff pages: calls (edit, publish, reviewers), ranking, the committee's decision."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.dates import language, local_input
from hub.organizations.models import KINDS
from hub_grants import evaluation, services
from hub_grants.forms import rows_from_post, with_blank
from hub_grants.i18n import _
from hub_grants.models import QUESTION_TYPES, Application, Call, GrantEvent, Reviewer
from hub_grants.services import MANAGE, GrantError
from hub_grants.views import base_values, flash, get_call

LABELS = {
    "title_cs": _("Title in Czech"), "title_en": _("Title in English"),
    "description_cs": _("Description in Czech"), "description_en": _("Description in English"),
    "budget": _("Budget of the call (CZK)"), "max_amount": _("At most per application (CZK)"),
    "cofinancing_percent": _("Own sources at least (% of the total cost)"),
    "opens_at": _("Applications from (Prague time)"), "deadline_at": _("Deadline (Prague time)"),
    "evaluation_until": _("Evaluation until"), "decision_by": _("Decision by"),
    "criteria": _("Evaluation criteria"), "documents": _("Documents to attach"),
    "questions": _("Extra questions"), "faq": _("Frequently asked questions"),
}
HINTS = {
    "criteria": _("Reviewers score each criterion from 0 to its maximum; the weight is its "
                  "share of the total."),
    "questions": _("The key names the answer in exports (small letters, digits, _). For a "
                   "choice, write one choice a line."),
}
GROUPS = {
    "criteria": ("name_cs", "name_en", "weight", "max_score"),
    "documents": ("cs", "en"),
    "questions": ("key", "type", "cs", "en", "choices"),
    "faq": ("q_cs", "a_cs", "q_en", "a_en"),
}
FLAGS = {"questions": ("required",)}
FIELD_LABELS = {
    "name_cs": _("Name in Czech"), "name_en": _("Name in English"), "weight": _("Weight"),
    "max_score": _("Maximum score"), "cs": _("In Czech"), "en": _("In English"),
    "key": _("Key"), "type": _("Type"), "choices": _("Choices (one a line)"),
    "required": _("An answer is required"), "q_cs": _("Question in Czech"),
    "a_cs": _("Answer in Czech"), "q_en": _("Question in English"),
    "a_en": _("Answer in English"),
}
ROW_LABELS = {"criteria": _("Criterion"), "documents": _("Document"),
              "questions": _("Question"), "faq": _("Question and answer")}
ADD_LABELS = {"criteria": _("Add a criterion"), "documents": _("Add a document"),
              "questions": _("Add a question"), "faq": _("Add a question and answer")}
TEXTS = ("title_cs", "title_en", "description_cs", "description_en", "budget", "max_amount",
         "cofinancing_percent", "opens_at", "deadline_at", "evaluation_until", "decision_by")


def form_from_post(post) -> dict:
    """The call form as typed: texts, kinds, and the repeating groups' rows."""
    form = {k: post.get(k, "") for k in TEXTS}
    form["eligible_kinds"] = post.getall("eligible_kinds")
    form["multiple_per_organisation"] = post.get("multiple_per_organisation") == "1"
    for group, fields in GROUPS.items():
        form[group] = rows_from_post(post, group, fields, FLAGS.get(group, ()),
                                     preset=("type",))
    return form


def form_to_data(form: dict) -> dict:
    """The typed form in the shape ``services.check_call`` (and the API) takes."""
    data = {k: form.get(k, "") for k in TEXTS}
    data.update(eligible_kinds=form["eligible_kinds"],
                multiple_per_organisation=form["multiple_per_organisation"],
                criteria=[dict(row) for row in form["criteria"]],
                documents=[dict(row) for row in form["documents"]],
                faq=[dict(row) for row in form["faq"]],
                questions=[{**row, "choices": [c.strip() for c in row["choices"].splitlines()
                                               if c.strip()]} for row in form["questions"]])
    return data


def call_to_form(call: Call | None) -> dict:
    if call is None:
        return {"eligible_kinds": ["patient_organisation"], "cofinancing_percent": "10",
                "multiple_per_organisation": False, "criteria": [], "documents": [],
                "questions": [], "faq": []}
    return {
        "title_cs": call.title_cs, "title_en": call.title_en,
        "description_cs": call.description_cs, "description_en": call.description_en,
        "eligible_kinds": call.eligible_kinds, "budget": f"{call.budget:.2f}",
        "max_amount": f"{call.max_amount:.2f}",
        "cofinancing_percent": f"{call.cofinancing_percent.normalize():f}",
        "opens_at": local_input(call.opens_at),
        "deadline_at": local_input(call.deadline_at),
        "evaluation_until": call.evaluation_until.isoformat() if call.evaluation_until else "",
        "decision_by": call.decision_by.isoformat() if call.decision_by else "",
        "multiple_per_organisation": call.multiple_per_organisation,
        "criteria": [{"name_cs": c.name_cs, "name_en": c.name_en,
                      "weight": f"{c.weight.normalize():f}", "max_score": str(c.max_score)}
                     for c in call.criteria],
        "documents": [{"cs": d["cs"], "en": d.get("en", "")} for d in call.documents or []],
        "questions": [{"key": q["key"], "type": q["type"], "cs": q["cs"], "en": q.get("en", ""),
                       "choices": "\n".join(q.get("choices") or []),
                       "required": bool(q.get("required"))} for q in call.questions or []],
        "faq": [{k: f.get(k, "") for k in GROUPS["faq"]} for f in call.faq or []],
    }


def form_rows(form: dict, extra: dict) -> dict:
    """Each group's rows to show: those typed and empty ones to fill in (one, or more after
    "Add")."""
    return {group: with_blank(form.get(group) or [], fields, extra.get(group, 1),
                              {"type": "text", "required": True} if group == "questions"
                              else None)
            for group, fields in GROUPS.items()}


@view_config(route_name="grants.staff", renderer="hub_grants:templates/staff.pt",
             permission=MANAGE)
def staff(request):
    calls = request.dbsession.scalars(sa.select(Call).order_by(Call.deadline_at.desc())).all()
    return base_values(request, calls=calls, breadcrumbs=[(_("Grant calls"), None)])


@view_config(route_name="grants.call_new", renderer="hub_grants:templates/call_form.pt",
             permission=MANAGE)
@view_config(route_name="grants.call_edit", renderer="hub_grants:templates/call_form.pt",
             permission=MANAGE)
def call_form(request):
    call = get_call(request, published_only=False) if "id" in request.matchdict else None
    form, errors, extra = call_to_form(call), {}, {}
    if request.method == "POST":
        form = form_from_post(request.POST)
        added = request.POST.get("add")
        if added in GROUPS:
            # Another empty row; nothing is saved yet.
            extra[added] = 2
        else:
            try:
                call = services.save_call(request, call, form_to_data(form))
            except GrantError as exc:
                request.response.status = exc.status
                errors = exc.errors
            else:
                flash(request, _("The call was saved."))
                return HTTPSeeOther(request.route_path("grants.call_staff", id=call.id))
    return base_values(request, call=call, form=form, errors=errors, kinds=KINDS,
                       labels=LABELS, hints=HINTS, rows=form_rows(form, extra), groups=GROUPS,
                       flags=FLAGS, field_labels=FIELD_LABELS, row_labels=ROW_LABELS,
                       add_labels=ADD_LABELS, types=QUESTION_TYPES,
                       type_labels=services.TYPE_LABELS,
                       breadcrumbs=[(_("Grant calls"), request.route_path("grants.staff")),
                                    (_("Call"), None)])


def invitation_hook(request):
    """The hook caller when an enabled plugin (the newsletter) implements it, else None."""
    hook = request.hooks.hub_grants_call_invitation
    return hook if hook.get_hookimpls() else None


@view_config(route_name="grants.call_staff", renderer="hub_grants:templates/call_staff.pt",
             permission=MANAGE)
def call_staff(request):
    call = get_call(request, published_only=False)
    errors: dict = {}
    here = request.route_path("grants.call_staff", id=call.id)
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("publish", "unpublish"):
            services.set_published(request, call, action == "publish")
            flash(request, _("The call is published.") if call.published
                  else _("The call is no longer published."))
            return HTTPSeeOther(here)
        if action == "reviewer":
            try:
                evaluation.assign_reviewer(request, call, request.POST.get("email", ""),
                                         request.POST.get("name", ""))
            except GrantError as exc:
                request.response.status = exc.status
                errors = exc.errors
            else:
                flash(request, _("The reviewer was appointed and told by e-mail."))
                return HTTPSeeOther(here)
        if action == "invite":
            target = invitation_hook(request)(request=request, call=call) \
                if invitation_hook(request) is not None and call.published else None
            if target:
                services.audit(request, "invitation_prepared", call_id=call.id)
                return HTTPSeeOther(target)
            raise HTTPNotFound()
    reviewers = request.dbsession.scalars(
        sa.select(Reviewer).where(Reviewer.call_id == call.id)).all()
    events = request.dbsession.scalars(
        sa.select(GrantEvent).where(GrantEvent.call_id == call.id)
                                       .order_by(GrantEvent.at.desc(), GrantEvent.id.desc())
                                       .limit(100)).all()
    drafts = request.dbsession.scalar(sa.select(sa.func.count()).where(
        Application.call_id == call.id, Application.status == "draft"))
    return base_values(
        request, call=call, ranking=evaluation.ranking(request, call), reviewers=reviewers,
        events=events, errors=errors, drafts=drafts,
        awarded_total=evaluation.awarded_total(request, call),
        can_invite=invitation_hook(request) is not None,
        breadcrumbs=[(_("Grant calls"), request.route_path("grants.staff")),
                     (call.text("title", language(request)), None)])


@view_config(route_name="grants.decision", renderer="hub_grants:templates/decision.pt",
             permission=MANAGE)
def decision(request):
    application = request.dbsession.get(Application, int(request.matchdict["id"]))
    if application is None or application.status == "draft":
        raise HTTPNotFound()
    errors: dict = {}
    form = {"approved": "", "amount": f"{application.amount_requested:.2f}", "reason": ""}
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("approved", "amount", "reason")}
        approved = {"yes": True, "no": False}.get(form["approved"])
        try:
            if application.status != "submitted":
                raise GrantError({"approved": _("The application has been decided already.")},
                                 409)
            evaluation.decide(request, application, approved, form["amount"], form["reason"])
        except GrantError as exc:
            request.response.status = exc.status
            errors = exc.errors
        else:
            flash(request, _("The decision was recorded and the applicant told by e-mail."))
            return HTTPSeeOther(request.route_path("grants.call_staff", id=application.call_id))
    reviews = evaluation.reviews_of(request, application)
    criteria = application.call.criteria
    return base_values(
        request, application=application, call=application.call, reviews=reviews,
        criteria=criteria, total=lambda r: evaluation.review_total(r, criteria), form=form,
        errors=errors,
        breadcrumbs=[(_("Grant calls"), request.route_path("grants.staff")),
                     (application.call.text("title", language(request)),
                      request.route_path("grants.call_staff", id=application.call_id)),
                     (application.title, None)])
