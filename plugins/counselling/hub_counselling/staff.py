"""Counsellors' pages: the queue, a case, statistics, reply templates, who counsels.

A case's texts are shown only in answer to a POST (reading them is recorded in
``counselling_access`` in the same transaction); the queue and a case's GET page show
metadata alone, so reading pages never writes.
"""
from __future__ import annotations

import datetime as dt
import statistics

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.accounts.models import User
from hub.dates import format_day
from hub.db import utcnow
from hub.notifications import notify
from hub.params import is_id, page_param
from hub_counselling import faq, services
from hub_counselling.i18n import _
from hub_counselling.models import (
    CATEGORIES,
    LANGUAGES,
    STATUSES,
    Case,
    Counsellor,
    InboxMail,
    ReplyTemplate,
)
from hub_counselling.services import MANAGE, QUEUE
from hub_counselling.views import base_values, flash

PAGE_SIZE = 50


@view_config(route_name="counselling.queue", renderer="hub_counselling:templates/queue.pt",
             permission=QUEUE, request_method="GET")
def queue(request):
    db = request.dbsession
    filters = {k: request.GET.get(k, "") for k in ("category", "status", "assignee", "due")}
    stmt = sa.select(Case)
    if filters["category"] in CATEGORIES:
        stmt = stmt.where(Case.category == filters["category"])
    if filters["status"] in STATUSES:
        stmt = stmt.where(Case.status == filters["status"])
    elif filters["status"] != "all":
        stmt = stmt.where(Case.status != "closed")
    if filters["assignee"] == "me" and request.identity is not None:
        stmt = stmt.where(Case.assignee_id == request.identity.id)
    elif filters["assignee"] == "nobody":
        stmt = stmt.where(Case.assignee_id.is_(None))
    elif is_id(filters["assignee"]):
        stmt = stmt.where(Case.assignee_id == int(filters["assignee"]))
    if filters["due"] == "overdue":
        stmt = stmt.where(Case.due_at < utcnow(), Case.status.in_(("new", "open")))
    elif filters["due"] == "week":
        stmt = stmt.where(Case.due_at < utcnow() + dt.timedelta(days=7),
                          Case.status.in_(("new", "open")))
    page = page_param(request)
    total = db.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    cases = list(db.scalars(stmt.order_by(Case.due_at, Case.id)
                            .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return base_values(
        request, cases=cases, filters=filters, total=total, page=page,
        categories=CATEGORIES, statuses=STATUSES, staff=services.counsellors(request),
        now=utcnow(), can_read=services.can_read(request),
        breadcrumbs=[(_("Counselling"), None)])


def get_case(request) -> Case:
    case = request.dbsession.get(Case, int(request.matchdict["id"]))
    if case is None:
        raise HTTPNotFound()
    return case


def case_values(request, case: Case, texts: bool, errors=None, reply_body: str = ""):
    templates = list(request.dbsession.scalars(
        sa.select(ReplyTemplate).order_by(ReplyTemplate.language, ReplyTemplate.title)))
    return base_values(
        request, case=case, texts=texts, thread=case.messages if texts else [],
        errors=errors or {}, reply_body=reply_body, statuses=STATUSES,
        staff=services.counsellors(request), can_read=services.can_read(request),
        templates=templates, show_authors=True, crm_contact=crm_contact_url(request, case),
        faq_allowed=faq.has_faq_consent(request, case),
        breadcrumbs=[(_("Counselling"), request.route_path("counselling.queue")),
                     (case.reference, None)])


def crm_contact_url(request, case: Case) -> str | None:
    """The CRM's contacts with the asker's address, when the CRM is enabled."""
    if request.registry.introspector.get("routes", "crm.contacts") is None \
            or not request.has_permission("crm:contact:read"):
        return None
    return request.route_path("crm.contacts", _query={"q": case.email})


@view_config(route_name="counselling.case", renderer="hub_counselling:templates/case.pt",
             permission=QUEUE, request_method="GET")
def case_page(request):
    return case_values(request, get_case(request), texts=False)


@view_config(route_name="counselling.case", renderer="hub_counselling:templates/case.pt",
             permission=QUEUE, request_method="POST")
def case_action(request):
    """Read the texts (recorded), reply, note, hand over, change the state."""
    case = get_case(request)
    if not services.can_read(request):
        raise HTTPForbidden()
    action = request.POST.get("action", "read")
    user = request.identity
    here = request.route_path("counselling.case", id=case.id)
    reply_body = ""
    try:
        if action in ("reply", "reply_wait"):
            services.reply(request, case, request.POST.get("body", ""), user,
                           wait=action == "reply_wait")
            flash(request, _("The answer was sent to the asker."))
            return HTTPSeeOther(here)
        if action == "note":
            services.note(request, case, request.POST.get("body", ""), user)
            flash(request, _("The note was added."))
            return HTTPSeeOther(here)
        if action == "assign":
            return hand_over(request, case, here)
        if action == "status":
            status = request.POST.get("status", "")
            if status not in STATUSES:
                raise services.CaseError({"status": _("Choose a state.")})
            services.set_status(request, case, status)
            flash(request, _("The state was changed."))
            return HTTPSeeOther(here)
        if action == "template":
            template = request.dbsession.get(ReplyTemplate, int(request.POST["template"])) \
                if is_id(request.POST.get("template", "")) else None
            reply_body = template.body if template is not None else ""
    except services.CaseError as exc:
        request.response.status = 422
        services.audit(request, case, "read")
        return case_values(request, case, True, exc.errors, request.POST.get("body", ""))
    services.audit(request, case, "read")
    return case_values(request, case, True, reply_body=reply_body)


def hand_over(request, case: Case, here: str):
    raw = request.POST.get("assignee", "")
    allowed = {u.id: u for u in services.counsellors(request)}
    if raw and not (is_id(raw) and int(raw) in allowed):
        raise services.CaseError({"assignee": _("Choose a counsellor.")})
    assignee = allowed.get(int(raw)) if raw else None
    services.hand_over(request, case, assignee.id if assignee else None)
    if assignee is not None and assignee.id != request.identity.id:
        notify(request, assignee, "counselling.handed_over",
               _("Counselling case ${reference} was handed over to you"),
               _("Please take care of it by ${due}."),
               url=request.route_url("counselling.case", id=case.id),
               mapping={"reference": case.reference,
                        "due": format_day(case.due_at, assignee.language)})
    flash(request, _("The case was handed over."))
    return HTTPSeeOther(here)


# -- statistics ---------------------------------------------------------------------------

def case_statistics(request) -> dict:
    """Cases by category and month, median days to the first reply, share answered in time."""
    db = request.dbsession
    rows = db.execute(sa.select(Case.category, Case.created_at, Case.due_at,
                                Case.first_reply_at)).all()
    by_month: dict[str, dict[str, int]] = {}
    waits, in_time, counted = [], 0, 0
    now = utcnow()
    for category, created, due, first in rows:
        month = f"{created.year}-{created.month:02d}"
        by_month.setdefault(month, dict.fromkeys(CATEGORIES, 0))[category] += 1
        if first is not None:
            waits.append((first - created).total_seconds() / 86400)
        if first is not None or due < now:  # decided: answered, or past due without one
            counted += 1
            in_time += first is not None and first <= due
    return {"months": sorted(by_month.items(), reverse=True),
            "median_days": round(statistics.median(waits), 1) if waits else None,
            "in_time_share": round(100 * in_time / counted) if counted else None,
            "total": len(rows)}


@view_config(route_name="counselling.stats", renderer="hub_counselling:templates/stats.pt",
             permission=QUEUE, request_method="GET")
def stats(request):
    return base_values(request, stats=case_statistics(request), categories=CATEGORIES,
                       breadcrumbs=[(_("Counselling"), request.route_path("counselling.queue")),
                                    (_("Statistics"), None)])


# -- reply templates and counsellors ------------------------------------------------------

@view_config(route_name="counselling.templates",
             renderer="hub_counselling:templates/templates.pt", permission=MANAGE)
def templates(request):
    db = request.dbsession
    form = {"title": "", "language": "cs", "body": ""}
    errors = {}
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        if not form["title"] or len(form["title"]) > 200:
            errors["title"] = _("Enter a title of at most 200 characters.")
        if form["language"] not in LANGUAGES:
            errors["language"] = _("Choose a language.")
        if not form["body"]:
            errors["body"] = _("Write the text.")
        if not errors:
            db.add(ReplyTemplate(**form))
            flash(request, _("The template was saved."))
            return HTTPSeeOther(request.route_path("counselling.templates"))
        request.response.status = 422
    items = list(db.scalars(sa.select(ReplyTemplate).order_by(ReplyTemplate.language,
                                                              ReplyTemplate.title)))
    return base_values(request, items=items, form=form, errors=errors, languages=LANGUAGES,
                       breadcrumbs=[(_("Counselling"), request.route_path("counselling.queue")),
                                    (_("Reply templates"), None)])


@view_config(route_name="counselling.template_delete", permission=MANAGE, request_method="POST")
def template_delete(request):
    item = request.dbsession.get(ReplyTemplate, int(request.matchdict["id"]))
    if item is None:
        raise HTTPNotFound()
    request.dbsession.delete(item)
    flash(request, _("The template was deleted."))
    return HTTPSeeOther(request.route_path("counselling.templates"))


@view_config(route_name="counselling.counsellors",
             renderer="hub_counselling:templates/counsellors.pt", permission=MANAGE)
def counsellors(request):
    db = request.dbsession
    if request.method == "POST":
        raw = request.POST.get("user", "")
        user = db.get(User, int(raw)) if is_id(raw) else None
        if user is None or user.role != "staff":
            raise HTTPNotFound()
        existing = db.get(Counsellor, user.id)
        if request.POST.get("action") == "revoke":
            if existing is not None:
                db.delete(existing)
        elif existing is None:
            db.add(Counsellor(user_id=user.id, granted_by_id=request.identity.id))
        flash(request, _("Saved."))
        return HTTPSeeOther(request.route_path("counselling.counsellors"))
    granted = set(db.scalars(sa.select(Counsellor.user_id)))
    staff = list(db.scalars(sa.select(User).where(User.role == "staff", User.is_active)
                            .order_by(User.name)))
    return base_values(request, staff=staff, granted=granted,
                       breadcrumbs=[(_("Counselling"), request.route_path("counselling.queue")),
                                    (_("Counsellors"), None)])


# -- the staff inbox: mail that named no case ---------------------------------------------

REASON_LABELS = {
    "unmatched": _("No reference"),
    "forged": _("Reference from another address"),
    "closed": _("The case is closed"),
    "automatic": _("Sent automatically"),
}


@view_config(route_name="counselling.inbox", renderer="hub_counselling:templates/inbox.pt",
             permission=QUEUE)
def inbox(request):
    """Counsellors attach mail of the counselling mailbox to a case or delete it."""
    if not services.can_read(request):
        raise HTTPForbidden()
    db = request.dbsession
    errors = {}
    if request.method == "POST":
        raw = request.POST.get("mail", "")
        mail = db.get(InboxMail, int(raw)) if is_id(raw) else None
        if mail is None:
            raise HTTPNotFound()
        here = request.route_path("counselling.inbox")
        if request.POST.get("action") == "delete":
            db.delete(mail)
            flash(request, _("The mail was deleted."))
            return HTTPSeeOther(here)
        reference = request.POST.get("reference", "").strip().upper()
        case = db.scalar(sa.select(Case).where(Case.reference == reference)) \
            if reference else None
        if case is None:
            request.response.status = 422
            errors[f"reference-{mail.id}"] = _("Enter the reference of an existing case, "
                                               "like PH-2026-00042.")
        else:
            services.attach_mail(request, case, mail)
            flash(request, _("The mail was added to ${reference}.",
                             mapping={"reference": case.reference}))
            return HTTPSeeOther(here)
    items = list(db.scalars(sa.select(InboxMail).order_by(InboxMail.received_at.desc())
                            .limit(200)))
    return base_values(request, items=items, errors=errors, reason_labels=REASON_LABELS,
                       breadcrumbs=[(_("Counselling"), request.route_path("counselling.queue")),
                                    (_("Inbox"), None)])
