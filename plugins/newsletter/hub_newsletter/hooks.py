"""Hook implementations of the newsletter plugin."""
from __future__ import annotations

import sqlalchemy as sa

from hub import hookimpl
from hub.contributions import (
    NavItem,
    NotificationKind,
    PeriodicJob,
    Permission,
    ProfileSection,
    Setting,
    Widget,
)
from hub.security import AUTHENTICATED, PUBLIC
from hub.settings import as_int, mailbox_settings
from hub_newsletter.i18n import _

EDIT = "newsletter:campaign:edit"


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        return [NavItem(_("Newsletter"), route="newsletter.index", permission=PUBLIC, order=50,
                        match=("newsletter.index", "newsletter.archive", "newsletter.confirm",
                               "newsletter.preferences", "newsletter.unsubscribe"))]
    if menu == "admin":
        return [NavItem(_("Newsletters"), route="newsletter.admin", permission=EDIT, order=50,
                        match=("newsletter.admin", "newsletter.list", "newsletter.campaign"))]
    return None


@hookimpl
def hub_permissions():
    return [
        Permission(EDIT, _("Write newsletters and manage mailing lists"), ("staff", "admin")),
        Permission("newsletter:campaign:approve", _("Approve newsletters"), ("admin",)),
        Permission("newsletter:campaign:send", _("Send newsletters"), ("admin",)),
    ]


def _bool(value) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


@hookimpl
def hub_settings_schema():
    return [
        Setting("backend", None, str, "'smtp' or 'files'; defaults to mail.backend."),
        Setting("smtp_host", None, str, "SMTP server for bulk mail; defaults to mail.host."),
        Setting("smtp_port", None, as_int, "Defaults to mail.port."),
        Setting("smtp_tls", None, str, "'true' for STARTTLS; defaults to mail.tls."),
        Setting("smtp_username", None, str, "Defaults to mail.username."),
        Setting("smtp_password", None, str, "Defaults to mail.password."),
        Setting("sender", None, str, "From header; defaults to mail.sender."),
        Setting("domain", None, str, "Domain of Message-IDs; defaults to mail.domain."),
        Setting("bounce_address", None, str, "Return path; VERP adds +<delivery>-<token>."),
        *mailbox_settings("bounce_", "bounce mailbox"),
        Setting("webhook_secret", "", str, "Secret of the bounce webhook (empty: off)."),
        Setting("soft_bounce_limit", 5, as_int, "Soft bounces after which sending stops."),
        Setting("batch_size", 500, as_int, "Deliveries a worker claims at once."),
        Setting("connections", 0, as_int,
                "SMTP connections (threads) per sending job; 0: 1 on SQLite, 8 on "
                "PostgreSQL. More help with a distant server."),
        Setting("rate_limit", 0, float, "Messages per second per worker (0: no limit)."),
        Setting("max_attempts", 5, as_int, "Attempts for temporary SMTP failures."),
        Setting("retry_delay", 300, as_int, "Seconds before retrying a temporary failure."),
        Setting("claim_lease_seconds", 300, as_int,
                "After this long, rows claimed by a vanished worker are claimed again."),
        Setting("confirm_expiry_days", 7, as_int, "Unconfirmed subscriptions expire."),
    ]


@hookimpl
def hub_periodic_jobs():
    from hub_newsletter.bounces import process_bounces
    from hub_newsletter.services import expire_unconfirmed, start_due_campaigns

    return [
        PeriodicJob("newsletter.start_due", start_due_campaigns, minute="*"),
        PeriodicJob("newsletter.process_bounces", process_bounces, minute="*/5"),
        PeriodicJob("newsletter.expire_unconfirmed", expire_unconfirmed, minute="17", hour="3"),
    ]


@hookimpl
def hub_notification_kinds():
    return [
        NotificationKind("newsletter.approval_requested", _("A newsletter waits for approval"),
                         _("For the people who approve newsletters."),
                         default_channels=("inbox", "email")),
        NotificationKind("newsletter.approved", _("Your newsletter was approved"),
                         default_channels=("inbox",)),
    ]


# -- page contributions -----------------------------------------------------------------------

def _my_subscriptions(request, user):
    from hub_newsletter.models import Subscriber

    return request.dbsession.scalar(sa.select(Subscriber).where(sa.or_(
        Subscriber.user_id == user.id, Subscriber.email == user.email.lower())).limit(1))


def _subscriptions_snippet(request, user):
    from hub.shell import render_snippet
    from hub_newsletter.models import NewsletterList
    from hub_newsletter.services import subscribed_list_ids

    if request.identity is None or request.identity.id != user.id:
        return None  # one's own subscriptions only
    subscriber = _my_subscriptions(request, user)
    subscriptions = []
    if subscriber is not None:
        list_ids = subscribed_list_ids(request, subscriber.email)
        subscriptions = request.dbsession.scalars(
            sa.select(NewsletterList).where(NewsletterList.id.in_(list_ids))
            .order_by(NewsletterList.name)).all()
    return render_snippet(request, "hub_newsletter:templates/profile_section.pt",
                          {"subscriber": subscriber, "subscriptions": subscriptions})


@hookimpl
def hub_profile_sections(request, user):
    return [ProfileSection("newsletter", _("Newsletters"), _subscriptions_snippet, order=70)]


def _latest_widget(request):
    from hub.shell import render_snippet
    from hub_newsletter.models import Campaign

    latest = request.dbsession.scalars(
        sa.select(Campaign).where(Campaign.status == "sent", Campaign.in_archive.is_(True))
        .order_by(Campaign.finished_at.desc()).limit(3)).all()
    from hub.dates import language
    from hub_newsletter.rendering import archive_subject

    lang = language(request)
    return render_snippet(request, "hub_newsletter:templates/widget.pt",
                          {"latest": latest, "subject": lambda c: archive_subject(c, lang)})


@hookimpl
def hub_dashboard_widgets(request):
    return [
        # The same for every visitor: kept by the core until a campaign changes.
        Widget("newsletter-latest", _("Latest newsletters"), _latest_widget, where="home",
               order=60, permission=PUBLIC, cache_tables=("newsletter_campaign",)),
        Widget("newsletter-mine", _("My newsletters"),
               lambda r: _subscriptions_snippet(r, r.identity), where="dashboard", order=60,
               permission=AUTHENTICATED, cache_per_user=True,
               cache_tables=("newsletter_subscriber", "newsletter_list", "consent_record")),
    ]


@hookimpl
def hub_search_sources():
    from hub_newsletter.search import SOURCES

    return SOURCES


@hookimpl
def hub_activity(request, user):
    """Newsletters the person received (for the CRM timeline)."""
    from hub_newsletter.models import Campaign, Delivery

    rows = request.dbsession.execute(
        sa.select(Delivery.sent_at, Campaign.id, Campaign.subject, Campaign.kind)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Delivery.address == user.email.lower(), Delivery.status == "sent")
        .order_by(Delivery.sent_at.desc()).limit(100)).all()
    return [{"when": sent_at, "kind": f"newsletter.{kind}",
             "title": subject, "url": request.route_path("newsletter.campaign", id=cid)}
            for sent_at, cid, subject, kind in rows]


@hookimpl
def hub_segment_criteria():
    from hub.contributions import SegmentCriterion

    def options(request):
        from hub_newsletter.models import NewsletterList

        return [(str(nl.id), nl.name) for nl in request.dbsession.scalars(
            sa.select(NewsletterList).order_by(NewsletterList.name))]

    def user_ids(request, value):
        from hub.consent import holders
        from hub_newsletter.models import Subscriber
        from hub_newsletter.purposes import LIST_PURPOSE_KEY, list_object

        list_id = int(value) if str(value).isdigit() else -1
        held = holders(LIST_PURPOSE_KEY, list_object(list_id)).subquery()
        return (sa.select(Subscriber.user_id).join(held, held.c.email == Subscriber.email)
                .where(Subscriber.user_id.is_not(None)))

    return [SegmentCriterion("newsletter.subscribed", _("Subscribed to the newsletter"),
                             options, user_ids)]


@hookimpl
def hub_consent_purposes():
    from hub_newsletter.purposes import LIST_PURPOSE

    return [LIST_PURPOSE]


@hookimpl
def hub_indicators(request, start, end):
    from hub_newsletter.indicators import indicators

    return indicators(request, start, end)


@hookimpl
def hub_openapi(request):
    from hub_newsletter import template_api
    from hub_newsletter.api import OPENAPI

    templates = template_api.openapi()
    return {"paths": {**OPENAPI["paths"], **templates["paths"]},
            "components": {"schemas": {**OPENAPI["components"]["schemas"],
                                       **templates["components"]["schemas"]}}}


@hookimpl(optionalhook=True)
def hub_media_usage(request, item):
    """Templates with the item as their logo and campaigns whose text shows it: deleting it
    would break their mails and archive pages."""
    from hub.media import shown_in
    from hub_newsletter.models import Campaign, NewsletterTemplate

    db = request.dbsession
    used = [_("Logo of the e-mail template ${name}", mapping={"name": name})
            for name in db.scalars(sa.select(NewsletterTemplate.name)
                                   .where(NewsletterTemplate.logo_media_id == item.id))]
    used += [_("Image in the newsletter ${subject}", mapping={"subject": subject})
             for subject in db.scalars(sa.select(Campaign.subject).where(
                 shown_in(item, Campaign.body, Campaign.body_en)).order_by(Campaign.id))]
    return used


# Campaigns still to be sent are worth translating; sent ones are history (their archive
# page falls back to Czech) and cancelled or failed ones reach nobody.
TRANSLATABLE_STATUSES = ("draft", "submitted", "approved", "scheduled", "paused")
MISSING_LIMIT = 500


@hookimpl
def hub_translations_missing(request):
    """Campaigns not yet sent without an English subject, preview line or text, and e-mail
    templates whose header or footer has no English version."""
    from hub.translations import MissingTranslation
    from hub_newsletter.models import Campaign, NewsletterTemplate

    found = []
    db = request.dbsession
    for model, where, kind, route in (
            (Campaign, Campaign.status.in_(TRANSLATABLE_STATUSES), _("Newsletter"),
             "newsletter.campaign_edit"),
            (NewsletterTemplate, sa.true(), _("E-mail template"), "newsletter.template_edit")):
        untranslated = sa.or_(*(sa.and_(getattr(model, f) != "",
                                        getattr(model, f"{f}_en") == "")
                                for f in model.TRANSLATED))
        for item in db.scalars(sa.select(model).where(where, untranslated)
                               .order_by(model.id).limit(MISSING_LIMIT)):
            found.append(MissingTranslation(
                kind=kind, title=getattr(item, "subject", None) or item.name,
                url=request.route_path(route, id=item.id),
                fields=tuple(FIELD_LABELS.get(f, f) for f in item.missing_translations())))
    return found


# Labels of the fields the core's list does not know (a TranslationString is translated
# there in this plugin's domain).
FIELD_LABELS = {"subject": _("Subject"), "preheader": _("Preview line"),
                "header_html": _("Header"), "footer_html": _("Footer")}


# -- personal data ------------------------------------------------------------------------------

@hookimpl
def hub_personal_data_tables():
    return ["newsletter_subscriber", "newsletter_subscription", "newsletter_delivery"]


def _subscribers_of(request, user):
    from hub_newsletter.models import Subscriber

    return request.dbsession.scalars(sa.select(Subscriber).where(sa.or_(
        Subscriber.user_id == user.id, Subscriber.email == user.email.lower()))).all()


@hookimpl
def hub_personal_data_export(request, user):
    from hub_newsletter.models import Campaign, Delivery, Subscription

    db = request.dbsession
    records, subs, received = [], [], []
    for subscriber in _subscribers_of(request, user):
        records.append({"email": subscriber.email, "name": subscriber.name,
                        "first_name": subscriber.first_name, "last_name": subscriber.last_name,
                        "gender": subscriber.gender, "language": subscriber.language,
                        "opted_out_at": subscriber.opted_out_at,
                        "hard_bounced_at": subscriber.hard_bounced_at,
                        "soft_bounces": subscriber.soft_bounces,
                        "created_at": subscriber.created_at})
        # Consents given are in the core's ledger export; here the requests not confirmed.
        for s in db.scalars(sa.select(Subscription)
                            .where(Subscription.subscriber_id == subscriber.id)):
            subs.append({"list": s.list.name, "requested_at": s.requested_at})
        for subject, status, sent_at in db.execute(
                sa.select(Campaign.subject, Delivery.status, Delivery.sent_at)
                .join(Campaign, Campaign.id == Delivery.campaign_id)
                .where(Delivery.subscriber_id == subscriber.id).order_by(Delivery.id)):
            received.append({"newsletter": subject, "status": status, "sent_at": sent_at})
    return {_("Newsletter address"): records, _("Subscription requests not confirmed"): subs,
            _("Newsletters sent to you"): received}


@hookimpl
def hub_personal_data_erase(request, user):
    """Delete the subscriber (subscriptions go with it) and anonymise delivery rows.

    Delivery rows stay as anonymous counts for the campaign statistics.
    """
    for subscriber in _subscribers_of(request, user):
        erase_subscriber(request, subscriber)


SUBSCRIBER_ERASURE = "hub_newsletter.hooks:subscriber"


def erase_subscriber(request, subscriber) -> None:
    """Delete the subscriber (subscriptions go with it) and anonymise its delivery rows;
    the erasure is journalled (``hub.erasures``) so that a restore deletes it again."""
    from hub import erasures
    from hub.consent import erase_subjects
    from hub_newsletter.models import Delivery
    from hub_newsletter.purposes import subject_of

    db = request.dbsession
    erasures.record_row(request, SUBSCRIBER_ERASURE, subscriber)
    # Consents given by address alone (the core erases the account's own).
    erase_subjects(request, [subject_of(subscriber.email)])
    db.execute(sa.update(Delivery).where(Delivery.subscriber_id == subscriber.id).values(
        address=sa.literal("erased-") + sa.cast(Delivery.id, sa.String) + "@invalid",
        subscriber_id=None, error=""))
    db.delete(subscriber)
    db.flush()


def _register_erasure() -> None:
    from hub import erasures
    from hub_newsletter.models import Subscriber

    erasures.register(SUBSCRIBER_ERASURE, Subscriber, erase_subscriber)


_register_erasure()


# -- mail --------------------------------------------------------------------------------------

@hookimpl
def hub_bulk_mail(request, limit):
    """Started campaigns for the administrators' mail view, counted by delivery state."""
    from hub.contributions import BulkMail
    from hub_newsletter.manage import KIND_LABELS
    from hub_newsletter.models import Campaign, Delivery

    campaigns = request.dbsession.scalars(
        sa.select(Campaign).where(Campaign.started_at.is_not(None))
        .order_by(Campaign.started_at.desc(), Campaign.id.desc()).limit(limit)).all()
    counts: dict = {}
    if campaigns:
        for campaign_id, status, n in request.dbsession.execute(
                sa.select(Delivery.campaign_id, Delivery.status, sa.func.count())
                .where(Delivery.campaign_id.in_([c.id for c in campaigns]))
                .group_by(Delivery.campaign_id, Delivery.status)):
            counts.setdefault(campaign_id, {})[status] = n
    result = []
    for campaign in campaigns:
        n = counts.get(campaign.id, {})
        result.append(BulkMail(
            subject=campaign.subject, kind=KIND_LABELS.get(campaign.kind, campaign.kind),
            url=request.route_path("newsletter.campaign", id=campaign.id),
            started_at=campaign.started_at, sent=n.get("sent", 0),
            waiting=n.get("pending", 0) + n.get("sending", 0),
            failed=n.get("failed", 0) + n.get("bounced", 0)))
    return result


# -- demo data -------------------------------------------------------------------------------

@hookimpl
def hub_demo_data(dbsession, scale):
    from hub_newsletter.demo import load

    load(dbsession, scale)
