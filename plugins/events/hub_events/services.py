"""Registration rules: places, waiting list, promotion, links and calendar files.

Every change to an event's registrations first locks the event row (``SELECT ... FOR
UPDATE`` on PostgreSQL; on SQLite writing requests already hold the database write lock
from ``BEGIN IMMEDIATE``), so registrations, cancellations and promotions of one event run
one after another. The place counter is also taken with a conditional ``UPDATE`` and the
database refuses ``taken > capacity``, so a bug here cannot overbook an event.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets

import sqlalchemy as sa
from babel.dates import format_date, format_time
from sqlalchemy.exc import IntegrityError

from hub.accounts.models import User
from hub.dates import PRAGUE, format_moment
from hub.dates import language as page_language
from hub.db import utcnow
from hub.i18n import localizer_for
from hub.mail import queue_mail
from hub.notifications import notify
from hub_events.i18n import _
from hub_events.models import (
    ACTIVE,
    CANCELLED,
    CONFIRMED,
    HOLDS_PLACE,
    OFFERED,
    PENDING,
    REJECTED,
    UNVERIFIED,
    WAITLISTED,
    Event,
    Registration,
)

EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


class RegistrationError(Exception):
    """A registration cannot be made or changed; ``code`` maps to the HTTP status."""

    STATUS = {"closed": 422, "invalid": 422, "duplicate": 409, "state": 409, "forbidden": 403}

    def __init__(self, code: str, message, field: str | None = None):
        super().__init__(code)
        self.code = code
        self.message = message
        self.field = field

    @property
    def status(self) -> int:
        return self.STATUS.get(self.code, 422)


# -- formatting -------------------------------------------------------------------------

def local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(PRAGUE)


@functools.lru_cache(maxsize=8192)
def format_when(value: dt.datetime | None, locale: str, fmt: str = "medium") -> str:
    """Prague time for people: ``full``/``medium`` date with hours and minutes, ``long``
    date only, ``time`` hours and minutes only.

    Kept per (time, locale, format): Babel's formatting is slow next to the rest of a list
    page, and the same times come back on every request.
    """
    if value is None:
        return ""
    value = local(value)
    if fmt == "time":
        return format_time(value, format="short", locale=locale)
    if fmt == "long":
        return format_date(value, format="long", locale=locale)
    if fmt != "full":
        return format_moment(value, locale)
    return (f"{format_date(value, format='full', locale=locale)} "
            f"{format_time(value, format='short', locale=locale)}")


def format_span(starts: dt.datetime, ends: dt.datetime, locale: str) -> str:
    """``Thursday 3 December 2026 16:00–18:00`` (the end date only when it differs)."""
    same_day = local(starts).date() == local(ends).date()
    end = format_when(ends, locale, "time" if same_day else "full")
    return f"{format_when(starts, locale, 'full')} – {end}"


def format_answers(event: Event, answers) -> str:
    """The registrant's answers as "question: answer" paragraphs (empty ones left out)."""
    pairs = zip(event.question_list, list(answers or []), strict=False)
    return "\n\n".join(f"{q}: {str(a).strip()[:1000]}" for q, a in pairs if str(a).strip())


def normalise_email(value: str) -> str:
    return (value or "").strip().lower()


def valid_email(value: str) -> bool:
    return len(value) <= 254 and bool(EMAIL_RE.match(value))


# -- links with purpose-bound signatures -------------------------------------------------

def link_token(registration: Registration, purpose: str) -> str:
    """``<id>.<signature>``: HMAC of the purpose with the registration's own random key."""
    signature = hmac.new(registration.access_key.encode(), purpose.encode(),
                         hashlib.sha256).hexdigest()[:40]
    return f"{registration.id}.{signature}"


def registration_from_token(dbsession, token: str, purpose: str) -> Registration | None:
    ident, _sep, signature = (token or "").partition(".")
    if not ident.isdigit() or not signature:
        return None
    registration = dbsession.get(Registration, int(ident))
    if registration is None or not registration.access_key:
        return None
    expected = link_token(registration, purpose).partition(".")[2]
    return registration if secrets.compare_digest(expected, signature) else None


def new_access_key() -> str:
    return secrets.token_urlsafe(32)


# -- state ------------------------------------------------------------------------------

def lock_event(dbsession, event_id: int) -> Event:
    """The event row, locked for the rest of the transaction, with fresh values."""
    event = dbsession.execute(
        sa.select(Event).where(Event.id == event_id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()
    return event


def refresh(dbsession, registration: Registration) -> Registration:
    return dbsession.execute(
        sa.select(Registration).where(Registration.id == registration.id)
        .execution_options(populate_existing=True)).scalar_one()


def registration_closed_reason(event: Event, now: dt.datetime | None = None):
    """Why nobody can register now, or ``None`` when registration is open."""
    now = now or utcnow()
    if event.state != "published":
        return _("This event is not open for registration.")
    if event.registration_opens_at and now < event.registration_opens_at:
        return _("Registration has not opened yet.")
    if event.registration_closes_at and now >= event.registration_closes_at:
        return _("Registration for this event is closed.")
    if now >= event.starts_at:
        return _("Registration for this event is closed.")
    return None


def registration_of(dbsession, event_id: int, user) -> Registration | None:
    if user is None:
        return None
    return dbsession.scalar(sa.select(Registration).where(
        Registration.event_id == event_id,
        sa.or_(Registration.user_id == user.id, Registration.email == normalise_email(user.email))))


def register(request, event_id: int, *, user: User | None, email: str, name: str,
             answer: str = "", needs: dict | None = None, privacy_accepted: bool = False,
             registered_by: User | None = None, language: str | None = None,
             needs_consent_version: str | None = None,
             needs_consent_source: str = "form") -> Registration:
    """Register a member (``user``) or a guest (``user=None``: confirms by e-mail first).

    Accommodation needs are kept only with the explicit consent to the version
    ``needs_consent_version`` of their text (``hub_events.needs``). Raises
    ``RegistrationError``; nothing is written when it does.
    """
    from hub_events import needs as needs_consent

    dbsession = request.dbsession
    email = normalise_email(email)
    name = (name or "").strip()[:200]
    if not valid_email(email):
        raise RegistrationError("invalid", _("Enter a valid e-mail address."), "email")
    if not name:
        raise RegistrationError("invalid", _("Enter your name."), "name")
    event = lock_event(dbsession, event_id)
    reason = registration_closed_reason(event)
    if reason:
        raise RegistrationError("closed", reason)
    if user is None and event.audience != "public":
        raise RegistrationError(
            "forbidden", _("Only signed-in members can register for this event."))
    if event.privacy_notice and not privacy_accepted:
        raise RegistrationError("invalid", _("Please accept the privacy notice."), "privacy")
    needs_consent.check(needs, needs_consent_version)
    condition = Registration.email == email
    if user is not None:
        condition = sa.or_(condition, Registration.user_id == user.id)
    existing = dbsession.scalars(sa.select(Registration).where(
        Registration.event_id == event.id, condition)).all()
    unverified = [r for r in existing if r.status == UNVERIFIED]
    if user is None and unverified:
        # The guest lost the first message: send the confirmation link again.
        send_guest_confirmation_link(request, event, unverified[0])
        return unverified[0]
    if any(r.status in ACTIVE for r in existing):
        raise RegistrationError("duplicate", _("You are already registered for this event."))
    needs = needs or {}
    registration = existing[0] if existing else Registration(event_id=event.id)
    registration.user_id = user.id if user is not None else None
    registration.email = email
    registration.name = name
    registration.language = language or (user.language if user else "cs")
    registration.answer = (answer or "").strip()[:6000]
    needs_consent.clear(registration)
    registration.privacy_accepted_at = utcnow() if privacy_accepted else None
    registration.registered_by_id = registered_by.id if registered_by else None
    registration.access_key = new_access_key()
    registration.offered_until = None
    registration.attended = False
    registration.created_at = registration.updated_at = utcnow()
    registration.status = UNVERIFIED if user is None else PENDING
    try:
        with dbsession.begin_nested():
            dbsession.add(registration)
            dbsession.flush()
    except IntegrityError:
        raise RegistrationError(
            "duplicate", _("You are already registered for this event.")) from None
    if needs_consent.given(needs):
        needs_consent.record(request, registration, needs, needs_consent_version,
                             needs_consent_source)
    if user is None:
        send_guest_confirmation_link(request, event, registration)
        return registration
    admit(request, event, registration)
    return registration


def admit(request, event: Event, registration: Registration) -> None:
    """A verified registration waits for approval, or takes a place or the waiting list."""
    if event.approval_required:
        registration.status = PENDING
        registration.updated_at = utcnow()
        tell(request, registration, "events.registration",
             _("Registration received: ${event}"),
             _("The organiser will confirm your registration for ${event}."))
        return
    take_place(request, event, registration)


def take_place(request, event: Event, registration: Registration) -> None:
    """Confirm ``registration`` if a place is free (conditional UPDATE), else waitlist it."""
    dbsession = request.dbsession
    result = dbsession.execute(
        sa.update(Event).where(Event.id == event.id,
                               sa.or_(Event.capacity.is_(None), Event.taken < Event.capacity))
        .values(taken=Event.taken + 1).execution_options(synchronize_session=False))
    dbsession.expire(event, ["taken"])
    registration.updated_at = utcnow()
    if result.rowcount == 1:
        registration.status = CONFIRMED
        confirm_mail(request, event, registration)
    else:
        registration.status = WAITLISTED
        tell(request, registration, "events.registration",
             _("You are on the waiting list: ${event}"),
             _("${event} is full. We will let you know as soon as a place frees up."))


def release_place(request, event: Event) -> None:
    """A held place became free: offer it to the first person waiting, or free it."""
    dbsession = request.dbsession
    waiting = dbsession.scalar(
        sa.select(Registration).where(Registration.event_id == event.id,
                                      Registration.status == WAITLISTED)
        .order_by(Registration.created_at, Registration.id).limit(1))
    if waiting is not None and event.starts_at > utcnow():
        offer_place(request, event, waiting)
        return
    dbsession.execute(sa.update(Event).where(Event.id == event.id, Event.taken > 0)
                      .values(taken=Event.taken - 1)
                      .execution_options(synchronize_session=False))
    dbsession.expire(event, ["taken"])


def offer_place(request, event: Event, registration: Registration) -> None:
    hours = request.registry.settings.get("events.offer_hours", 48)
    registration.status = OFFERED
    registration.offered_until = min(utcnow() + dt.timedelta(hours=hours), event.starts_at)
    registration.updated_at = utcnow()
    request.dbsession.flush()
    tell(request, registration, "events.promoted",
         _("A place is free for you: ${event}"),
         _("A place at ${event} is free for you. Please confirm it by ${deadline}, "
           "otherwise it goes to the next person on the waiting list."),
         url=action_url(request, registration, "accept"),
         extra={"deadline": format_when(registration.offered_until, registration.language)})


def fill_free_places(request, event: Event) -> int:
    """Offer free places (after the capacity grew) to the people waiting; return how many."""
    offered = 0
    while event.places_left is None or event.places_left > 0:
        waiting = request.dbsession.scalar(
            sa.select(Registration).where(Registration.event_id == event.id,
                                          Registration.status == WAITLISTED)
            .order_by(Registration.created_at, Registration.id).limit(1))
        if waiting is None:
            break
        result = request.dbsession.execute(
            sa.update(Event).where(Event.id == event.id,
                                   sa.or_(Event.capacity.is_(None), Event.taken < Event.capacity))
            .values(taken=Event.taken + 1).execution_options(synchronize_session=False))
        request.dbsession.expire(event, ["taken"])
        if result.rowcount != 1:
            break
        offer_place(request, event, waiting)
        offered += 1
    return offered


def cancel(request, registration: Registration) -> bool:
    """Cancel; a freed place goes to the waiting list. False when nothing was active."""
    event = lock_event(request.dbsession, registration.event_id)
    registration = refresh(request.dbsession, registration)
    if registration.status not in ACTIVE:
        return False
    held = registration.status in HOLDS_PLACE
    registration.status = CANCELLED
    registration.offered_until = None
    registration.updated_at = utcnow()
    request.dbsession.flush()
    if held:
        release_place(request, event)
    return True


def accept_offer(request, registration: Registration) -> None:
    event = lock_event(request.dbsession, registration.event_id)
    registration = refresh(request.dbsession, registration)
    if registration.status == CONFIRMED:
        return
    if registration.status != OFFERED or registration.offered_until <= utcnow():
        raise RegistrationError("state", _("This offer is no longer valid."))
    registration.status = CONFIRMED
    registration.offered_until = None
    registration.updated_at = utcnow()
    confirm_mail(request, event, registration)


def verify_guest(request, registration: Registration) -> Registration:
    """The guest followed the e-mail link: the registration becomes real."""
    event = lock_event(request.dbsession, registration.event_id)
    registration = refresh(request.dbsession, registration)
    if registration.status != UNVERIFIED:
        return registration
    reason = registration_closed_reason(event)
    if reason:
        raise RegistrationError("closed", reason)
    registration.privacy_accepted_at = registration.privacy_accepted_at or utcnow()
    admit(request, event, registration)
    return registration


def decide(request, registration: Registration, approve: bool) -> None:
    """The organiser approves or rejects a pending registration."""
    event = lock_event(request.dbsession, registration.event_id)
    registration = refresh(request.dbsession, registration)
    if registration.status != PENDING:
        raise RegistrationError("state", _("This registration is not waiting for approval."))
    if approve:
        take_place(request, event, registration)
    else:
        registration.status = REJECTED
        registration.updated_at = utcnow()
        tell(request, registration, "events.registration",
             _("Registration not accepted: ${event}"),
             _("Unfortunately the organiser could not accept your registration for ${event}."))


def expire_offers(request) -> int:
    """Periodic job: offers not confirmed in time go to the next person waiting."""
    dbsession = request.dbsession
    now = utcnow()
    event_ids = dbsession.scalars(
        sa.select(Registration.event_id).where(Registration.status == OFFERED,
                                               Registration.offered_until <= now)
        .distinct()).all()
    expired = 0
    for event_id in event_ids:
        event = lock_event(dbsession, event_id)
        overdue = dbsession.scalars(
            sa.select(Registration).where(Registration.event_id == event_id,
                                          Registration.status == OFFERED,
                                          Registration.offered_until <= now)
            .execution_options(populate_existing=True)).all()
        for registration in overdue:
            registration.status = CANCELLED
            registration.offered_until = None
            registration.updated_at = now
            dbsession.flush()
            tell(request, registration, "events.registration",
                 _("Your offered place has expired: ${event}"),
                 _("You did not confirm the place offered at ${event} in time; it went to "
                   "the next person on the waiting list."))
            release_place(request, event)
            expired += 1
    return expired


# -- messages ---------------------------------------------------------------------------

def event_url(request, event: Event) -> str:
    return request.route_url("events.detail", id=event.id)


def action_url(request, registration: Registration, purpose: str) -> str:
    return request.route_url("events.link", purpose=purpose,
                             token=link_token(registration, purpose))


def tell(request, registration: Registration, kind: str, subject, text, url=None,
         attachments=(), extra: dict | None = None) -> None:
    """Notify the registrant: a member through notify(), a guest by e-mail."""
    event = registration.event or request.dbsession.get(Event, registration.event_id)
    cancel_url = action_url(request, registration, "cancel")
    mapping = {"event": event.translated("title", registration.language),
               "cancel_url": cancel_url,
               "when": format_when(event.starts_at, registration.language), **(extra or {})}
    url = url or event_url(request, event)
    user = request.dbsession.get(User, registration.user_id) if registration.user_id else None
    if user is not None:
        notify(request, user, kind, subject, text, url=url, mapping=mapping,
               attachments=attachments)
        return
    localizer = localizer_for(request.registry, registration.language)
    parts = [localizer.translate(text, mapping=mapping), url]
    if "${cancel_url}" not in str(text):
        parts.append(localizer.translate(_("Cancel your registration: ${url}",
                                           mapping={"url": cancel_url})))
    body = "\n\n".join(parts)
    queue_mail(request, registration.email, localizer.translate(subject, mapping=mapping),
               body, attachments=attachments)


def confirm_mail(request, event: Event, registration: Registration) -> None:
    tell(request, registration, "events.registration",
         _("Registration confirmed: ${event}"),
         _("Your place at ${event} (${when}) is confirmed. The calendar entry is attached. "
           "If you cannot come, please cancel so that someone else can take the place: "
           "${cancel_url}"),
         attachments=(("event.ics", "text/calendar",
                       event_ics(request, [event], registration.language)),))


def send_guest_confirmation_link(request, event: Event, registration: Registration) -> None:
    localizer = localizer_for(request.registry, registration.language)
    mapping = {"event": event.translated("title", registration.language),
               "url": action_url(request, registration, "verify")}
    queue_mail(request, registration.email,
               localizer.translate(_("Confirm your registration: ${event}", mapping=mapping)),
               localizer.translate(_(
                   "Please confirm your registration for ${event} by opening this link: "
                   "${url}\n\nIf you did not register, ignore this message.",
                   mapping=mapping)))


# -- iCalendar --------------------------------------------------------------------------

def _ics_text(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _ics_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def event_location(event: Event) -> str:
    if event.venue == "online":
        return "Online"
    return event.address


def event_ics(request, events, language: str | None = None) -> bytes:
    host = request.registry.settings.get("hub.base_url", "hub").split("//")[-1]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Patient Hub//Events//CS",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    stamp = _ics_time(utcnow())
    language = language or page_language(request)
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:event-{event.id}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_ics_time(event.starts_at)}",
            f"DTEND:{_ics_time(event.ends_at)}",
            f"SUMMARY:{_ics_text(event.translated('title', language))}",
            f"DESCRIPTION:{_ics_text(event.translated('summary', language))}",
            f"LOCATION:{_ics_text(event_location(event))}",
            f"URL:{event_url(request, event)}",
            "STATUS:" + ("CANCELLED" if event.state == "cancelled" else "CONFIRMED"),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()


# -- room booking integration -------------------------------------------------------------

def room_provider(request):
    """The booking plugin's room provider, or ``None`` when booking is not enabled."""
    return request.hooks.hub_room_provider(request=request)


def sync_room(request, event: Event, previous: dict | None, user) -> str | None:
    """Reserve the event's room when it is published, release it when it is no longer
    needed. Returns an error message (and changes nothing) when the room is not free."""
    provider = room_provider(request)
    wants_room = event.venue in ("room", "hybrid") and event.room_id and event.state == "published"
    changed = previous is None or any(
        previous.get(k) != getattr(event, k) for k in ("room_id", "starts_at", "ends_at", "venue"))
    if event.room_reservation_id and (not wants_room or changed):
        if provider is not None:
            provider.release(event.room_reservation_id)
        event.room_reservation_id = None
    if wants_room and event.room_reservation_id is None:
        if provider is None:
            return _("Room booking is not available; choose another venue.")
        result = provider.reserve(event.room_id, event.starts_at, event.ends_at, event.title,
                                  user, organisation_id=event.organisation_id)
        if not result.get("ok"):
            return result.get("message") or _("The room could not be reserved.")
        event.room_reservation_id = result["reservation_id"]
    return None
