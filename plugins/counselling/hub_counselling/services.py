"""Cases: references, asking, replying, the asker's links, access checks and mail."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from email.utils import parseaddr

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hub import consent, erasures
from hub.accounts import ratelimit
from hub.dates import format_day, language
from hub.db import utcnow
from hub.i18n import localizer_for
from hub.mail import queue_mail
from hub_counselling.i18n import _
from hub_counselling.models import (
    CATEGORIES,
    Access,
    Case,
    Counsellor,
    InboxMail,
    Message,
    Sequence,
)

PURPOSE = "counselling.case"
FAQ_PURPOSE = "counselling.faq"
READ = "counselling:case:read"  # read and answer case texts (admins; staff when granted)
QUEUE = "counselling:case:list"  # see the queue's metadata and the statistics
MANAGE = "counselling:manage"  # grant counsellors, edit reply templates

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_SUBJECT = 200
MAX_MESSAGE = 20_000
MAX_NAME = 200
# Questions per address of the asker's computer and per reply address in an hour.
LIMITS = {"counselling_ip": (5, 3600), "counselling_mail": (3, 3600)}

CATEGORY_LABELS = {
    "patients_rights": _("Patients' rights"),
    "access_to_care": _("Access to care"),
    "organisation": _("Founding and running an organisation"),
    "grants": _("Grants and funding"),
    "other": _("Something else"),
}
STATUS_LABELS = {
    "new": _("New"), "open": _("Open"), "waiting": _("Waiting for the asker"),
    "answered": _("Answered"), "closed": _("Closed"),
}
assert set(CATEGORY_LABELS) == set(CATEGORIES)  # noqa: S101  (a programming error)


class CaseError(ValueError):
    """Input that cannot make or change a case: ``errors`` maps fields to messages."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


def reply_days(request) -> int:
    return request.registry.settings.get("counselling.reply_days", 30)


# -- references ---------------------------------------------------------------------------

def next_reference(db, year: int) -> str:
    """``PH-<year>-<nnnnn>``: the year's counter, taken under a row lock.

    The UPDATE locks the year's row until the transaction ends, so two requests never
    get the same number; the first case of a year inserts the row, and of two requests
    racing to do that the loser retries the UPDATE (the insert runs in a savepoint).
    """
    for _attempt in range(3):
        number = db.scalar(sa.update(Sequence).where(Sequence.year == year)
                           .values(last=Sequence.last + 1).returning(Sequence.last))
        if number is not None:
            return f"PH-{year}-{number:05d}"
        try:
            with db.begin_nested():
                db.add(Sequence(year=year, last=1))
                db.flush()
        except IntegrityError:
            continue
        return f"PH-{year}-00001"
    raise RuntimeError("no case number could be taken")  # pragma: no cover


# -- asking -------------------------------------------------------------------------------

def check_question(values: dict, signed_in: bool) -> dict:
    """Errors of a question (subject, message, email, category, consent), by field."""
    errors = {}
    subject, message = values.get("subject", ""), values.get("message", "")
    if not subject:
        errors["subject"] = _("Enter a subject.")
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = _("Use at most ${n} characters.", mapping={"n": MAX_SUBJECT})
    if not message:
        errors["message"] = _("Write your question.")
    elif len(message) > MAX_MESSAGE:
        errors["message"] = _("Use at most ${n} characters.", mapping={"n": MAX_MESSAGE})
    email = values.get("email", "")
    if not signed_in and (len(email) > 254 or not EMAIL_RE.match(email)):
        errors["email"] = _("Enter the e-mail address we should answer to.")
    if len(values.get("name", "")) > MAX_NAME:
        errors["name"] = _("Use at most ${n} characters.", mapping={"n": MAX_NAME})
    if values.get("category") not in CATEGORIES:
        errors["category"] = _("Choose what your question is about.")
    if not values.get("consent_version"):
        errors["consent"] = _("We can only keep and answer your question with your explicit "
                              "consent: tick the box.")
    return errors


def too_many_questions(request, email: str) -> int | None:
    """Seconds to wait before asking again, or None."""
    return ratelimit.retry_after(request, _limit_checks(request, email), LIMITS)


def _limit_checks(request, email: str) -> list[tuple[str, str]]:
    return [("counselling_ip", ratelimit.client_ip(request)), ("counselling_mail", email)]


def subject_of(case: Case) -> consent.Subject:
    if case.user_id is not None:
        return consent.Subject(user_id=case.user_id, email=case.email)
    return consent.Subject.of_email(case.email)


def create_case(request, values: dict, user, channel: str) -> Case:
    """A new case with the asker's first message, their consent and the acknowledgement.

    ``values``: subject, message, email, name, category, consent_version (the version of
    the consent text shown). Raises ``CaseError`` for bad input and
    ``consent.OutdatedText`` when the text changed meanwhile.
    """
    values = {k: values[k].strip() if isinstance(values.get(k), str) else ""
              for k in ("subject", "message", "email", "name", "category", "consent_version")}
    if user is not None:
        values["email"] = user.email
        values["name"] = values["name"] or user.name
    errors = check_question(values, user is not None)
    if errors:
        raise CaseError(errors)
    db = request.dbsession
    now = utcnow()
    email = values["email"].lower()
    case = Case(reference=next_reference(db, now.year), status="new",
                category=values["category"], subject=values["subject"],
                user_id=user.id if user is not None else None, email=email,
                name=values["name"], language=(user.language if user is not None
                                               else language(request)),
                access_key=secrets.token_urlsafe(32), created_at=now,
                due_at=now + dt.timedelta(days=reply_days(request)))
    case.messages.append(Message(direction="in", channel=channel, body=values["message"],
                                 author_id=user.id if user is not None else None,
                                 created_at=now))
    db.add(case)
    db.flush()
    consent.give(request, subject_of(case), PURPOSE, values["consent_version"],
                 "api" if channel == "api" else "form", object=object_of(case))
    ratelimit.record(request, _limit_checks(request, email), LIMITS)
    acknowledge(request, case)
    return case


def object_of(case: Case) -> str:
    return f"case:{case.id}"


def case_of_object(request, object_: str) -> Case | None:
    kind, _sep, ident = (object_ or "").partition(":")
    if kind != "case" or not ident.isdigit():
        return None
    return request.dbsession.get(Case, int(ident))


# -- the thread ---------------------------------------------------------------------------

def check_body(body: str) -> dict:
    if not body:
        return {"body": _("Write the text.")}
    if len(body) > MAX_MESSAGE:
        return {"body": _("Use at most ${n} characters.", mapping={"n": MAX_MESSAGE})}
    return {}


def reply(request, case: Case, body: str, author, channel: str = "staff",
          wait: bool = False) -> Message:
    """A counsellor's answer: kept in the thread and mailed to the asker; ``wait`` when it
    asks the asker for more (the case then waits for them)."""
    body = (body or "").strip()
    errors = check_body(body)
    if errors:
        raise CaseError(errors)
    now = utcnow()
    message = Message(direction="out", channel=channel, body=body, author_id=author.id,
                      created_at=now)
    case.messages.append(message)
    case.first_reply_at = case.first_reply_at or now
    case.status = "waiting" if wait else "answered"
    case.closed_at = None
    if case.assignee_id is None:
        case.assignee_id = author.id
    request.dbsession.flush()
    mail_reply(request, case, message)
    audit(request, case, "reply", channel)
    return message


def note(request, case: Case, body: str, author) -> Message:
    """An internal note: never shown or mailed to the asker, not a reply in the statistics."""
    body = (body or "").strip()
    errors = check_body(body)
    if errors:
        raise CaseError(errors)
    message = Message(direction="note", channel="staff", body=body, author_id=author.id)
    case.messages.append(message)
    if case.status == "new":
        case.status = "open"
    request.dbsession.flush()
    audit(request, case, "note")
    return message


def answer(request, case: Case, body: str, channel: str, user=None) -> Message:
    """The asker writes again: the case is open for the counsellors again."""
    body = (body or "").strip()
    errors = check_body(body)
    if errors:
        raise CaseError(errors)
    if case.status == "closed":
        raise CaseError({"body": _("This case is closed. Ask a new question, please.")})
    message = Message(direction="in", channel=channel, body=body,
                      author_id=user.id if user is not None else None)
    case.messages.append(message)
    if case.status in ("waiting", "answered"):
        case.status = "open"
    request.dbsession.flush()
    return message


def attach_mail(request, case: Case, mail: InboxMail) -> Message:
    """A counsellor adds mail of the staff inbox to a case as the asker's words; the case
    is open again, even when it was closed."""
    message = Message(direction="in", channel="mail", body=mail.body or mail.subject,
                      author_id=None, created_at=mail.received_at)
    case.messages.append(message)
    if case.status != "new":
        case.status = "open"
    case.closed_at = None
    request.dbsession.delete(mail)
    request.dbsession.flush()
    audit(request, case, "attach_mail")
    return message


def set_status(request, case: Case, status: str) -> None:
    case.status = status
    case.closed_at = utcnow() if status == "closed" else None
    audit(request, case, f"status.{status}")


def hand_over(request, case: Case, assignee_id: int | None) -> None:
    case.assignee_id = assignee_id
    if case.status == "new" and assignee_id is not None:
        case.status = "open"
    audit(request, case, "hand_over")


def public_thread(case: Case) -> list[Message]:
    """What the asker sees: their words and the replies, never the internal notes."""
    return [m for m in case.messages if m.direction != "note"]


# -- who may read -------------------------------------------------------------------------

def can_read(request) -> bool:
    """Administrators, and staff an administrator made counsellors."""
    user = request.identity
    if user is None or not user.is_staff:
        return False
    if request.has_permission(READ):
        return True
    return request.dbsession.get(Counsellor, user.id) is not None


def counsellors(request) -> list:
    from hub.accounts.models import User

    granted = sa.select(Counsellor.user_id)
    return list(request.dbsession.scalars(
        sa.select(User).where(User.is_active, User.role.in_(("staff", "admin")),
                              sa.or_(User.role == "admin", User.id.in_(granted)))
        .order_by(User.name)))


def audit(request, case: Case, action: str, channel: str = "page") -> None:
    """Record a read or change (joins the request's transaction)."""
    user = request.identity
    request.dbsession.add(Access(user_id=user.id if user is not None else None,
                                 case_id=case.id, reference=case.reference,
                                 action=action[:20], channel=channel[:10]))


# -- the asker's links and reply address --------------------------------------------------

def link_token(case: Case, purpose: str = "thread") -> str:
    """``<id>.<signature>``: an HMAC of the purpose with the case's own random key."""
    signature = hmac.new(case.access_key.encode(), purpose.encode(),
                         hashlib.sha256).hexdigest()[:40]
    return f"{case.id}.{signature}"


def case_from_token(db, token: str, purpose: str = "thread") -> Case | None:
    ident, _sep, signature = (token or "").partition(".")
    if not ident.isdigit() or len(ident) > 12 or not signature:
        return None
    case = db.get(Case, int(ident))
    if case is None:
        return None
    expected = link_token(case, purpose).partition(".")[2]
    return case if hmac.compare_digest(expected.encode(), signature.encode()) else None


def case_url(request, case: Case) -> str:
    """The asker's page of the case: My hub for an account, else the personal link."""
    if case.user_id is not None:
        return request.route_url("counselling.my_case", id=case.id)
    return request.route_url("counselling.link", token=link_token(case))


def reply_address(request, case: Case) -> str:
    """``local+<reference>.<signature>@domain`` of the counselling mailbox: an answer by
    mail names its case and proves it comes from a mail the hub sent about it."""
    settings = request.registry.settings
    address = settings.get("counselling.reply_address") or \
        parseaddr(settings.get("mail.sender", "hub@example.org"))[1]
    local, _sep, domain = address.partition("@")
    signature = link_token(case, "mail").partition(".")[2][:16]
    return f"{local}+{case.reference}.{signature}@{domain}"


def _mail(request, case: Case, subject, text, mapping: dict) -> None:
    localizer = localizer_for(request.registry, case.language)
    mapping = {"reference": case.reference, "url": case_url(request, case),
               "site": request.registry.settings.get("hub.site_name", ""), **mapping}
    # A reply is the counsellor's own words (no placeholders to fill in).
    text = text if isinstance(text, str) and not hasattr(text, "domain") \
        else localizer.translate(text, mapping=mapping)
    body = text + "\n\n" + localizer.translate(_(
        "You can read the whole conversation and write to us here: ${url}\n"
        "Or reply to this e-mail; keep ${reference} in the subject.", mapping=mapping))
    queue_mail(request, case.email, localizer.translate(subject, mapping=mapping), body,
               headers={"Reply-To": reply_address(request, case)})


def acknowledge(request, case: Case) -> None:
    _mail(request, case, _("[${reference}] We have received your question"), _(
        "Thank you for your question \u201c${subject}\u201d. Its reference is ${reference}. "
        "We will answer within ${days} days, by ${due}.\n\n"
        "We keep your question only to answer it; you can withdraw your consent at any "
        "time on the page below or under My consents, and your question is then deleted."),
        {"subject": case.subject, "days": reply_days(request),
         "due": format_day(case.due_at, case.language)})


def mail_reply(request, case: Case, message: Message) -> None:
    _mail(request, case, _("[${reference}] Answer to your question: ${subject}"),
          message.body, {"subject": case.subject})


# -- erasure ------------------------------------------------------------------------------

CASE_ERASURE = "hub_counselling.services:case"


def erase_case(request, case: Case, action: str) -> None:
    """Delete a case with its thread; the consent it rested on is withdrawn (the ledger
    keeps the history), the access trail keeps the reference. The erasure is journalled
    (``hub.erasures``) so that a restore deletes the case again."""
    erasures.record_row(request, CASE_ERASURE, case)
    audit(request, case, action)
    consent.withdraw(request, subject_of(case), PURPOSE, "erasure", object=object_of(case))
    if action != "retention":
        # The asker withdrew or was erased: their question leaves the FAQ too. An entry
        # outlives a case deleted at the end of its retention (it names no one).
        consent.withdraw(request, subject_of(case), FAQ_PURPOSE, "erasure",
                         object=object_of(case))
    db = request.dbsession
    if case in db:
        db.delete(case)
        db.flush()


erasures.register(CASE_ERASURE, Case, lambda request, case: erase_case(request, case, "erased"))


def cases_of_user(request, user) -> list[Case]:
    """The cases a person asked: by account, or by their verified address."""
    who = [Case.user_id == user.id]
    if user.email and user.email_verified_at is not None:
        who.append(sa.func.lower(Case.email) == user.email.lower())
    return list(request.dbsession.scalars(sa.select(Case).where(sa.or_(*who))
                                          .order_by(Case.created_at.desc())))


def inbox_mail_of_user(request, user) -> list[InboxMail]:
    """Mail of the staff inbox from the person's verified address."""
    if not user.email or user.email_verified_at is None:
        return []
    return list(request.dbsession.scalars(sa.select(InboxMail).where(
        sa.func.lower(InboxMail.email) == user.email.lower())))
