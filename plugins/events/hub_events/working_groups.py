"""Events linked to the core's working groups (``hub_working_group_sources``).

A group's coordinator links upcoming published events; the group's page lists the linked
events the visitor may see (events for members only when signed in)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import load_only

from hub.contributions import LinkedItem, WorkingGroupSource
from hub.dates import language
from hub.db import utcnow
from hub_events.i18n import _
from hub_events.models import Event

CANDIDATES = 200  # the nearest upcoming events offered to a coordinator


def _columns():
    return load_only(Event.id, Event.title, Event.title_en, Event.starts_at, Event.audience)


def _item(request, event: Event) -> LinkedItem:
    return LinkedItem(event.id, event.translated("title", language(request)),
                      request.route_path("events.detail", id=event.id), event.starts_at)


def candidates(request, group) -> list[LinkedItem]:
    events = request.dbsession.scalars(
        sa.select(Event).options(_columns())
        .where(Event.state == "published", Event.starts_at >= utcnow())
        .order_by(Event.starts_at, Event.id).limit(CANDIDATES))
    return [_item(request, e) for e in events]


def items(request, ids) -> list[LinkedItem]:
    query = sa.select(Event).options(_columns()).where(Event.id.in_(ids),
                                                       Event.state == "published")
    if request.identity is None:
        query = query.where(Event.audience == "public")
    return [_item(request, e) for e in request.dbsession.scalars(
        query.order_by(Event.starts_at.desc(), Event.id))]


SOURCE = WorkingGroupSource("events", _("Events"), candidates, items)
