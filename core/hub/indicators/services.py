"""Assembling the indicators of a period from every plugin's ``hub_indicators``.

People trained are counted here, not by the plugins: each plugin hands over the rows of
the people it trained (``Trained``: account id or address per attendance or completion),
and one query over all of them counts each person once. A person is their account; a
guest is their address, and an address that belongs to an account is that account, so a
member who came to an event as a guest and later finished a course counts once.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from hub.contributions import Indicator, Involved, Trained
from hub.i18n import _
from hub.shell import flatten

PEOPLE_TRAINED = "people_trained"
TRAINING_HOURS = "training_hours"
ORGANISATIONS_INVOLVED = "organisations_involved"


def _person_rows(trained: list[Trained]):
    """Every plugin's ``(user_id, email)`` rows as one subquery."""
    parts = []
    for item in trained:
        sub = item.people.subquery()
        columns = list(sub.c)
        parts.append(sa.select(sa.cast(columns[0], sa.Integer).label("user_id"),
                               sa.cast(columns[1], sa.String(254)).label("email")))
    return sa.union_all(*parts).subquery()


def count_people(dbsession, trained: list[Trained]) -> int:
    """Distinct people among the rows of ``trained`` (module docstring)."""
    from hub.accounts.models import User

    if not trained:
        return 0
    rows = _person_rows(trained)
    account = aliased(User)
    address = sa.func.lower(sa.func.trim(rows.c.email))
    person = sa.func.coalesce(sa.cast(rows.c.user_id, sa.String), sa.cast(account.id, sa.String),
                              sa.literal("e:", sa.String) + address)
    query = (sa.select(sa.func.count(sa.distinct(person))).select_from(rows)
             .outerjoin(account, sa.and_(rows.c.user_id.is_(None),
                                         sa.func.lower(account.email) == address)))
    return dbsession.scalar(query) or 0


def _core_people_indicators(request, trained: list[Trained]) -> list[Indicator]:
    db = request.dbsession
    by_source = tuple((t.source, t.label, count_people(db, [t])) for t in trained)
    hours = tuple((t.source, t.label, round(float(t.hours), 1)) for t in trained)
    return [
        Indicator(PEOPLE_TRAINED, _("People trained"), count_people(db, trained), _("people"),
                  _("Distinct people who, in the period, attended an event in person (checked "
                    "in by the organisers) or completed a course. Each person counts once, "
                    "however many events and courses: an account is one person, and a guest "
                    "is one e-mail address unless the address belongs to an account. "
                    "Cancelled, refused and not attended registrations do not count. In the "
                    "breakdown a person counts once in each source."),
                  by_source, order=10),
        Indicator(TRAINING_HOURS, _("Training hours"),
                  round(sum(float(t.hours) for t in trained), 1), _("hours"),
                  _("Person-hours of training in the period: for each attendance the length "
                    "of the event, for each course completed the course's stated length."),
                  hours, order=20),
    ]


def count_organisations(dbsession, involved: list[Involved]) -> int:
    """Distinct organisations among the ids every plugin handed over."""
    if not involved:
        return 0
    parts = [sa.select(sa.cast(list(i.organisations.subquery().c)[0], sa.Integer).label("id"))
             for i in involved]
    rows = sa.union_all(*parts).subquery()
    return dbsession.scalar(sa.select(sa.func.count(sa.distinct(rows.c.id)))) or 0


def _organisations_indicator(request, involved: list[Involved]) -> Indicator:
    db = request.dbsession
    return Indicator(
        ORGANISATIONS_INVOLVED, _("Organisations involved"), count_organisations(db, involved),
        _("organisations"),
        _("Distinct organisations registered in the hub that, in the period, organised an "
          "event that was held or used a room of the hub (an approved booking). Each "
          "organisation counts once in the total and once in each part of the breakdown."),
        tuple((i.source, i.label, count_organisations(db, [i])) for i in involved), order=60)


def collect(request, start, end) -> list[Indicator]:
    """Every indicator for ``[start, end)``, in report order."""
    results = flatten(request.hooks.hub_indicators(request=request, start=start, end=end))
    trained = [r for r in results if isinstance(r, Trained)]
    involved = [r for r in results if isinstance(r, Involved)]
    indicators = [r for r in results if isinstance(r, Indicator)]
    indicators += _core_people_indicators(request, trained)
    indicators.append(_organisations_indicator(request, involved))
    seen: set[str] = set()
    for item in indicators:
        if item.key in seen:
            raise ValueError(f"indicator {item.key!r} is reported twice")
        seen.add(item.key)
    return sorted(indicators, key=lambda i: (i.order, i.key))


def _number(value):
    return round(value, 1) if isinstance(value, float) else value


def as_json(request, indicator: Indicator) -> dict:
    """One indicator as the API and the exports give it, in the request's language."""
    translate = request.localizer.translate
    return {"key": indicator.key, "title": translate(indicator.title),
            "value": _number(indicator.value), "unit": translate(indicator.unit),
            "definition": translate(indicator.definition),
            "breakdown": [{"key": str(key), "label": translate(label), "value": _number(value)}
                          for key, label, value in indicator.breakdown]}


def indicators_json(request, start, end) -> list[dict]:
    return [as_json(request, i) for i in collect(request, start, end)]
