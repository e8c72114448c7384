"""The events plugin's figures for the funder (``hub_indicators``).

An event counts in a period when it was published and started within the period (in the
past: an event still to come has not been held). A registration counts when it is
confirmed; an attendance when, in addition, the organisers checked the person in
(``attended``). Cancelled, refused, waiting-list and unconfirmed registrations count
nowhere, and neither do registrations of cancelled events.
"""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from hub.contributions import Indicator, Involved, Trained
from hub.db import utcnow
from hub.indicators.reach import views_of
from hub_events.i18n import _
from hub_events.models import CONFIRMED, KINDS, Event, Registration


def _held(start, end):
    return sa.and_(Event.state == "published", Event.starts_at >= start, Event.starts_at < end,
                   Event.starts_at <= utcnow())


def _by_kind(labels: dict, counts: Counter) -> tuple:
    return tuple((kind, labels[kind], counts[kind]) for kind in KINDS if counts[kind])


def indicators(request, start, end) -> list:
    from hub_events.views import KIND_LABELS, RECORDING_PAGE

    db = request.dbsession
    held = _held(start, end)
    events = Counter(dict(db.execute(sa.select(Event.kind, sa.func.count()).where(held)
                                     .group_by(Event.kind)).all()))
    confirmed = sa.and_(held, Registration.status == CONFIRMED)
    rows = db.execute(sa.select(Event.kind, Event.starts_at, Event.ends_at,
                                sa.func.count(Registration.id),
                                sa.func.count(Registration.id).filter(
                                    Registration.attended.is_(True)))
                      .join(Registration, Registration.event_id == Event.id)
                      .where(confirmed).group_by(Event.id, Event.kind, Event.starts_at,
                                                 Event.ends_at)).all()
    registrations, attendances, hours = Counter(), Counter(), 0.0
    for kind, starts_at, ends_at, registered, attended in rows:
        registrations[kind] += registered
        attendances[kind] += attended
        hours += attended * (ends_at - starts_at).total_seconds() / 3600
    people = (sa.select(Registration.user_id, Registration.email)
              .join(Event, Event.id == Registration.event_id)
              .where(confirmed, Registration.attended.is_(True)))
    return [
        Indicator("events_held", _("Events held"), sum(events.values()), _("events"),
                  _("Published events that started in the period (and have started by now), "
                    "by kind. Cancelled events and drafts do not count."),
                  _by_kind(KIND_LABELS, events), order=30),
        Indicator("registrations", _("Event registrations"), sum(registrations.values()),
                  _("registrations"),
                  _("Confirmed registrations for the events held in the period, by kind of "
                    "event. Cancelled, refused, unconfirmed and waiting-list registrations do "
                    "not count."),
                  _by_kind(KIND_LABELS, registrations), order=32),
        Indicator("attendances", _("Event attendances"), sum(attendances.values()),
                  _("attendances"),
                  _("Confirmed registrations for the events held in the period whose person "
                    "the organisers checked in as present, by kind of event. A person at two "
                    "events counts twice here (once in people trained)."),
                  _by_kind(KIND_LABELS, attendances), order=34),
        Indicator("recording_views", _("Recording views"),
                  views_of(request, start, end, [RECORDING_PAGE]), _("views"),
                  _("Pages of past events showing their published recording that people "
                    "opened in the period, counted the way portal page views are (no "
                    "cookie, nothing about the visitor, robots left out): views, not "
                    "viewers, and not how long anyone watched."), order=36),
        Trained("events", _("Events"), people, hours),
        Involved("events", _("Events"), sa.select(Event.organisation_id)
                 .where(held, Event.organisation_id.is_not(None))),
    ]
