"""Bounces: the VERP return path names the delivery; hard bounces stop all sending to the
address, soft bounces are counted (and stop it after ``newsletter.soft_bounce_limit``).

Inputs:

- a mailbox the bounce address is delivered to, read by the periodic job
  ``newsletter.process_bounces`` with the core's ``hub.mail.inbox``: a Maildir
  (``newsletter.bounce_maildir``) and/or an IMAP folder (``newsletter.bounce_imap_host``
  and friends, over TLS by default);
- a webhook (``POST /api/v1/newsletter/bounces``, shared secret) for mail services that
  report bounces themselves.

Delivery status notifications (RFC 3464: ``multipart/report`` with a
``message/delivery-status`` part) are read per recipient: ``Action: failed`` with a
``5.x.x`` status is a hard bounce, ``delayed`` or a ``4.x.x`` status a soft one,
``delivered``/``relayed``/``expanded`` are not bounces. The delivery is found from the VERP
recipient of the report (``bounces+<delivery>-<token prefix>@…``); the token prefix makes
forged reports for other people impractical. A non-standard bounce is accepted when its
text carries an RFC 3463 status code; anything else (an out-of-office reply, spam) is not
a bounce and is left in the mailbox marked as seen. ``unsubscribe-<token>`` mails (the
``mailto:`` of List-Unsubscribe) unsubscribe.
"""
from __future__ import annotations

import email
import email.policy
import hmac
import re
from dataclasses import dataclass

import sqlalchemy as sa

from hub.db import utcnow
from hub.mail.inbox import Mailbox, read_maildir, read_new
from hub_newsletter.models import Delivery, Subscriber

VERP = re.compile(r"\+(\d+)-([A-Za-z0-9_-]{10})@")
UNSUBSCRIBE = re.compile(r"^(?:re:\s*)?unsubscribe-([A-Za-z0-9_-]{16,64})$", re.I)
STATUS = re.compile(r"^Status:\s*([245])\.\d{1,3}\.\d{1,3}", re.M | re.I)
STATUS_CODE = re.compile(r"\b([45])\.\d{1,3}\.\d{1,3}\b")
RECIPIENT_HEADERS = ("X-Original-To", "Delivered-To", "Envelope-To", "X-Envelope-To", "To")


@dataclass(frozen=True)
class Bounce:
    verp: str
    hard: bool
    status: str = ""


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


# -- reading reports ----------------------------------------------------------------------------

def verp_recipient(message) -> str | None:
    """The VERP address the report was delivered to (the original envelope sender)."""
    for header in RECIPIENT_HEADERS:
        for value in message.get_all(header, []):
            if VERP.search(str(value)):
                return str(value)
    return None


def _status_fields(part) -> list:
    """The header blocks of a ``message/delivery-status`` part (per message, per recipient)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return payload
    # Some parsers leave the part as text: parse the blank-line separated blocks here.
    text = payload if isinstance(payload, str) else ""
    return [email.message_from_string(block.strip() + "\n", policy=email.policy.compat32)
            for block in re.split(r"\r?\n\s*\r?\n", text) if block.strip()]


def dsn_results(message) -> list[tuple[str, str]] | None:
    """``[(action, status)]`` per recipient of an RFC 3464 report, or None if not one."""
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        results = []
        for block in _status_fields(part):
            action = str(block.get("Action", "")).strip().lower()
            status = str(block.get("Status", "")).strip().split(" ")[0]
            if action or block.get("Final-Recipient"):
                results.append((action, status))
        return results
    return None


def classify(message) -> tuple[str | None, bool | None]:
    """``(VERP recipient, hard?)`` of a bounce; ``hard`` is None when it is no bounce."""
    recipient = verp_recipient(message)
    results = dsn_results(message)
    if results is not None:
        failed = [(a, s) for a, s in results if a == "failed" or s.startswith("5.")]
        delayed = [(a, s) for a, s in results if a == "delayed" or s.startswith("4.")]
        if failed:
            return recipient, not failed[0][1].startswith("4.")
        if delayed:
            return recipient, False
        return recipient, None  # delivered, relayed or expanded: good news
    status = STATUS.search(message.as_string())
    if status is not None:
        return recipient, status.group(1) == "5"
    return recipient, None


def handle_message(request, raw: bytes) -> bool | None:
    """Act on one mail of the bounce mailbox: True if it changed something, False if it
    was a bounce or unsubscribe for nobody known, None if it is neither."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    unsubscribe = UNSUBSCRIBE.match(str(message.get("Subject", "")).strip())
    if unsubscribe:
        # The mailto: of List-Unsubscribe: "unsubscribe-<token>" in the subject.
        return unsubscribe_by_token(request, unsubscribe.group(1))
    recipient, hard = classify(message)
    if hard is None:
        return None
    return bool(recipient) and record_bounce(request, recipient, hard)


def bounce_mailbox(request) -> Mailbox:
    return Mailbox.from_settings(request.registry.settings, "newsletter.bounce_")


def process_maildir(request) -> int:
    """Read the new mails of the bounce Maildir; bounces and unsubscribes are removed,
    other mail is kept and marked as seen (it is not read again)."""
    return read_maildir(bounce_mailbox(request).maildir,
                        lambda raw: handle_message(request, raw))


def process_bounces(request) -> int:
    """Job ``newsletter.process_bounces`` (every five minutes): the bounce mailbox's Maildir
    and IMAP folder, read by the core's ``hub.mail.inbox``."""
    return read_new(bounce_mailbox(request), lambda raw: handle_message(request, raw))
