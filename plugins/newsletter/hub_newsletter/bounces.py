"""Bounces: the VERP return path names the delivery; hard bounces stop all sending to the
address, soft bounces are counted (and stop it after ``newsletter.soft_bounce_limit``).

Two inputs: a Maildir the bounce mailbox is delivered to (periodic job), and a webhook
(``POST /api/v1/newsletter/bounces``, shared secret) for mail services that report bounces.
"""
from __future__ import annotations

import email
import email.policy
import hmac
import mailbox
import re

import sqlalchemy as sa

from hub.db import utcnow
from hub_newsletter.models import Delivery, Subscriber

VERP = re.compile(r"\+(\d+)-([A-Za-z0-9_-]{10})@")
UNSUBSCRIBE = re.compile(r"^(?:re:\s*)?unsubscribe-([A-Za-z0-9_-]{16,64})$", re.I)
STATUS = re.compile(r"^Status:\s*([245])\.\d{1,3}\.\d{1,3}", re.M | re.I)


def find_delivery(db, verp: str) -> tuple[Delivery, Subscriber] | None:
    """The delivery named by a VERP address, when the token part matches."""
    match = VERP.search(verp or "")
    if match is None:
        return None
    delivery = db.get(Delivery, int(match.group(1)))
    if delivery is None or delivery.subscriber_id is None:
        return None
    subscriber = db.get(Subscriber, delivery.subscriber_id)
    if subscriber is None or not hmac.compare_digest(subscriber.token[:10], match.group(2)):
        return None
    return delivery, subscriber


def record_bounce(request, verp: str, hard: bool) -> bool:
    db = request.dbsession
    found = find_delivery(db, verp)
    if found is None:
        return False
    delivery, subscriber = found
    limit = int(request.registry.settings.get("newsletter.soft_bounce_limit") or 5)
    delivery.status = "bounced"
    if hard:
        subscriber.hard_bounced_at = subscriber.hard_bounced_at or utcnow()
    else:
        subscriber.soft_bounces += 1
        if subscriber.soft_bounces >= limit:
            subscriber.hard_bounced_at = subscriber.hard_bounced_at or utcnow()
    return True


def unsubscribe_by_token(request, token: str) -> bool:
    from hub_newsletter.services import unsubscribe_everything

    subscriber = request.dbsession.scalar(sa.select(Subscriber).where(Subscriber.token == token))
    if subscriber is None:
        return False
    unsubscribe_everything(request, subscriber, None)
    return True


def classify(message) -> tuple[str | None, bool]:
    """``(VERP recipient, hard?)`` of a delivery status notification."""
    recipient = None
    for header in ("X-Original-To", "Delivered-To", "To"):
        value = message.get(header, "")
        if VERP.search(value):
            recipient = value
            break
    body = message.as_string()
    status = STATUS.search(body)
    hard = status is None or status.group(1) == "5"
    return recipient, hard


def process_maildir(request) -> int:
    """Job ``newsletter.process_bounces``: read new bounce messages, then remove them."""
    path = request.registry.settings.get("newsletter.bounce_maildir")
    if not path:
        return 0
    box = mailbox.Maildir(path, factory=None, create=False)
    handled = 0
    for key in list(box.keys()):
        raw = box.get_bytes(key)
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
        unsubscribe = UNSUBSCRIBE.match(str(message.get("Subject", "")).strip())
        if unsubscribe:
            # The mailto: of List-Unsubscribe: "unsubscribe-<token>" in the subject.
            handled += unsubscribe_by_token(request, unsubscribe.group(1))
        else:
            recipient, hard = classify(message)
            if recipient and record_bounce(request, recipient, hard):
                handled += 1
        box.remove(key)
    return handled
