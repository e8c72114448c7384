"""Accommodation needs: kept only with explicit consent, read by the event's organisers.

Needs (sign language, an assistant, step-free access, a free note) can reveal health, so
they are a special-category purpose of the core's ledger, ``events.accommodation_needs``,
scoped to the event (``event:<id>``): the registrant ticks a separate box with the exact
text when stating needs (a guest is known by the address, a member by the account). A
withdrawal (from "My consents", from the event page by clearing the needs, or by erasure)
erases the needs at once. Whatever happens, ``erase_expired`` (a periodic job) erases them
``retention_days`` after the event. Only the event's own organisers (``Event.organisers``)
see them, and each time they do, an ``AuditEvent`` records who saw whose needs.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from hub import consent
from hub.accounts.models import AuditEvent
from hub.db import utcnow
from hub_events.i18n import _
from hub_events.models import Event, Registration

PURPOSE = "events.accommodation_needs"
RETENTION_DAYS = 30
NEEDS = ("sign_language", "assistant", "step_free", "note")


def _describe(request, object_: str) -> str | None:
    kind, _sep, ident = object_.partition(":")
    event = request.dbsession.get(Event, int(ident)) if kind == "event" and ident.isdigit() \
        else None
    return event.title if event is not None else None


ACCOMMODATION_NEEDS = consent.Purpose(
    PURPOSE,
    title={"cs": "Moje potřeby na akci (zdravotní údaje)",
           "en": "My needs at the event (health data)"},
    text={
        "cs": "Výslovně souhlasím, aby hub uchovával potřeby, které jsem uvedl(a) k "
              "přihlášce na tuto akci (tlumočení do znakového jazyka, asistent, "
              "bezbariérový přístup, poznámka), i když z nich může vyplývat můj zdravotní "
              "stav. Uvidí je jen pořadatelé této akce, aby mi mohli účast přizpůsobit, a "
              "každé jejich zobrazení se zaznamená. Hub je smaže nejpozději 30 dní po "
              "skončení akce. Souhlas mohu kdykoli odvolat na stránce akce nebo na stránce "
              "Moje souhlasy; potřeby se pak hned smažou.",
        "en": "I explicitly agree that the hub keeps the needs I stated when registering for "
              "this event (sign language interpreting, an assistant, step-free access, a "
              "note), even though they may reveal my health. Only the organisers of this "
              "event see them, to adapt the event for me, and each time they look at them "
              "it is recorded. The hub deletes them 30 days after the event at the latest. "
              "I can withdraw this consent at any time on the event's page or on the My "
              "consents page; the needs are then deleted at once.",
    },
    legal_basis="explicit_consent", special_category=True, retention_days=RETENTION_DAYS,
    scoped=True, describe=_describe, order=61)


def object_of(event_id: int) -> str:
    return f"event:{event_id}"


def subject_of(registration: Registration) -> consent.Subject:
    if registration.user_id is not None:
        return consent.Subject(user_id=registration.user_id, email=registration.email)
    return consent.Subject.of_email(registration.email)


def given(needs: dict | None) -> bool:
    needs = needs or {}
    return any(bool(needs.get(k)) if k != "note" else bool((needs.get(k) or "").strip())
               for k in NEEDS)


def clear(registration: Registration) -> None:
    registration.needs_sign_language = registration.needs_assistant = False
    registration.needs_step_free = False
    registration.needs_note = ""


def apply(registration: Registration, needs: dict) -> None:
    registration.needs_sign_language = bool(needs.get("sign_language"))
    registration.needs_assistant = bool(needs.get("assistant"))
    registration.needs_step_free = bool(needs.get("step_free"))
    registration.needs_note = (needs.get("note") or "").strip()[:500]


def check(needs: dict | None, consent_version: str | None) -> None:
    """Needs without the explicit consent are refused (nothing is stored)."""
    from hub_events.services import RegistrationError

    if given(needs) and not consent_version:
        raise RegistrationError("invalid", _(
            "Tick the box to give your explicit consent to keeping your accommodation "
            "needs, or leave the needs out."), "needs_consent")


def record(request, registration: Registration, needs: dict | None,
           consent_version: str | None, source: str = "form") -> None:
    """Store the needs with the consent, or none (withdrawing a consent given before)."""
    from hub_events.services import RegistrationError

    subject, object_ = subject_of(registration), object_of(registration.event_id)
    if not given(needs):
        clear(registration)
        consent.withdraw(request, subject, PURPOSE, source, object=object_)
        return
    try:
        consent.give(request, subject, PURPOSE, consent_version, source, object=object_)
    except consent.OutdatedText:
        raise RegistrationError("state", _(
            "The text of the consent changed while you were reading it. Read the new text "
            "and tick the box again."), "needs_consent") from None
    apply(registration, needs)


def consent_changed(request, subject, purpose, record_) -> None:
    """A withdrawn consent erases the needs of that registrant at once."""
    if purpose.key != PURPOSE or record_.action != "withdrawn":
        return
    kind, _sep, ident = record_.object.partition(":")
    if kind != "event" or not ident.isdigit():
        return
    who = [Registration.email == subject.email] if subject.email else []
    if subject.user_id is not None:
        who.append(Registration.user_id == subject.user_id)
    for registration in request.dbsession.scalars(sa.select(Registration).where(
            Registration.event_id == int(ident), sa.or_(*who))):
        clear(registration)
    request.dbsession.flush()


def can_read(request, event: Event) -> bool:
    user = request.identity
    return user is not None and any(o.id == user.id for o in event.organisers)


def audit_read(request, event: Event, registrations) -> None:
    """Record who saw whose needs (joins the request's transaction, see architecture.md)."""
    shown = [r for r in registrations if r.has_needs]
    if not shown:
        return
    request.dbsession.add(AuditEvent(
        actor_id=request.identity.id, subject_id=None, action="events.needs_read",
        details={"event_id": event.id, "registration_ids": [r.id for r in shown],
                 "user_ids": [r.user_id for r in shown if r.user_id is not None]}))


def erase_expired(request) -> int:
    """Periodic job: erase needs ``RETENTION_DAYS`` after the end of their event."""
    limit = utcnow() - dt.timedelta(days=RETENTION_DAYS)
    ended = sa.select(Event.id).where(Event.ends_at < limit)
    rows = request.dbsession.scalars(sa.select(Registration).where(
        Registration.event_id.in_(ended),
        sa.or_(Registration.needs_sign_language, Registration.needs_assistant,
               Registration.needs_step_free, Registration.needs_note != ""))).all()
    for registration in rows:
        clear(registration)
    request.dbsession.flush()
    return len(rows)
