"""Worker jobs: reminders before an event and a follow-up after it."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from hub.db import utcnow
from hub_events import services
from hub_events.i18n import _
from hub_events.models import CONFIRMED, HOLDS_PLACE, UNVERIFIED, Event, Registration


def send_reminders(request) -> int:
    """Remind people with a place of events starting within ``events.reminder_hours``."""
    hours = request.registry.settings.get("events.reminder_hours", 24)
    now = utcnow()
    rows = request.dbsession.execute(
        sa.select(Registration, Event).join(Event, Event.id == Registration.event_id)
        .where(Event.state == "published", Event.starts_at > now,
               Event.starts_at <= now + dt.timedelta(hours=hours),
               Registration.status.in_(HOLDS_PLACE), Registration.reminded.is_(False))
        .limit(2000)).all()
    for registration, event in rows:
        registration.reminded = True
        services.tell(request, registration, "events.reminder", _("Reminder: ${event}"),
                      _("${event} starts on ${when}. We look forward to seeing you."),
                      url=services.event_url(request, event))
    return len(rows)


def send_follow_ups(request) -> int:
    """After the event: thank attendees and ask for feedback (links to the certificate)."""
    now = utcnow()
    rows = request.dbsession.execute(
        sa.select(Registration, Event).join(Event, Event.id == Registration.event_id)
        .where(Event.state == "published", Event.ends_at <= now,
               Event.ends_at > now - dt.timedelta(days=7),
               Registration.status == CONFIRMED, Registration.followed_up.is_(False))
        .limit(2000)).all()
    for registration, event in rows:
        registration.followed_up = True
        services.tell(request, registration, "events.reminder", _("Thank you: ${event}"),
                      _("Thank you for taking part in ${event}. Please tell us how it was; "
                        "the event page has the feedback form, materials and, for attendees, "
                        "a certificate of attendance."),
                      url=services.event_url(request, event))
    return len(rows)


def purge_guest_data(request) -> int:
    """Retention: unconfirmed guest registrations go after 7 days; guests' details are
    anonymised ``events.guest_retention_days`` after their event (members' registrations
    stay until the account is erased, for "My events" and certificates)."""
    now = utcnow()
    dbsession = request.dbsession
    stale = dbsession.execute(sa.delete(Registration).where(
        Registration.status == UNVERIFIED,
        Registration.created_at < now - dt.timedelta(days=7))).rowcount
    days = request.registry.settings.get("events.guest_retention_days", 180)
    old_events = sa.select(Event.id).where(Event.ends_at < now - dt.timedelta(days=days))
    guests = dbsession.scalars(sa.select(Registration).where(
        Registration.user_id.is_(None), Registration.event_id.in_(old_events),
        Registration.access_key != "")).all()
    for registration in guests:
        registration.name = ""
        registration.email = f"erased-{registration.id}@invalid"
        registration.answer = registration.needs_note = registration.access_key = ""
        registration.needs_sign_language = registration.needs_assistant = False
        registration.needs_step_free = False
    dbsession.flush()
    return stale + len(guests)
