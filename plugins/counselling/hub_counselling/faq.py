"""Frequently asked questions: counsellors publish a question and its answer, rewritten so
that nobody can be recognised, when the asker allowed it (consent ``counselling.faq`` on
the case). Withdrawing that consent, or the case's, removes the entry at once.

The form to publish never shows the case's texts (reading them stays a recorded action on
the case page); the counsellor writes the anonymous version.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub import consent, dates
from hub.security import PUBLIC
from hub_counselling import services
from hub_counselling.i18n import _
from hub_counselling.models import CATEGORIES, Case, FaqEntry
from hub_counselling.services import FAQ_PURPOSE, QUEUE
from hub_counselling.views import base_values, flash

FIELDS = ("question_cs", "answer_cs", "question_en", "answer_en")
MAX_QUESTION = 1000
MAX_ANSWER = 20_000


def has_faq_consent(request, case: Case) -> bool:
    return consent.has_consent(request, services.subject_of(case), FAQ_PURPOSE,
                               object=services.object_of(case))


def remove_entries_of(request, source: str) -> int:
    """Delete the entries published from the case ``source`` names (``case:<id>``)."""
    entries = request.dbsession.scalars(sa.select(FaqEntry).where(FaqEntry.source == source))
    count = 0
    for entry in entries:
        request.dbsession.delete(entry)
        count += 1
    request.dbsession.flush()
    return count


def read_form(request, form: dict) -> dict:
    """Errors of the FAQ form, by field."""
    errors = {}
    if form["category"] not in CATEGORIES:
        errors["category"] = _("Choose a category.")
    for language in ("cs", "en"):
        question, answer = form[f"question_{language}"], form[f"answer_{language}"]
        if len(question) > MAX_QUESTION:
            errors[f"question_{language}"] = _("The question is too long.")
        if len(answer) > MAX_ANSWER:
            errors[f"answer_{language}"] = _("The answer is too long.")
        if bool(question) != bool(answer):
            missing = f"answer_{language}" if question else f"question_{language}"
            errors.setdefault(missing, _("Write both the question and the answer in this "
                                         "language, or neither."))
    if not errors and not any(form[f] for f in FIELDS):
        errors["question_cs"] = _("Write the question and the answer in Czech, English or "
                                  "both.")
    return errors


def _form_of(request, entry: FaqEntry | None, category: str = "") -> dict:
    if request.method == "POST":
        return {k: request.POST.get(k, "").strip() for k in ("category", *FIELDS)}
    if entry is None:
        return {"category": category, **dict.fromkeys(FIELDS, "")}
    return {"category": entry.category, **{f: getattr(entry, f) for f in FIELDS}}


def _staff_breadcrumbs(request, last):
    return [(_("Counselling"), request.route_path("counselling.queue")),
            (_("Frequently asked questions"), request.route_path("counselling.faq_staff")),
            (last, None)]


@view_config(route_name="counselling.faq", renderer="hub_counselling:templates/faq.pt",
             permission=PUBLIC, request_method="GET", cache_tables=("counselling_faq",))
def public_list(request):
    language = dates.language(request)
    entries = list(request.dbsession.scalars(sa.select(FaqEntry).order_by(
        FaqEntry.category, FaqEntry.created_at.desc(), FaqEntry.id.desc())))
    groups = [(category, [e for e in entries if e.category == category])
              for category in CATEGORIES]
    return base_values(request, groups=[g for g in groups if g[1]], language=language,
                       breadcrumbs=[(_("Ask for advice"), request.route_path("counselling.ask")),
                                    (_("Frequently asked questions"), None)])


@view_config(route_name="counselling.faq_staff",
             renderer="hub_counselling:templates/faq_staff.pt", permission=QUEUE,
             request_method="GET")
def staff_list(request):
    entries = list(request.dbsession.scalars(sa.select(FaqEntry).order_by(
        FaqEntry.created_at.desc(), FaqEntry.id.desc())))
    return base_values(request, entries=entries, can_read=services.can_read(request),
                       breadcrumbs=[(_("Counselling"), request.route_path("counselling.queue")),
                                    (_("Frequently asked questions"), None)])


@view_config(route_name="counselling.faq_new", renderer="hub_counselling:templates/faq_edit.pt",
             permission=QUEUE)
def new_entry(request):
    """Publish an entry from a case whose asker allowed it (counsellors only)."""
    if not services.can_read(request):
        raise HTTPForbidden()
    case = request.dbsession.get(Case, int(request.matchdict["id"]))
    if case is None:
        raise HTTPNotFound()
    if not has_faq_consent(request, case):
        return base_values(request, case=case, entry=None, form=None, errors={},
                           allowed=False, categories=CATEGORIES,
                           breadcrumbs=_staff_breadcrumbs(request, case.reference))
    form = _form_of(request, None, case.category)
    errors = {}
    if request.method == "POST":
        errors = read_form(request, form)
        if not errors:
            entry = FaqEntry(source=services.object_of(case), created_by_id=request.identity.id,
                             **form)
            request.dbsession.add(entry)
            request.dbsession.flush()
            services.audit(request, case, "faq_published")
            flash(request, _("The question was published among the frequently asked "
                             "questions."))
            return HTTPSeeOther(request.route_path("counselling.faq_staff"))
        request.response.status = 422
    return base_values(request, case=case, entry=None, form=form, errors=errors, allowed=True,
                       categories=CATEGORIES,
                       breadcrumbs=_staff_breadcrumbs(request, case.reference))


@view_config(route_name="counselling.faq_edit", renderer="hub_counselling:templates/faq_edit.pt",
             permission=QUEUE)
def edit_entry(request):
    if not services.can_read(request):
        raise HTTPForbidden()
    entry = request.dbsession.get(FaqEntry, int(request.matchdict["id"]))
    if entry is None:
        raise HTTPNotFound()
    if request.method == "POST" and request.POST.get("action") == "delete":
        request.dbsession.delete(entry)
        flash(request, _("The question was removed from the frequently asked questions."))
        return HTTPSeeOther(request.route_path("counselling.faq_staff"))
    form = _form_of(request, entry)
    errors = {}
    if request.method == "POST":
        errors = read_form(request, form)
        if not errors:
            for key, value in form.items():
                setattr(entry, key, value)
            flash(request, _("The changes were saved."))
            return HTTPSeeOther(request.route_path("counselling.faq_staff"))
        request.response.status = 422
    return base_values(request, case=None, entry=entry, form=form, errors=errors, allowed=True,
                       categories=CATEGORIES,
                       breadcrumbs=_staff_breadcrumbs(request, _("Edit the question")))
