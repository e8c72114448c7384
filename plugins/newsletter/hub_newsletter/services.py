"""What the pages, the API and the jobs of the newsletter plugin do."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from pyramid.i18n import get_localizer

from hub.consent import OutdatedText, give, holders, purpose, withdraw, withdraw_link_maker
from hub.db import utcnow
from hub.i18n import localizer_for
from hub.mail import queue_mail
from hub_newsletter import content
from hub_newsletter.i18n import _, plugin_hooks
from hub_newsletter.models import (
    Campaign,
    Delivery,
    NewsletterList,
    Subscriber,
    Subscription,
    new_token,
)
from hub_newsletter.purposes import (
    LIST_PURPOSE,
    LIST_PURPOSE_KEY,
    list_id_of,
    list_object,
    subject_of,
)
from hub_newsletter.salutation import split_name

RESEND_AFTER = dt.timedelta(minutes=15)
EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


def normalise_email(value: str) -> str:
    return (value or "").strip().lower()


def valid_email(value: str) -> bool:
    return len(value) <= 254 and bool(EMAIL.match(value))


def client_ip(request) -> str:
    return (request.client_addr or "")[:45]


def get_or_create_subscriber(db, email: str, name: str = "", language: str = "cs",
                             user=None, first_name: str = "", last_name: str = "",
                             gender: str | None = None) -> Subscriber:
    subscriber = db.scalar(sa.select(Subscriber).where(Subscriber.email == email))
    if subscriber is None:
        if not (first_name or last_name):
            first_name, last_name = split_name(name)
        subscriber = Subscriber(email=email, name=name, first_name=first_name,
                                last_name=last_name, gender=gender,
                                language=language if language in ("cs", "en") else "cs",
                                user_id=user.id if user is not None else None)
        nested = db.begin_nested()
        try:
            db.add(subscriber)
            db.flush()
            nested.commit()
        except sa.exc.IntegrityError:
            # Another request created the same address a moment ago: use that one.
            nested.rollback()
            subscriber = db.scalar(sa.select(Subscriber).where(Subscriber.email == email))
    elif user is not None and subscriber.user_id is None:
        subscriber.user_id = user.id
    return subscriber


def public_lists(db) -> list[NewsletterList]:
    return list(db.scalars(sa.select(NewsletterList).where(NewsletterList.is_public.is_(True))
                           .order_by(NewsletterList.name)))


# -- consent, in the core's ledger -------------------------------------------------------------

def subscribed_list_ids(request, email: str) -> set[int]:
    """The lists ``email`` has a consent in force for (one query on the ledger)."""
    held = holders(LIST_PURPOSE_KEY, object=None).subquery()
    objects = request.dbsession.scalars(sa.select(held.c.object).where(
        held.c.email == normalise_email(email)))
    return {list_id for list_id in map(list_id_of, objects) if list_id is not None}


def give_list_consent(request, email: str, nl: NewsletterList, text_version: str,
                      source: str, at: dt.datetime | None = None):
    """Record the address's consent to ``nl``; the address may receive mail again."""
    give(request, subject_of(email), LIST_PURPOSE_KEY, text_version, source,
         object=list_object(nl.id), by=request.identity, at=at)
    request.dbsession.execute(sa.update(Subscriber).where(Subscriber.email == email)
                              .values(opted_out_at=None))


def withdraw_list_consent(request, email: str, list_id: int, source: str) -> bool:
    return withdraw(request, subject_of(email), LIST_PURPOSE_KEY, source,
                    object=list_object(list_id)) is not None


def subscribe(request, email: str, name: str, lists: list[NewsletterList],
              language: str, text_version: str) -> tuple[list[NewsletterList], bool]:
    """Subscribe ``email`` to ``lists``: ``(lists changed, confirmed at once)``.

    An anonymous visitor gets a confirmation e-mail (double opt-in); a signed-in user
    subscribing their own verified address is recorded at once (the account proves the
    mailbox). The answer never tells whether the address was known. ``text_version`` is the
    version of the consent text the form showed (``OutdatedText`` when it changed since).
    """
    db = request.dbsession
    user = request.identity
    own_verified = (user is not None and user.email.lower() == email
                    and user.email_verified_at is not None)
    purpose(request.registry, LIST_PURPOSE_KEY)  # declared, or the form cannot work
    if text_version != LIST_PURPOSE.text_version:
        raise OutdatedText("The consent text changed.", LIST_PURPOSE.text_version)
    if own_verified and getattr(user, "language", None) in ("cs", "en"):
        # A member's newsletters come in the language of their profile.
        language = user.language
    subscriber = get_or_create_subscriber(db, email, name or (user.name if own_verified else ""),
                                          language, user if own_verified else None)
    held = subscribed_list_ids(request, email)
    changed = []
    pending = []
    for nl in lists:
        if nl.id in held:
            continue
        if own_verified:
            give_list_consent(request, email, nl, text_version, "form")
            changed.append(nl)
            continue
        request_row = db.scalar(sa.select(Subscription).where(
            Subscription.list_id == nl.id, Subscription.subscriber_id == subscriber.id))
        if request_row is not None and request_row.requested_at > utcnow() - RESEND_AFTER:
            # Asked again within minutes: no second e-mail (nobody can flood a mailbox
            # by submitting someone's address repeatedly).
            continue
        if request_row is None:
            request_row = Subscription(list_id=nl.id, subscriber_id=subscriber.id)
            db.add(request_row)
        request_row.requested_at = utcnow()
        request_row.confirm_token = new_token()
        pending.append(request_row)
        changed.append(nl)
    db.flush()
    if pending:
        _send_confirmation(request, subscriber, pending)
    return changed, own_verified


def _send_confirmation(request, subscriber: Subscriber, subscriptions: list[Subscription]):
    localizer = localizer_for(request.registry, subscriber.language)
    lines = [localizer.translate(_("Please confirm that you want to receive these newsletters "
                                   "from ${site}:",
                                   mapping={"site": request.registry.settings["hub.site_name"]}))]
    for subscription in subscriptions:
        url = request.route_url("newsletter.confirm", token=subscription.confirm_token)
        lines.append(f"- {subscription.list.name}: {url}")
    lines.append(localizer.translate(_("If you did not ask for this, ignore this e-mail; "
                                       "nothing will be sent to you.")))
    queue_mail(request, subscriber.email, localizer.translate(_("Confirm your subscription")),
               "\n\n".join(lines))


def pending_request(request, token: str) -> Subscription | None:
    """The unexpired subscription request of a confirmation link."""
    subscription = request.dbsession.scalar(
        sa.select(Subscription).where(Subscription.confirm_token == token))
    if subscription is None:
        return None
    expiry = int(request.registry.settings.get("newsletter.confirm_expiry_days") or 7)
    if subscription.requested_at < utcnow() - dt.timedelta(days=expiry):
        return None
    return subscription


def confirm(request, token: str, text_version: str) -> NewsletterList | None:
    """Double opt-in: record the consent in the ledger and forget the request."""
    subscription = pending_request(request, token)
    if subscription is None:
        return None
    nl = subscription.list
    give_list_consent(request, subscription.subscriber.email, nl, text_version,
                      "double_opt_in")
    request.dbsession.delete(subscription)
    request.dbsession.flush()
    return nl


def unsubscribe_everything(request, subscriber: Subscriber, campaign_id: int | None) -> bool:
    """One-click unsubscribe: every list's consent is withdrawn, and no newsletter from any
    source is sent to the address again.

    Returns False when the address was already unsubscribed (the call is idempotent).
    """
    db = request.dbsession
    already = subscriber.opted_out_at is not None
    if not already:
        subscriber.opted_out_at = utcnow()
    withdrawn = [withdraw_list_consent(request, subscriber.email, list_id, "link")
                 for list_id in sorted(subscribed_list_ids(request, subscriber.email))]
    db.execute(sa.delete(Subscription).where(Subscription.subscriber_id == subscriber.id))
    changed = not already or any(withdrawn)
    if changed and campaign_id:
        db.execute(sa.update(Campaign).where(Campaign.id == campaign_id)
                   .values(unsubscribes=Campaign.unsubscribes + 1))
    return changed


def set_preferences(request, subscriber: Subscriber, wanted_ids: set[int],
                    text_version: str) -> None:
    """Subscribe to exactly ``wanted_ids`` among the public lists and the current ones.

    The link came to the subscriber's mailbox, so the mailbox is proven: consent is
    recorded directly (source "form").
    """
    held = subscribed_list_ids(request, subscriber.email)
    lists = {nl.id: nl for nl in public_lists(request.dbsession)}
    for list_id in held - set(lists):
        nl = request.dbsession.get(NewsletterList, list_id)
        if nl is not None:
            lists[list_id] = nl
    for list_id, nl in lists.items():
        if list_id in wanted_ids and list_id not in held:
            give_list_consent(request, subscriber.email, nl, text_version, "form")
        elif list_id not in wanted_ids and list_id in held:
            withdraw_list_consent(request, subscriber.email, list_id, "form")
    request.dbsession.flush()


def expire_unconfirmed(request) -> int:
    """Periodic job: forget subscription requests never confirmed (retention)."""
    expiry = int(request.registry.settings.get("newsletter.confirm_expiry_days") or 7)
    result = request.dbsession.execute(sa.delete(Subscription).where(
        Subscription.requested_at < utcnow() - dt.timedelta(days=expiry)))
    return result.rowcount


# -- audiences --------------------------------------------------------------------------------

def crm_audiences(request) -> list[dict]:
    found = []
    for result in plugin_hooks(request).hub_audiences(request=request):
        found.extend(result or ())
    return found


def collect_recipients(request, campaign: Campaign) -> dict[str, dict]:
    """``{address: {"subscriber_id", "source", "consent_record_id"}}`` of everyone who may
    get it, with the ledger record of the consent each is sent on."""
    from hub_newsletter.snapshots import list_consents

    db = request.dbsession
    recipients: dict[str, dict] = {}
    list_ids = [nl.id for nl in campaign.lists]
    if list_ids:
        # One query: the subscribers joined to the consents in force in the ledger.
        for subscriber_id, address, obj, record_id in db.execute(list_consents(list_ids)):
            recipients.setdefault(address, {"subscriber_id": subscriber_id, "source": obj,
                                            "consent_record_id": record_id})
    members_hook = plugin_hooks(request).hub_audience_members
    for key in campaign.audiences or ():
        for member in members_hook(request=request, key=key) or ():
            address = normalise_email(member.get("email", ""))
            if not valid_email(address) or address in recipients:
                continue
            subscriber = get_or_create_subscriber(
                db, address, member.get("name") or "", member.get("language") or "cs",
                first_name=member.get("first_name") or "",
                last_name=member.get("last_name") or "",
                gender=member.get("gender") if member.get("gender") in ("f", "m") else None)
            if subscriber.can_receive:
                recipients[address] = {"subscriber_id": subscriber.id,
                                       "source": f"audience:{key}"[:120],
                                       "consent_record_id": member.get("consent_record_id")}
    return recipients


class CampaignError(Exception):
    def __init__(self, errors):
        super().__init__("campaign cannot be sent")
        self.errors = errors


def start_sending(request, campaign: Campaign) -> int:
    """Validate, write one delivery row per recipient and hand the campaign to the workers.

    Fails before anything is written or sent when the content is broken; the error is
    kept on the campaign for the staff to see.
    """
    from hub.jobs import enqueue

    errors = content.campaign_errors(campaign)
    if not errors:
        try:
            from hub_newsletter.rendering import LANGUAGES, archive_values, render

            for language in LANGUAGES:
                render(request, campaign, archive_values(campaign, language), language)
        except Exception as exc:  # noqa: BLE001 (any rendering error stops the campaign)
            errors = [_("The message cannot be rendered: ${error}",
                        mapping={"error": str(exc)})]
    if errors:
        campaign.status = "failed"
        localizer = get_localizer(request)
        campaign.error = "\n".join(localizer.translate(e) for e in errors)
        raise CampaignError(errors)
    from hub_newsletter.snapshots import take_snapshot

    db = request.dbsession
    # The ledger's key that signs withdraw links exists before the workers read it.
    withdraw_link_maker(request, LIST_PURPOSE_KEY)
    recipients = collect_recipients(request, campaign)
    known = set(db.scalars(sa.select(Delivery.address).where(Delivery.campaign_id == campaign.id)))
    after = db.scalar(sa.select(sa.func.max(Delivery.id))
                      .where(Delivery.campaign_id == campaign.id)) or 0
    rows = [{"campaign_id": campaign.id, "address": address, "subscriber_id": r["subscriber_id"],
             "source": r["source"], "status": "pending",
             "consent_record_id": r.get("consent_record_id")}
            for address, r in recipients.items() if address not in known]
    for start in range(0, len(rows), 1000):
        db.execute(sa.insert(Delivery), rows[start:start + 1000])
    take_snapshot(request, campaign, after)
    campaign.status = "sending"
    campaign.error = ""
    campaign.started_at = campaign.started_at or utcnow()
    db.flush()
    enqueue(request, "newsletter.send", campaign_id=campaign.id)
    return len(rows)


def start_due_campaigns(request) -> int:
    """Periodic job: start scheduled campaigns whose time has come, and wake campaigns
    whose worker died holding claims (the lease has expired)."""
    from hub.jobs import enqueue

    db = request.dbsession
    due = list(db.scalars(sa.select(Campaign).where(Campaign.status == "scheduled",
                                                    Campaign.scheduled_at <= utcnow())))
    for campaign in due:
        try:
            start_sending(request, campaign)
        except CampaignError:
            continue
    lease = int(request.registry.settings.get("newsletter.claim_lease_seconds") or 0)
    now = utcnow()
    stalled = db.scalars(
        sa.select(Delivery.campaign_id).distinct()
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Campaign.status == "sending", Delivery.status == "pending",
               sa.or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
               sa.or_(Delivery.claimed_by.is_(None),
                      Delivery.claimed_at <= now - dt.timedelta(seconds=lease))))
    for campaign_id in stalled:
        enqueue(request, "newsletter.send", campaign_id=campaign_id)
    return len(due)


def delivery_counts(db, campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """``{campaign id: {status: count}}`` in one query (list pages stay N+1 free)."""
    result: dict[int, dict[str, int]] = {cid: {} for cid in campaign_ids}
    if not campaign_ids:
        return result
    rows = db.execute(sa.select(Delivery.campaign_id, Delivery.status, sa.func.count())
                      .where(Delivery.campaign_id.in_(campaign_ids))
                      .group_by(Delivery.campaign_id, Delivery.status))
    for campaign_id, status, count in rows:
        result[campaign_id][status] = count
    return result


def campaign_stats(db, campaign: Campaign) -> dict:
    counts = delivery_counts(db, [campaign.id])[campaign.id]
    total = sum(counts.values())
    done = total - counts.get("pending", 0)
    return {"total": total, "pending": counts.get("pending", 0),
            "sending": counts.get("sending", 0), "sent": counts.get("sent", 0),
            "failed": counts.get("failed", 0), "skipped": counts.get("skipped", 0),
            "bounced": counts.get("bounced", 0), "unsubscribed": campaign.unsubscribes,
            "progress": round(100 * done / total) if total else 0,
            **({"opens": campaign.opens, "clicks": campaign.clicks} if campaign.track else {})}
