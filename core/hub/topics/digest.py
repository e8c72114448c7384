"""Suggestions for a user ("For you") and the weekly e-mail digest of them."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.db import utcnow
from hub.i18n import _, localizer_for
from hub.topics import user_topics
from hub.topics.models import TopicDigestSubscription

DIGEST_KIND = "hub.topics.digest"
DIGEST_JOB = "hub.topics.send_digest"
DIGEST_INTERVAL = dt.timedelta(days=6)  # a weekly job: never twice in one week
MAX_SUGGESTIONS = 10


@dataclass(frozen=True)
class ShownSuggestion:
    title: str
    url: str
    kind: str
    when_text: str


def suggestions_for(request, user, limit: int = MAX_SUGGESTIONS) -> list:
    """Every plugin's suggestions for ``user``: soonest first, then undated, no duplicates."""
    from hub.shell import flatten

    topics = user_topics(request, user)
    if not topics:
        return []
    # A background request (the digest job) has no ``request.hooks``: use the manager.
    hook = request.registry["hub.pm"].hook
    found = flatten(hook.hub_for_you(request=request, user=user, topics=topics))
    seen, unique = set(), []
    for s in found:
        if s.url not in seen:
            seen.add(s.url)
            unique.append(s)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    unique.sort(key=lambda s: (s.when is None, s.when or far, str(s.title)))
    return unique[:limit]


def format_when(value: Any, locale: str) -> str:
    if value is None:
        return ""
    from zoneinfo import ZoneInfo

    from babel.dates import format_date, format_datetime

    if isinstance(value, dt.datetime):
        return format_datetime(value.astimezone(ZoneInfo("Europe/Prague")), "medium",
                               locale=locale)
    return format_date(value, "medium", locale=locale)


def shown(request, suggestions, localizer) -> list[ShownSuggestion]:
    locale = "en" if localizer.locale_name == "en" else "cs"
    return [ShownSuggestion(str(s.title), s.url,
                            localizer.translate(s.kind) if s.kind else "",
                            format_when(s.when, locale)) for s in suggestions]


def absolute(request, url: str) -> str:
    if url.startswith("/"):
        return request.registry.settings["hub.base_url"].rstrip("/") + url
    return url


def digest_text(request, user, suggestions) -> tuple[Any, dict]:
    localizer = localizer_for(request.registry, user.language)
    locale = "en" if user.language == "en" else "cs"
    lines = []
    for s in suggestions:
        kind = localizer.translate(s.kind) if s.kind else ""
        when = format_when(s.when, locale)
        extra = ", ".join(x for x in (kind, when) if x)
        lines.append(f"- {s.title}" + (f" ({extra})" if extra else "")
                     + f"\n  {absolute(request, s.url)}")
    text = _("Suggestions matching your interests:\n\n${items}\n\n"
             "Change your interests or stop these e-mails: ${url}")
    return text, {"items": "\n".join(lines), "url": request.route_url("topics.interests")}


def send_digest_to(request, user_id: int) -> bool:
    """Send one user's digest (a job); True when an e-mail went out."""
    from hub.accounts.models import User
    from hub.notifications import notify

    user = request.dbsession.get(User, user_id)
    subscription = request.dbsession.get(TopicDigestSubscription, user_id)
    if user is None or not user.is_active or subscription is None:
        return False
    now = utcnow()
    if subscription.last_sent_at and now - subscription.last_sent_at < DIGEST_INTERVAL:
        return False
    suggestions = suggestions_for(request, user)
    if not suggestions:
        return False
    text, mapping = digest_text(request, user, suggestions)
    notify(request, user, DIGEST_KIND, _("Your weekly suggestions from the hub"), text,
           url=request.route_url("dashboard"), mapping=mapping)
    subscription.last_sent_at = now
    request.dbsession.flush()
    return True


def send_weekly_digests(request) -> int:
    """The periodic job: queue one digest job per subscribed user due for one."""
    from hub.jobs import enqueue

    due = utcnow() - DIGEST_INTERVAL
    user_ids = request.dbsession.scalars(
        sa.select(TopicDigestSubscription.user_id).where(sa.or_(
            TopicDigestSubscription.last_sent_at.is_(None),
            TopicDigestSubscription.last_sent_at < due))
        .order_by(TopicDigestSubscription.user_id)).all()
    for user_id in user_ids:
        enqueue(request, DIGEST_JOB, user_id=user_id)
    return len(user_ids)
