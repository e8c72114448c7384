"""Value types that hook implementations return.

Plugins build these small frozen dataclasses instead of dictionaries so that a typo in a
field name fails at import time, not silently at render time. This module imports nothing
of the application, so plugins can use it freely.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MENUS = ("main", "user", "admin", "footer")


@dataclass(frozen=True)
class NavItem:
    """One entry of a menu.

    ``label`` is a translation string; ``route`` a route name (``url`` for an absolute
    link instead); ``permission`` is checked against the request's context, items the
    user may not use are dropped; lower ``order`` comes first; ``match`` lists route names
    (prefix match) that mark the item as the current one.
    """

    label: Any
    route: str | None = None
    url: str | None = None
    permission: str | None = None
    order: int = 100
    match: tuple[str, ...] = ()
    route_kw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Widget:
    """A block on the home page (``where="home"``) or on "My hub" (``where="dashboard"``).

    ``render`` is called with the request and returns a ``markupsafe.Markup`` (already
    escaped HTML, typically from
    ``hub.shell.render_snippet(request, renderer, values)``) or ``None`` to skip.

    A widget that shows everyone with the same roles and language the same HTML (no
    personal data, no forms) names the tables it reads in ``cache_tables``: the core then
    renders it once per language and set of roles and keeps the HTML until one of those
    tables changes or ``cache_ttl`` seconds pass (see ``hub.cache``). With
    ``cache_per_user=True`` the HTML is kept per person instead (a personal block).
    """

    name: str
    title: Any
    render: Callable[[Any], Any]
    where: str = "dashboard"
    order: int = 100
    permission: str | None = None
    cache_tables: tuple[str, ...] = ()
    cache_ttl: int = 300
    cache_per_user: bool = False


@dataclass(frozen=True)
class ProfileSection:
    """A section of a user's profile page (my bookings, my courses...)."""

    name: str
    title: Any
    render: Callable[[Any, Any], Any]
    order: int = 100


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification a plugin sends, with the channels it uses by default."""

    name: str
    title: Any
    description: Any = ""
    default_channels: tuple[str, ...] = ("inbox", "email")
    mandatory: bool = False


@dataclass(frozen=True)
class Permission:
    """A permission, ``<plugin>:<resource>:<action>``, granted to roles by default."""

    name: str
    title: Any
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Setting:
    """An ini key of a plugin: ``<plugin>.<key>`` with a default and a converter."""

    key: str
    default: Any = None
    converter: Callable[[Any], Any] | None = None
    description: str = ""


@dataclass(frozen=True)
class SearchResult:
    """One hit of the site search."""

    title: str
    url: str
    summary: str = ""
    kind: Any = ""
    score: float = 0.0


@dataclass(frozen=True)
class PeriodicJob:
    """A job run on a schedule by the worker (cron-like fields, huey ``crontab``)."""

    name: str
    func: Callable[..., Any]
    minute: str = "0"
    hour: str = "*"
    day: str = "*"
    month: str = "*"
    day_of_week: str = "*"


@dataclass(frozen=True)
class SegmentCriterion:
    """A filter a plugin offers to CRM segments ("attended event X", "completed course Y").

    ``options(request)`` lists ``(value, label)`` choices for the parameter (empty when the
    criterion takes none); ``user_ids(request, value)`` returns a SQLAlchemy ``Select`` of
    ``user.id`` values that match, so the CRM can combine it with its own conditions in one
    query.
    """

    name: str
    label: Any
    options: Callable[[Any], list]
    user_ids: Callable[[Any, Any], Any]


@dataclass(frozen=True)
class Suggestion:
    """An item of a user's "For you" list (an upcoming event, a course, an article)."""

    title: str
    url: str
    kind: Any = ""
    when: Any = None
    summary: str = ""
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Indicator:
    """One figure for the funder's report over a period (``hub_indicators``).

    ``key`` is stable and machine-readable (``events_held``); ``title``, ``unit`` and
    ``definition`` are translation strings, the definition saying exactly what is counted
    and what is not. ``value`` is a number; ``breakdown`` a tuple of ``(key, label,
    value)`` that splits it (events by kind), shown as a chart with its table. Lower
    ``order`` comes first in the report.
    """

    key: str
    title: Any
    value: Any
    unit: Any
    definition: Any
    breakdown: tuple = ()
    order: int = 100


@dataclass(frozen=True)
class Trained:
    """The people one plugin trained in a period, for the core's ``people_trained``.

    ``people`` is a SQLAlchemy ``Select`` of two columns, ``user_id`` (the account, or
    ``NULL``) and ``email`` (the address, or ``NULL``): one row per attendance or
    completion, duplicates allowed. The core unites every plugin's rows and counts each
    person once (an account, else an address that belongs to no account). ``hours`` are the
    training hours behind those rows (person-hours); ``label`` names the source in the
    breakdown (``_("Events")``).
    """

    source: str
    label: Any
    people: Any
    hours: float = 0.0


@dataclass(frozen=True)
class Involved:
    """Organisations one plugin involved in a period, for the core's
    ``organisations_involved``: ``organisations`` is a ``Select`` of one column, the
    organisation's id (duplicates allowed); the core counts each organisation once across
    every plugin. ``label`` names the source in the breakdown.
    """

    source: str
    label: Any
    organisations: Any


@dataclass(frozen=True)
class WorkspaceSection:
    """A section of an organisation's workspace: ``render(request, organisation, role)``
    gives its HTML, or None when there is nothing for this role."""

    name: str
    title: Any
    render: Callable[[Any, Any, Any], Any]
    order: int = 100


@dataclass(frozen=True)
class BulkMail:
    """A mailing a plugin sends outside the core's outbox (a newsletter), for the
    administrators' mail view: one row per mailing, counted by state, linked to the page
    with its recipients. ``started_at`` is an aware datetime or None (not started)."""

    subject: str
    kind: Any
    url: str
    started_at: Any
    sent: int = 0
    waiting: int = 0
    failed: int = 0


@dataclass(frozen=True)
class LinkedItem:
    """Something a plugin links to a working group (an event): its id in the plugin, a
    title, its address and an optional date shown beside it (an aware datetime)."""

    object_id: int
    title: str
    url: str
    when: Any = None


@dataclass(frozen=True)
class WorkingGroupSource:
    """What a plugin lets working groups link to (``hub_working_group_sources``).

    ``candidates(request, group)`` lists the items the group's coordinator may link now
    (upcoming published events); ``items(request, ids)`` gives the linked items of those
    ids that still exist and the visitor may see, in the order to show them.
    """

    name: str
    title: Any
    candidates: Callable[[Any, Any], list]
    items: Callable[[Any, list], list]
