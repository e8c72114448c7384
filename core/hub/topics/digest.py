"""Suggestions for a user ("For you") and the weekly e-mail digest of them.

The digest goes to people whose consent to ``hub.topics.digest`` is in force in the consent
ledger (given on My interests or My consents); every digest carries a withdraw link and the
one-click unsubscribe headers. ``topic_digest_subscription`` only remembers when each
person's last digest went out.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hub.consent import (
    ConsentRecord,
    Purpose,
    Subject,
    has_consent,
    holders,
    unsubscribe_headers,
    withdraw_link,
)
from hub.dates import format_day, format_moment
from hub.db import utcnow
from hub.i18n import _, localizer_for
from hub.topics import user_topics
from hub.topics.models import TopicDigestSubscription

DIGEST_KIND = "hub.topics.digest"
DIGEST_PURPOSE = Purpose(
    "hub.topics.digest",
    title={"cs": "Týdenní e-mail s tipy pro vás", "en": "Weekly e-mail with suggestions for you"},
    text={"cs": "Posílejte mi jednou týdně e-mail s akcemi, kurzy a novinkami podle zájmů, "
                "které jsem si v hubu vybral(a), a jen tehdy, když je něco nového. Souhlas "
                "mohu kdykoli odvolat na stránce Moje souhlasy nebo odkazem v každém takovém "
                "e-mailu.",
          "en": "Send me an e-mail once a week with events, courses and news matching the "
                "interests I chose in the hub, only when there is something new. I can "
                "withdraw this consent at any time on My consents or with the link in every "
                "such e-mail."},
    order=10)
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
    if isinstance(value, dt.datetime):
        return format_moment(value, locale)
    return format_day(value, locale)


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
             "Change your interests: ${url}\n"
             "Stop these e-mails (withdraw your consent): ${withdraw}")
    return text, {"items": "\n".join(lines), "url": request.route_url("topics.interests"),
                  "withdraw": withdraw_link(request, Subject.of_user(user), DIGEST_PURPOSE.key)}


def send_digest_to(request, user_id: int) -> bool:
    """Send one user's digest (a job); True when an e-mail went out."""
    from hub.accounts.models import User
    from hub.notifications import notify

    user = request.dbsession.get(User, user_id)
    if user is None or not user.is_active:
        return False
    # Asked again when sending: a consent withdrawn after the job was queued stops it.
    subject = Subject.of_user(user)
    if not has_consent(request, subject, DIGEST_PURPOSE.key):
        return False
    subscription = request.dbsession.get(TopicDigestSubscription, user_id)
    now = utcnow()
    if subscription and subscription.last_sent_at \
            and now - subscription.last_sent_at < DIGEST_INTERVAL:
        return False
    suggestions = suggestions_for(request, user)
    if not suggestions:
        return False
    text, mapping = digest_text(request, user, suggestions)
    notify(request, user, DIGEST_KIND, _("Your weekly suggestions from the hub"), text,
           url=request.route_url("dashboard"), mapping=mapping,
           headers=unsubscribe_headers(request, subject, DIGEST_PURPOSE.key))
    if subscription is None:
        request.dbsession.add(TopicDigestSubscription(user_id=user_id, last_sent_at=now))
    else:
        subscription.last_sent_at = now
    request.dbsession.flush()
    return True


def send_weekly_digests(request) -> int:
    """The periodic job: queue one digest job per consenting user due for one."""
    from hub.jobs import enqueue

    due = utcnow() - DIGEST_INTERVAL
    consenting = holders(DIGEST_PURPOSE.key).where(ConsentRecord.user_id.is_not(None)).subquery()
    sent = TopicDigestSubscription
    user_ids = request.dbsession.scalars(
        sa.select(consenting.c.user_id)
        .outerjoin(sent, sent.user_id == consenting.c.user_id)
        .where(sa.or_(sent.last_sent_at.is_(None), sent.last_sent_at < due))
        .order_by(consenting.c.user_id)).all()
    for user_id in user_ids:
        enqueue(request, DIGEST_JOB, user_id=user_id)
    return len(user_ids)
