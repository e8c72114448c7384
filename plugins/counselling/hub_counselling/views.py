"""The asker's pages: the question form, the personal link, My questions."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub import consent
from hub.dates import format_day, format_moment, language
from hub.i18n import translate
from hub.security import AUTHENTICATED, PUBLIC
from hub.shell import render_snippet
from hub_counselling import services
from hub_counselling.hooks import CASE_CONSENT, FAQ_CONSENT
from hub_counselling.i18n import _
from hub_counselling.models import CATEGORIES, Case


def flash(request, message, mapping=None) -> None:
    request.session.flash(translate(request, message, mapping), "success")


def base_values(request, **values) -> dict:
    lang = language(request)
    values.setdefault("errors", {})
    values.update(
        tr=lambda m, mapping=None: translate(request, m, mapping),
        category_labels=services.CATEGORY_LABELS, status_labels=services.STATUS_LABELS,
        when=lambda v: format_moment(v, lang), date=lambda v: format_day(v, lang))
    return values


@view_config(route_name="counselling.ask", renderer="hub_counselling:templates/ask.pt",
             permission=PUBLIC)
def ask(request):
    user = request.identity
    form = {"subject": "", "message": "", "email": "", "name": "", "category": ""}
    errors = {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        agreed = request.POST.get("consent") == "1"
        form["consent_version"] = request.POST.get("consent_version", "") if agreed else ""
        wait = services.too_many_questions(request, user.email if user else form["email"])
        if wait:
            request.response.status = 429
            errors["form"] = _("You have sent several questions in a short time. Please try "
                               "again in ${minutes} minutes.",
                               mapping={"minutes": max(1, wait // 60)})
        else:
            try:
                case = services.create_case(request, form, user, "form")
            except services.CaseError as exc:
                request.response.status = 422
                errors = exc.errors
            except consent.OutdatedText:
                request.response.status = 409
                errors["consent"] = _("The text of the consent has just changed. Read it "
                                      "again, please, and tick the box.")
            else:
                flash(request, _("Thank you. Your question has the reference ${reference}; "
                                 "we have sent you a confirmation by e-mail.",
                                 mapping={"reference": case.reference}))
                target = request.route_path("counselling.my_case", id=case.id) \
                    if user is not None else request.route_path("counselling.ask")
                return HTTPSeeOther(target)
    return base_values(
        request, form=form, errors=errors, categories=CATEGORIES, signed_in=user is not None,
        consent_text=CASE_CONSENT.text_in(language(request)),
        consent_version=CASE_CONSENT.text_version,
        reply_days=services.reply_days(request), breadcrumbs=[(_("Ask for advice"), None)])


def thread_page(request, case: Case, action: str, channel: str, user=None):
    """The asker's view of a case; POST adds their answer."""
    errors, body = {}, ""
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        # The consent is withdrawn; the hook of the ledger deletes the case at once. A case
        # moved from the CRM's enquiries has no consent in the ledger: it is deleted here.
        withdrawn = consent.withdraw(request, services.subject_of(case), services.PURPOSE,
                                     "form", object=services.object_of(case))
        if withdrawn is None:
            services.erase_case(request, case, "withdrawn")
        flash(request, _("Your consent was withdrawn and your question ${reference} deleted.",
                         mapping={"reference": case.reference}))
        return HTTPSeeOther(request.route_path("counselling.ask"))
    if request.method == "POST" and request.POST.get("action") in ("faq_allow", "faq_withdraw"):
        return faq_choice(request, case, action)
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            services.answer(request, case, body, channel, user)
        except services.CaseError as exc:
            request.response.status = 422
            errors = exc.errors
        else:
            flash(request, _("Your message was added to ${reference}.",
                             mapping={"reference": case.reference}))
            return HTTPSeeOther(action)
    return base_values(
        request, case=case, thread=services.public_thread(case), action=action, body=body,
        errors=errors, faq_allowed=consent.has_consent(
            request, services.subject_of(case), services.FAQ_PURPOSE,
            object=services.object_of(case)),
        faq_text=FAQ_CONSENT.text_in(language(request)),
        faq_version=FAQ_CONSENT.text_version, breadcrumbs=[(case.reference, None)])


def faq_choice(request, case: Case, action: str):
    """The asker allows or stops publishing their question, rewritten anonymously."""
    subject, where = services.subject_of(case), services.object_of(case)
    if request.POST["action"] == "faq_allow":
        try:
            consent.give(request, subject, services.FAQ_PURPOSE,
                         request.POST.get("consent_version", ""), "form", object=where)
        except consent.OutdatedText:
            request.session.flash(translate(request, _(
                "The text of the consent has changed meanwhile; read it again, please.")),
                "error")
            return HTTPSeeOther(action)
        flash(request, _("Thank you: counsellors may publish your question, rewritten so "
                         "that nobody can recognise you."))
    else:
        consent.withdraw(request, subject, services.FAQ_PURPOSE, "form", object=where)
        flash(request, _("Your question will not be published; if it was, it has been "
                         "removed."))
    return HTTPSeeOther(action)


@view_config(route_name="counselling.link", renderer="hub_counselling:templates/thread.pt",
             permission=PUBLIC)
def link(request):
    token = request.matchdict["token"]
    case = services.case_from_token(request.dbsession, token)
    if case is None:
        raise HTTPNotFound()
    request.response.headers["Referrer-Policy"] = "no-referrer"
    request.response.cache_control = "no-store"
    return thread_page(request, case, request.route_path("counselling.link", token=token),
                       "link")


@view_config(route_name="counselling.mine", renderer="hub_counselling:templates/mine.pt",
             permission=AUTHENTICATED)
def mine(request):
    return base_values(request, cases=services.cases_of_user(request, request.identity),
                       breadcrumbs=[(_("My questions"), None)])


@view_config(route_name="counselling.my_case", renderer="hub_counselling:templates/thread.pt",
             permission=AUTHENTICATED)
def my_case(request):
    user = request.identity
    case = request.dbsession.get(Case, int(request.matchdict["id"]))
    if case is None or case not in services.cases_of_user(request, user):
        raise HTTPNotFound()
    values = thread_page(request, case, request.route_path("counselling.my_case", id=case.id),
                         "my", user)
    if isinstance(values, dict):
        values["breadcrumbs"] = [(_("My questions"), request.route_path("counselling.mine")),
                                 (case.reference, None)]
    return values


def render_my_cases_widget(request):
    user = request.identity
    if user is None:
        return None
    cases = services.cases_of_user(request, user)[:5]
    if not cases:
        return None
    return render_snippet(request, "hub_counselling:templates/widget.pt",
                          base_values(request, cases=cases))
