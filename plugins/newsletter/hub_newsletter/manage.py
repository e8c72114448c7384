"""Staff pages of the newsletter plugin: mailing lists, and campaigns from draft through
approval to sending."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from hub.accounts.models import User
from hub.consent import holders
from hub.dates import format_moment, parse_local
from hub.db import utcnow
from hub.i18n import localizer_for
from hub.params import is_id
from hub_newsletter import content, services
from hub_newsletter.i18n import _, plugin_hooks
from hub_newsletter.mail_templates import campaign_template, default_template
from hub_newsletter.models import (
    CAMPAIGN_KINDS,
    SALUTATION_STYLES,
    Campaign,
    NewsletterList,
    NewsletterTemplate,
    Subscriber,
    new_token,
)
from hub_newsletter.purposes import LIST_PURPOSE_KEY, list_id_of
from hub_newsletter.views import int_or_404

EDIT = "newsletter:campaign:edit"
APPROVE = "newsletter:campaign:approve"
SEND = "newsletter:campaign:send"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


# -- staff: overview and lists ----------------------------------------------------------------

@view_config(route_name="newsletter.admin", renderer="hub_newsletter:templates/admin.pt",
             permission=EDIT)
def admin(request):
    db = request.dbsession
    campaigns = db.scalars(sa.select(Campaign).order_by(Campaign.id.desc()).limit(200)).all()
    counts = services.delivery_counts(db, [c.id for c in campaigns])
    lists = db.scalars(sa.select(NewsletterList).order_by(NewsletterList.name)).all()
    held = holders(LIST_PURPOSE_KEY, object=None).subquery()
    subscribers = {list_id_of(obj): count for obj, count in db.execute(
        sa.select(held.c.object, sa.func.count()).group_by(held.c.object)).all()}
    return {"campaigns": campaigns, "counts": counts, "lists": lists,
            "subscribers": subscribers, "kind_labels": KIND_LABELS,
            "status_labels": STATUS_LABELS,
            "breadcrumbs": [(_("Newsletter administration"), None)]}


def _list_form_values(request, nl, form, errors):
    return {"nl": nl, "form": form, "errors": errors,
            "breadcrumbs": [(_("Newsletter administration"),
                             request.route_path("newsletter.admin")),
                            (_("Mailing list"), None)]}


@view_config(route_name="newsletter.list_new", renderer="hub_newsletter:templates/list_form.pt",
             permission=EDIT, request_method="GET")
@view_config(route_name="newsletter.list_edit", renderer="hub_newsletter:templates/list_form.pt",
             permission=EDIT, request_method="GET")
def list_form(request):
    nl = _get_list(request) if "id" in request.matchdict else None
    form = ({"name": nl.name, "slug": nl.slug, "description": nl.description,
             "is_public": nl.is_public} if nl else
            {"is_public": True})
    return _list_form_values(request, nl, form, {})


def _get_list(request) -> NewsletterList:
    nl = request.dbsession.get(NewsletterList, int_or_404(request.matchdict["id"]))
    if nl is None:
        raise HTTPNotFound()
    return nl


@view_config(route_name="newsletter.list_new", renderer="hub_newsletter:templates/list_form.pt",
             permission=EDIT, request_method="POST")
@view_config(route_name="newsletter.list_edit", renderer="hub_newsletter:templates/list_form.pt",
             permission=EDIT, request_method="POST")
def list_save(request):
    db = request.dbsession
    nl = _get_list(request) if "id" in request.matchdict else None
    post = request.POST
    form = {"name": post.get("name", "").strip(), "slug": post.get("slug", "").strip().lower(),
            "description": post.get("description", "").strip(),
            "is_public": post.get("is_public") == "on"}
    errors = {}
    if not form["name"] or len(form["name"]) > 200:
        errors["name"] = _("Fill in a name of at most 200 characters.")
    if not SLUG.match(form["slug"]):
        errors["slug"] = _("Use lowercase letters, digits and hyphens only.")
    elif db.scalar(sa.select(NewsletterList.id).where(
            NewsletterList.slug == form["slug"],
            NewsletterList.id != (nl.id if nl else -1))) is not None:
        errors["slug"] = _("Another list already uses this address.")
    if errors:
        request.response.status = 422
        return _list_form_values(request, nl, form, errors)
    if nl is None:
        nl = NewsletterList()
        db.add(nl)
    nl.name, nl.slug, nl.description = form["name"], form["slug"], form["description"]
    nl.is_public = form["is_public"]
    try:
        db.flush()
    except sa.exc.IntegrityError:
        request.response.status = 409
        return _list_form_values(request, nl, form,
                                 {"slug": _("Another list already uses this address.")})
    request.session.flash(request.shell.translate(_("The list is saved.")), "success")
    return HTTPSeeOther(request.route_path("newsletter.admin"))


# -- staff: campaigns -------------------------------------------------------------------------

def _get_campaign(request, lock: bool = False) -> Campaign:
    campaign = request.dbsession.get(Campaign, int_or_404(request.matchdict["id"]),
                                     with_for_update=lock or None)
    if campaign is None:
        raise HTTPNotFound()
    return campaign


def upcoming_events(request) -> list[dict]:
    events = []
    for result in plugin_hooks(request).hub_upcoming_events(request=request):
        events.extend(result or ())
    return events


def _campaign_form_values(request, campaign, form, errors):
    return {"campaign": campaign, "form": form, "errors": errors,
            "lists": request.dbsession.scalars(
                sa.select(NewsletterList).order_by(NewsletterList.name)).all(),
            "audiences": services.crm_audiences(request),
            "events": upcoming_events(request), "kinds": CAMPAIGN_KINDS,
            "styles": SALUTATION_STYLES, "kind_labels": KIND_LABELS,
            "templates": request.dbsession.scalars(
                sa.select(NewsletterTemplate).order_by(NewsletterTemplate.name)).all(),
            "placeholders": ", ".join("${" + f + "}" for f in content.FIELDS),
            "breadcrumbs": [(_("Newsletter administration"),
                             request.route_path("newsletter.admin")),
                            (_("Campaign"), None)]}


def _campaign_to_form(campaign: Campaign) -> dict:
    return {"kind": campaign.kind, **{f: getattr(campaign, f) for f in TEXT_FIELDS},
            "salutation": campaign.salutation, "template": str(campaign.template_id or ""),
            "lists": {nl.id for nl in campaign.lists},
            "audiences": set(campaign.audiences or ()), "event": str(campaign.event_id or ""),
            "in_archive": campaign.in_archive, "track": campaign.track}


@view_config(route_name="newsletter.campaign_new",
             renderer="hub_newsletter:templates/campaign_form.pt", permission=EDIT,
             request_method="GET")
@view_config(route_name="newsletter.campaign_edit",
             renderer="hub_newsletter:templates/campaign_form.pt", permission=EDIT,
             request_method="GET")
def campaign_form(request):
    if "id" in request.matchdict:
        campaign = _get_campaign(request)
        if campaign.status not in EDITABLE:
            raise HTTPNotFound()
        return _campaign_form_values(request, campaign, _campaign_to_form(campaign), {})
    default = default_template(request.dbsession)
    body = _("${salutation},\n\nwrite the text here.\n\n## A heading\n\n- a point\n- "
             "another point")
    return _campaign_form_values(request, None, {
        "kind": "newsletter", "salutation": "formal",
        "template": str(default.id) if default else "",
        "in_archive": True, "track": False, "lists": set(), "audiences": set(),
        # The main text is the Czech one, whatever the language of the page.
        "body": localizer_for(request.registry, "cs").translate(body)}, {})


EDITABLE = ("draft", "submitted", "approved", "failed")
# The campaign's texts, in Czech and in English (``Campaign.TRANSLATED``), with their limits.
TEXT_LIMITS = {"subject": 200, "preheader": 200, "body": 200_000}
TEXT_FIELDS = (*TEXT_LIMITS, *(f"{name}_en" for name in TEXT_LIMITS))


def text_errors(form: dict) -> dict:
    """Errors of the Czech and English texts by field: the Czech subject is required, an
    English text needs its English subject."""
    errors = {}
    for name, limit in TEXT_LIMITS.items():
        for field in (name, f"{name}_en"):
            if len(form.get(field, "")) > limit:
                errors[field] = _("This text is too long (at most ${n} characters).",
                                  mapping={"n": limit})
    if not form.get("subject") and "subject" not in errors:
        errors["subject"] = _("Fill in a subject of at most 200 characters.")
    if not form.get("subject_en") and "subject_en" not in errors and (
            form.get("body_en") or form.get("preheader_en")):
        errors["subject_en"] = _("Fill in the English subject too, or leave the English "
                                 "version empty.")
    return errors


def _as_datetime(value) -> dt.datetime | None:
    """An event's start as given by ``hub_upcoming_events`` (a datetime or ISO 8601 text),
    timezone-aware (naive values are UTC)."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@view_config(route_name="newsletter.campaign_new",
             renderer="hub_newsletter:templates/campaign_form.pt", permission=EDIT,
             request_method="POST")
@view_config(route_name="newsletter.campaign_edit",
             renderer="hub_newsletter:templates/campaign_form.pt", permission=EDIT,
             request_method="POST")
def campaign_save(request):
    db = request.dbsession
    campaign = _get_campaign(request, lock=True) if "id" in request.matchdict else None
    if campaign is not None and campaign.status not in EDITABLE:
        request.response.status = 409
        return _campaign_form_values(request, campaign, _campaign_to_form(campaign), {
            "general": _("The campaign is being sent or was sent; it cannot be changed.")})
    post = request.POST
    form = {"kind": post.get("kind", ""),
            **{f: post.get(f, "").strip() for f in TEXT_FIELDS},
            "salutation": post.get("salutation", ""), "template": post.get("template", ""),
            "lists": {int(v) for v in post.getall("list") if v.isdigit()},
            "audiences": set(post.getall("audience")), "event": post.get("event", ""),
            "in_archive": post.get("in_archive") == "on", "track": post.get("track") == "on"}
    errors = {}
    if form["kind"] not in CAMPAIGN_KINDS:
        errors["kind"] = _("Choose one of the offered values.")
    errors.update(text_errors(form))
    if form["salutation"] not in SALUTATION_STYLES:
        errors["salutation"] = _("Choose one of the offered values.")
    template = None
    if form["template"]:
        template = db.get(NewsletterTemplate, int(form["template"])) \
            if is_id(form["template"]) else None
        if template is None:
            errors["template"] = _("Choose one of the offered values.")
    lists = db.scalars(sa.select(NewsletterList).where(
        NewsletterList.id.in_(form["lists"]))).all() if form["lists"] else []
    known_audiences = {a["key"] for a in services.crm_audiences(request)}
    audiences = sorted(form["audiences"] & known_audiences)
    event = None
    if form["event"]:
        event = next((e for e in upcoming_events(request) if str(e["id"]) == form["event"]),
                     None)
        if event is None:
            errors["event"] = _("Choose one of the offered values.")
    if form["kind"] == "invitation" and event is None and "event" not in errors \
            and upcoming_events(request):
        errors["event"] = _("An invitation needs an event.")
    if errors:
        request.response.status = 422
        return _campaign_form_values(request, campaign, form, errors)
    if campaign is None:
        campaign = Campaign(created_by_id=request.identity.id)
        db.add(campaign)
    campaign.kind = form["kind"]
    for field in TEXT_FIELDS:
        setattr(campaign, field, form[field])
    campaign.salutation, campaign.in_archive = form["salutation"], form["in_archive"]
    campaign.template = template
    campaign.track = form["track"]
    if campaign.track and not campaign.track_key:
        campaign.track_key = new_token()
    campaign.lists = list(lists)
    campaign.audiences = audiences
    if event is not None:
        campaign.event_id, campaign.event_title = int(event["id"]), str(event["title"])[:300]
        campaign.event_url = str(event.get("url") or "")[:500]
        campaign.event_starts_at = _as_datetime(event.get("starts_at"))
    else:
        campaign.event_id, campaign.event_title, campaign.event_url = None, "", ""
        campaign.event_starts_at = None
    # Any change needs a new approval.
    campaign.status, campaign.approved_by_id, campaign.error = "draft", None, ""
    db.flush()
    problems = content.campaign_errors(campaign)
    if problems:
        request.session.flash(request.shell.translate(
            _("Saved as a draft. Before it can be sent: ${problems}",
              mapping={"problems": " ".join(request.shell.translate(p) for p in problems)})),
            "error")
    else:
        request.session.flash(request.shell.translate(_("The campaign is saved.")), "success")
    return HTTPSeeOther(request.route_path("newsletter.campaign", id=campaign.id))


def _sample(user) -> Subscriber:
    """The signed-in staff member as a recipient, for previews (links lead nowhere)."""
    return Subscriber(email=user.email, name=user.name, token="preview-" + "0" * 16)


PREVIEW_LABELS = {"cs": _("In Czech"), "en": _("In English")}
LANGUAGE_LABELS = {"cs": _("Czech"), "en": _("English")}
MATCH_LABELS = {"all": _("all conditions"), "any": _("any condition")}


def snapshot_entries(campaign) -> list[dict]:
    """The snapshot of the first start and of each later one, for the campaign page."""
    snapshot = campaign.snapshot or None
    if snapshot is None:
        return []
    entries = []
    for entry in [snapshot, *snapshot.get("additions", ())]:
        sources = []
        for source in entry.get("sources", ()):
            definition = source.get("definition") or {}
            sources.append({**source, "conditions": [
                f"{c.get('kind')}: {c.get('value')}" for c in definition.get("conditions", ())],
                "match": definition.get("match"), "segment_purpose": definition.get("purpose")})
        entries.append({**entry, "taken_at": dt.datetime.fromisoformat(entry["taken_at"]),
                        "sources": sources})
    return entries


@view_config(route_name="newsletter.campaign", renderer="hub_newsletter:templates/campaign.pt",
             permission=EDIT, request_method="GET")
def campaign_detail(request):
    campaign = _get_campaign(request)
    from hub_newsletter.rendering import recipient_values, render, version_of

    problems = content.campaign_errors(campaign)
    previews = []
    if not problems:
        user = request.identity
        for language, label in PREVIEW_LABELS.items():
            values = recipient_values(request, campaign, _sample(user), user.email, language)
            subject, text, _html = render(request, campaign, values, language)
            previews.append({"language": language, "label": label, "subject": subject,
                             "text": text, "version": version_of(campaign, language)})
    identity = request.identity
    labels = {a["key"]: a.get("label") or a["key"] for a in services.crm_audiences(request)}
    return {
        "campaign": campaign, "problems": problems, "previews": previews,
        "missing_english": campaign.missing_translations(),
        "language_labels": LANGUAGE_LABELS,
        "template": campaign_template(request, campaign),
        "snapshots": snapshot_entries(campaign), "match_labels": MATCH_LABELS,
        "audience_labels": [labels.get(key, key) for key in campaign.audiences or ()],
        "kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS,
        "stats": services.campaign_stats(request.dbsession, campaign),
        "can_approve": request.has_permission(APPROVE)
        and campaign.created_by_id != identity.id,
        "can_send": request.has_permission(SEND),
        "when": lambda value: format_moment(value, request.locale_name),
        "breadcrumbs": [(_("Newsletter administration"), request.route_path("newsletter.admin")),
                        (campaign.subject, None)],
    }


@view_config(route_name="newsletter.campaign_preview", permission=EDIT, request_method="GET")
def campaign_preview(request):
    """The HTML of the e-mail as the signed-in user would see it in the language asked for
    (``?lang=en``: the English version, or the Czech one where there is none)."""
    from hub_newsletter.rendering import recipient_language, recipient_values, render

    campaign = _get_campaign(request)
    if content.campaign_errors(campaign):
        raise HTTPNotFound()
    user = request.identity
    language = recipient_language(request.GET.get("lang"))
    html = render(request, campaign, recipient_values(request, campaign, _sample(user),
                                                      user.email, language), language)[2]
    response = Response(html, content_type="text/html", charset="utf-8")
    # The mail's own inline CSS is allowed here and nothing else (no scripts, no framing).
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
        "frame-ancestors 'none'; form-action 'none'; sandbox")
    return response


def _transition(request, campaign, allowed: tuple[str, ...], new: str, message):
    if campaign.status not in allowed:
        request.session.flash(request.shell.translate(
            _("This cannot be done now: the campaign is ${status}.",
              mapping={"status": request.shell.translate(STATUS_LABELS[campaign.status])})),
            "error")
        return False
    campaign.status = new
    request.session.flash(request.shell.translate(message), "success")
    return True


KIND_LABELS = {"newsletter": _("Newsletter"), "invitation": _("Invitation")}
STATUS_LABELS = {
    "draft": _("a draft"), "submitted": _("waiting for approval"), "approved": _("approved"),
    "scheduled": _("scheduled"), "sending": _("being sent"), "paused": _("paused"),
    "sent": _("sent"), "cancelled": _("cancelled"), "failed": _("failed"),
}


def _back(request, campaign):
    return HTTPSeeOther(request.route_path("newsletter.campaign", id=campaign.id))


@view_config(route_name="newsletter.campaign_submit", permission=EDIT, request_method="POST")
def campaign_submit(request):
    campaign = _get_campaign(request, lock=True)
    problems = content.campaign_errors(campaign)
    if problems:
        request.session.flash(" ".join(request.shell.translate(p) for p in problems), "error")
        return _back(request, campaign)
    if _transition(request, campaign, ("draft", "failed"), "submitted",
                   _("The campaign waits for approval.")):
        _tell_approvers(request, campaign)
    return _back(request, campaign)


def _tell_approvers(request, campaign):
    from hub.notifications import notify

    url = request.route_url("newsletter.campaign", id=campaign.id)
    approvers = request.dbsession.scalars(sa.select(User).where(
        User.role == "admin", User.is_active.is_(True), User.id != request.identity.id))
    for user in approvers:
        notify(request, user, "newsletter.approval_requested",
               _("Newsletter to approve: ${subject}", mapping={"subject": campaign.subject}),
               url=url)


@view_config(route_name="newsletter.campaign_approve", permission=APPROVE, request_method="POST")
def campaign_approve(request):
    campaign = _get_campaign(request, lock=True)
    if campaign.created_by_id == request.identity.id:
        request.session.flash(request.shell.translate(
            _("Another person must approve a campaign you wrote.")), "error")
        return _back(request, campaign)
    if _transition(request, campaign, ("submitted",), "approved", _("The campaign is approved.")):
        campaign.approved_by_id = request.identity.id
        author = request.dbsession.get(User, campaign.created_by_id) \
            if campaign.created_by_id else None
        if author is not None:
            from hub.notifications import notify

            notify(request, author, "newsletter.approved",
                   _("Your newsletter was approved: ${subject}",
                     mapping={"subject": campaign.subject}),
                   url=request.route_url("newsletter.campaign", id=campaign.id))
    return _back(request, campaign)


@view_config(route_name="newsletter.campaign_send", permission=SEND, request_method="POST")
def campaign_send(request):
    campaign = _get_campaign(request, lock=True)
    if campaign.status not in ("approved", "scheduled"):
        _transition(request, campaign, ("approved", "scheduled"), "sending", "")
        return _back(request, campaign)
    when = request.POST.get("scheduled_at", "").strip()
    if when:
        scheduled = parse_local(when)
        if scheduled is None:
            request.session.flash(request.shell.translate(
                _("Enter the time as a date and time, e.g. 2026-12-01 09:00.")), "error")
            return _back(request, campaign)
        if scheduled > utcnow():
            campaign.status, campaign.scheduled_at = "scheduled", scheduled
            request.session.flash(request.shell.translate(
                _("The campaign will be sent at ${when}.",
                  mapping={"when": format_moment(scheduled, request.locale_name)})), "success")
            return _back(request, campaign)
    try:
        count = services.start_sending(request, campaign)
    except services.CampaignError:
        # The failure and its reason are stored on the campaign; keep them (commit).
        request.session.flash(request.shell.translate(
            _("The campaign cannot be sent; nothing was sent. See the error below.")), "error")
        return _back(request, campaign)
    request.session.flash(request.shell.translate(
        _("Sending has started: ${count} recipients.", mapping={"count": count})), "success")
    return _back(request, campaign)


@view_config(route_name="newsletter.campaign_pause", permission=SEND, request_method="POST")
def campaign_pause(request):
    campaign = _get_campaign(request, lock=True)
    _transition(request, campaign, ("sending", "scheduled"), "paused",
                _("Sending is paused."))
    return _back(request, campaign)


@view_config(route_name="newsletter.campaign_resume", permission=SEND, request_method="POST")
def campaign_resume(request):
    from hub.jobs import enqueue

    campaign = _get_campaign(request, lock=True)
    if _transition(request, campaign, ("paused",), "sending", _("Sending continues.")):
        if campaign.started_at is None:
            # Paused while still scheduled: nothing was prepared yet.
            campaign.status = "approved"
            try:
                services.start_sending(request, campaign)
            except services.CampaignError:
                request.session.flash(request.shell.translate(
                    _("The campaign cannot be sent; nothing was sent. See the error below.")),
                    "error")
        else:
            enqueue(request, "newsletter.send", campaign_id=campaign.id)
    return _back(request, campaign)


@view_config(route_name="newsletter.campaign_cancel", permission=SEND, request_method="POST")
def campaign_cancel(request):
    campaign = _get_campaign(request, lock=True)
    _transition(request, campaign, ("approved", "scheduled", "sending", "paused"), "cancelled",
                _("The campaign is cancelled; no more messages will be sent."))
    return _back(request, campaign)


@view_config(route_name="newsletter.campaign_test", permission=EDIT, request_method="POST")
def campaign_test(request):
    """Send the message to the signed-in staff member only (not counted, not archived)."""
    from hub_newsletter.mail_settings import domain, setting
    from hub_newsletter.rendering import build_message, recipient_language
    from hub_newsletter.transport import (
        PermanentFailure,
        TemporaryFailure,
        Transport,
        UncertainFailure,
    )

    campaign = _get_campaign(request)
    problems = content.campaign_errors(campaign)
    if problems:
        request.session.flash(" ".join(request.shell.translate(p) for p in problems), "error")
        return _back(request, campaign)
    user = request.identity
    subscriber = services.get_or_create_subscriber(request.dbsession, user.email.lower(),
                                                   user.name, user.language, user)
    # The version a recipient of the chosen language gets (by default the staff member's).
    language = recipient_language(request.POST.get("language") or user.language)
    data = build_message(request, campaign, 0, subscriber, user.email, subject_prefix="[TEST] ",
                         language=language)
    transport = Transport(request.registry.settings)
    settings = request.registry.settings
    try:
        transport.send(str(setting(settings, "bounce_address", None,
                                   f"bounces@{domain(settings)}")),
                       user.email, data, f"newsletter-test-{campaign.id}")
    except (TemporaryFailure, PermanentFailure, UncertainFailure) as exc:
        request.session.flash(request.shell.translate(
            _("The test message could not be sent: ${error}", mapping={"error": str(exc)})),
            "error")
    else:
        request.session.flash(request.shell.translate(
            _("A test message was sent to ${email}.", mapping={"email": user.email})),
            "success")
    finally:
        transport.close()
    return _back(request, campaign)
