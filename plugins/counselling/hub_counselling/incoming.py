"""Answers by mail: the counselling mailbox, read by the periodic job
``counselling.mailbox`` with the core's ``hub.mail.inbox``.

A mail belongs to a case when it was sent to the signed reply address the hub gave
(``<mailbox>+<reference>.<signature>@…``), or when its subject names the reference and it
comes from the case's reply address. It is then added to the thread (channel ``mail``),
the case is open again and its counsellor (every counsellor when it has none) is
notified. Anything else goes to the staff inbox (``counselling_inbox``): a reference
without its signature from another address (forged or mistaken), a closed case, mail
sent automatically (out-of-office replies, delivery reports) or no reference at all.
"""
from __future__ import annotations

import email
import email.policy
import hmac
import re
from email.utils import getaddresses, parseaddr

import sqlalchemy as sa

from hub.mail.inbox import Mailbox, read_new
from hub.notifications import notify
from hub_counselling import services
from hub_counselling.i18n import _
from hub_counselling.models import Case, InboxMail

SIGNED = re.compile(r"\+(PH-\d{4}-\d{5,})\.([0-9a-f]{16})@", re.I)
REFERENCE = re.compile(r"\b(PH-\d{4}-\d{5,})\b", re.I)
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")
# The asker's quoted copy of our mail starts here; it is not kept twice.
QUOTE_START = re.compile(r"^(>|On .+ wrote:$|Dne .+ napsal.*:$|"
                         r"-----\s*(Original Message|Původní zpráva)\s*-----)", re.I)


def mailbox(request) -> Mailbox:
    return Mailbox.from_settings(request.registry.settings, "counselling.mailbox_")


def read_mailbox(request) -> int:
    """Job ``counselling.mailbox``: every new mail is attached to its case or put into the
    staff inbox; returns how many were attached."""
    return read_new(mailbox(request), lambda raw: handle_message(request, raw))


def plain_text(message) -> str:
    """The first text/plain part (else the text of the first text/html part)."""
    part = message.get_body(preferencelist=("plain", "html")) if hasattr(
        message, "get_body") else None
    if part is None:
        return ""
    text = part.get_content()
    if part.get_content_type() == "text/html":
        text = re.sub(r"<[^>]+>", " ", text)
    return text


def without_quote(text: str) -> str:
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if QUOTE_START.match(line.strip()):
            break
        lines.append(line)
    return "\n".join(lines).strip()


def signed_case(db, message) -> Case | None:
    """The case named by a signed reply address among the recipients, if the signature
    is right."""
    for header in RECIPIENT_HEADERS:
        for _name, address in getaddresses([str(v) for v in message.get_all(header, [])]):
            match = SIGNED.search(address)
            if match is None:
                continue
            case = db.scalar(sa.select(Case).where(Case.reference == match.group(1).upper()))
            if case is None:
                continue
            expected = services.link_token(case, "mail").partition(".")[2][:16]
            if hmac.compare_digest(expected.encode(), match.group(2).lower().encode()):
                return case
    return None


def automatic(message) -> bool:
    """Out-of-office replies and delivery reports (RFC 3834, RFC 3464)."""
    submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    return submitted != "no" or message.get_content_type() == "multipart/report" or \
        bool(message.get("X-Autoreply")) or \
        str(message.get("Precedence", "")).strip().lower() in ("auto_reply", "bulk", "junk")


def handle_message(request, raw: bytes) -> bool:
    """Attach one mail to its case (True) or put it into the staff inbox (False)."""
    db = request.dbsession
    message = email.message_from_bytes(raw, policy=email.policy.default)
    name, sender = parseaddr(str(message.get("From", "")))
    subject = " ".join(str(message.get("Subject", "")).split())
    body = without_quote(plain_text(message))[:services.MAX_MESSAGE]
    case, reason = signed_case(db, message), "unmatched"
    if case is None:
        named = REFERENCE.search(subject)
        if named is not None:
            case = db.scalar(sa.select(Case).where(Case.reference == named.group(1).upper()))
            # A reference alone is no proof: it must come from the case's own address.
            if case is not None and case.email.lower() != sender.lower():
                case, reason = None, "forged"
    if case is not None and automatic(message):
        case, reason = None, "automatic"
    if case is not None and case.status == "closed":
        case, reason = None, "closed"
    if case is None or not body:
        db.add(InboxMail(email=sender[:254], name=name[:200], subject=subject[:300],
                         body=body or without_quote(plain_text(message)) or "",
                         reason=reason))
        db.flush()
        return False
    services.answer(request, case, body, "mail")
    tell_counsellors(request, case)
    return True


def tell_counsellors(request, case: Case) -> None:
    people = [case.assignee] if case.assignee is not None else services.counsellors(request)
    for user in people:
        notify(request, user, "counselling.answered",
               _("The asker answered counselling case ${reference}"),
               _("The answer came by e-mail; the case is open again."),
               url=request.route_url("counselling.case", id=case.id),
               mapping={"reference": case.reference})
