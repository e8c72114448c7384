"""The feedback form (anyone) and the staff's list and handling of the reports."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import time
from urllib.parse import urlsplit

import sqlalchemy as sa
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.accounts.forms import Field, Form, local_datetime
from hub.accounts.models import User
from hub.db import utcnow
from hub.feedback import FEEDBACK_KIND
from hub.feedback.models import STATUSES, AccessibilityFeedback
from hub.i18n import _
from hub.security import PUBLIC, STAFF

# A person needs at least this long to fill in the form; a signed timestamp proves it.
MIN_SECONDS = 3
MAX_AGE_SECONDS = 24 * 3600
# Reports one sender (network address) may file per hour.
HOURLY_LIMIT = 5
HONEYPOT = "website"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

STATUS_LABELS = {"new": _("New"), "in_progress": _("In progress"), "answered": _("Answered")}

FIELDS = [
    Field("page_url", _("Address of the page"), "text", autocomplete="url", maxlength=500,
          inputmode="url",
          hint=_("Copy the address from the browser, for example https://hub.example.org/events. "
                 "If the problem is on every page, write \"whole site\".")),
    Field("description", _("What is the problem?"), "textarea", maxlength=5000,
          hint=_("Describe what you could not do or perceive, and with which device or "
                 "assistive technology.")),
    Field("contact_email", _("Your e-mail for the reply"), "email", autocomplete="email",
          maxlength=254, required=False,
          hint=_("We use it only to answer this report.")),
]


def form_token(request, issued: int | None = None) -> str:
    """``<unix time>.<signature>``; the signature binds it to the visitor's CSRF cookie."""
    issued = int(time.time()) if issued is None else issued
    key = get_csrf_token(request).encode()
    signature = hmac.new(key, str(issued).encode(), hashlib.sha256).hexdigest()[:32]
    return f"{issued}.{signature}"


def _token_age(request, token: str) -> float | None:
    """Seconds since the form was served, or None when the token is not ours."""
    issued, _dot, signature = (token or "").partition(".")
    if not issued.isdigit():
        return None
    if not hmac.compare_digest(form_token(request, int(issued)).encode(), token.encode()):
        return None
    return time.time() - int(issued)


def client_key(request) -> str:
    return hashlib.sha256((request.remote_addr or "unknown").encode()).hexdigest()


def _valid_page_url(value: str) -> bool:
    if value.lower() in ("whole site", "celý web", "cely web"):
        return True
    if value.startswith("/") and not value.startswith("//"):
        return True
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _page(request, form, status=None):
    if status:
        request.response.status = status
    heading = _("Report an accessibility problem")
    return {"heading": heading, "form": form, "form_id": "feedback-form",
            "submit": _("Send the report"), "action": request.route_path("accessibility_feedback"),
            "token": form_token(request), "honeypot": HONEYPOT,
            "breadcrumbs": [(_("Accessibility statement"), request.route_path("accessibility")),
                            (heading, None)]}


@view_config(route_name="accessibility_feedback", renderer="hub:feedback/templates/form.pt",
             permission=PUBLIC)
def feedback_form(request):
    user = request.identity
    form = Form(request, FIELDS, {"page_url": "", "description": "",
                                  "contact_email": user.email if user is not None else ""})
    if request.method != "POST":
        page = request.GET.get("page", "")
        if isinstance(page, str) and len(page) <= 500 and _valid_page_url(page):
            form.values["page_url"] = page
        return _page(request, form)

    values = form.read()
    if request.POST.get(HONEYPOT):
        # Only robots fill in the hidden field: they are shown success and nothing is kept.
        request.session.flash(_("Thank you. Your report has been sent to the hub team."),
                              "success")
        return HTTPSeeOther(location=request.route_path("accessibility"))
    if values["page_url"] and "page_url" not in form.errors \
            and not _valid_page_url(values["page_url"]):
        form.error("page_url", _("Enter an address starting with https:// or /, "
                                 "or write \"whole site\"."))
    email = values["contact_email"]
    if email and "contact_email" not in form.errors and not EMAIL_RE.match(email):
        form.error("contact_email", _("Enter an e-mail address like name@example.cz."))
    age = _token_age(request, request.POST.get("started", ""))
    if age is None or age > MAX_AGE_SECONDS:
        form.error(None, _("The form has expired. Please check your text and send it again."))
    elif age < MIN_SECONDS:
        form.error(None, _("The form was sent too quickly to come from a person. Please wait "
                           "a few seconds and send it again."))
    if not form.ok:
        return _page(request, form, 422)
    key = client_key(request)
    since = utcnow() - dt.timedelta(hours=1)
    recent = request.dbsession.scalar(
        sa.select(sa.func.count()).select_from(AccessibilityFeedback)
        .where(AccessibilityFeedback.client_key == key,
               AccessibilityFeedback.created_at > since))
    if recent >= HOURLY_LIMIT:
        form.error(None, _("You have sent ${count} reports in the last hour, which is the "
                           "limit. Please try again later.", mapping={"count": HOURLY_LIMIT}))
        return _page(request, form, 429)
    item = AccessibilityFeedback(
        page_url=values["page_url"], description=values["description"],
        contact_email=email or None, language=request.locale_name[:2],
        user_id=user.id if user is not None else None, client_key=key, status="new")
    request.dbsession.add(item)
    request.dbsession.flush()
    _notify_staff(request, item)
    request.session.flash(_("Thank you. Your report has been sent to the hub team. "
                            "We answer within 30 days."), "success")
    return HTTPSeeOther(location=request.route_path("accessibility"))


def _notify_staff(request, item: AccessibilityFeedback) -> None:
    from hub.notifications import notify

    staff = request.dbsession.scalars(sa.select(User).where(
        User.role.in_(("staff", "admin")), User.is_active.is_(True)).order_by(User.id))
    url = request.route_url("admin_feedback_item", id=item.id)
    for person in staff:
        notify(request, person, FEEDBACK_KIND, _("New accessibility feedback"),
               _("A visitor reported a problem with ${page}.", mapping={"page": item.page_url}),
               url=url, mapping={"page": item.page_url})


# -- staff ----------------------------------------------------------------------------------

@view_config(route_name="admin_feedback", renderer="hub:feedback/templates/list.pt",
             permission=STAFF)
def feedback_list(request):
    status = request.GET.get("status", "")
    stmt = sa.select(AccessibilityFeedback).order_by(AccessibilityFeedback.created_at.desc(),
                                                     AccessibilityFeedback.id.desc())
    if status in STATUSES:
        stmt = stmt.where(AccessibilityFeedback.status == status)
    else:
        status = ""
    counts = dict(request.dbsession.execute(
        sa.select(AccessibilityFeedback.status, sa.func.count())
        .group_by(AccessibilityFeedback.status)).all())
    return {"items": request.dbsession.scalars(stmt.limit(500)).all(), "status": status,
            "counts": counts, "status_labels": STATUS_LABELS, "statuses": STATUSES,
            "when": lambda value: local_datetime(request, value),
            "breadcrumbs": [(_("Accessibility feedback"), None)]}


ITEM_FIELDS = [
    Field("status", _("Status"), "select", options=tuple(STATUS_LABELS.items()), maxlength=None),
    Field("reply_note", _("Reply note"), "textarea", maxlength=5000, required=False,
          hint=_("What was answered or done, and when.")),
]


@view_config(route_name="admin_feedback_item", renderer="hub:feedback/templates/item.pt",
             permission=STAFF)
def feedback_item(request):
    item = request.dbsession.get(AccessibilityFeedback, int(request.matchdict["id"]))
    if item is None:
        raise HTTPNotFound()
    form = Form(request, ITEM_FIELDS, {"status": item.status, "reply_note": item.reply_note})
    if request.method == "POST":
        values = form.read()
        if form.ok:
            item.status, item.reply_note = values["status"], values["reply_note"]
            item.updated_at, item.updated_by_id = utcnow(), request.identity.id
            request.session.flash(_("The report has been updated."), "success")
            return HTTPSeeOther(location=request.route_path("admin_feedback"))
        request.response.status = 422
    heading = _("Accessibility report ${id}", mapping={"id": item.id})
    updated_by = request.dbsession.get(User, item.updated_by_id) if item.updated_by_id else None
    return {"item": item, "form": form, "form_id": "feedback-item-form", "heading": heading,
            "submit": _("Save"), "action": request.route_path("admin_feedback_item", id=item.id),
            "status_labels": STATUS_LABELS, "updated_by": updated_by,
            "when": lambda value: local_datetime(request, value),
            "breadcrumbs": [(_("Accessibility feedback"), request.route_path("admin_feedback")),
                            (heading, None)]}
