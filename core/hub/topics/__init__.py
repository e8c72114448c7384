"""Topics: the shared taxonomy of disease areas and themes used by every module.

Staff manage the topics (Czech and English names, order, active or not) at
``/topics/manage``. Users declare their interests and stakeholder type at
``/my/interests`` (also a section of the profile page) and may opt in to a weekly
e-mail digest of suggestions. Plugins use the small API below and answer
``hub_for_you`` with suggestions matching a user's topics.

    topic_choices(request)        -> [(slug, label in the request's language)]
    user_topics(request, user)    -> [slug]
    stakeholder_type(request, user) -> str | None
"""
from __future__ import annotations

import sqlalchemy as sa

from hub.dates import language
from hub.i18n import _
from hub.topics.models import (
    STAKEHOLDER_TYPES,
    TOPIC_KINDS,
    Topic,
    TopicDigestSubscription,
    UserStakeholder,
    UserTopic,
)

__all__ = ["STAKEHOLDER_LABELS", "STAKEHOLDER_TYPES", "TOPIC_KINDS", "KIND_LABELS", "Topic",
           "TopicDigestSubscription", "UserStakeholder", "UserTopic", "active_topics",
           "stakeholder_type", "topic_choices", "topic_labels", "user_topics"]

STAKEHOLDER_LABELS = {
    "patient": _("Patient or carer"),
    "patient_organisation": _("Patient organisation"),
    "ngo": _("Non-governmental organisation"),
    "medical_student": _("Medical student"),
    "doctor": _("Doctor or health professional"),
    "academic": _("Academic or researcher"),
    "app_developer": _("Health app developer"),
    "other": _("Other"),
}

KIND_LABELS = {"disease": _("Disease area"), "theme": _("Theme")}


def active_topics(request) -> list[Topic]:
    return list(request.dbsession.scalars(
        sa.select(Topic).where(Topic.is_active.is_(True))
        .order_by(Topic.position, Topic.id)))


TOPICS_REGION = "hub.topics"


def _all_topics(request) -> tuple:
    """Every topic as ``(slug, name_cs, name_en, is_active)`` in the staff's order: lists
    of events, courses and news ask on every page, so it is kept until a topic changes."""
    def load():
        return tuple((t.slug, t.name("cs"), t.name("en"), t.is_active)
                     for t in request.dbsession.scalars(
                         sa.select(Topic).order_by(Topic.position, Topic.id)))

    return request.cached(TOPICS_REGION, None, load)


def topic_choices(request) -> list[tuple[str, str]]:
    """Active topics as ``(slug, name in the request's language)``, in the staff's order."""
    column = 2 if language(request) == "en" else 1
    return [(t[0], t[column]) for t in _all_topics(request) if t[3]]


def topic_labels(request, slugs=None) -> dict[str, str]:
    """Names of topics (active or not) by slug, in the request's language."""
    column = 2 if language(request) == "en" else 1
    wanted = None if slugs is None else set(slugs)
    return {t[0]: t[column] for t in _all_topics(request) if wanted is None or t[0] in wanted}


def user_topics(request, user) -> list[str]:
    """Slugs of the active topics ``user`` declared an interest in."""
    if user is None:
        return []
    return list(request.dbsession.scalars(
        sa.select(Topic.slug).join(UserTopic, UserTopic.topic_id == Topic.id)
        .where(UserTopic.user_id == user.id, Topic.is_active.is_(True))
        .order_by(Topic.position, Topic.id)))


def stakeholder_type(request, user) -> str | None:
    """The stakeholder type ``user`` declared (one of ``STAKEHOLDER_TYPES``) or ``None``."""
    if user is None:
        return None
    return request.dbsession.scalar(
        sa.select(UserStakeholder.type).where(UserStakeholder.user_id == user.id))


def includeme(config):
    config.add_cache_region(TOPICS_REGION, tables=("topic",), ttl=3600)
    config.add_route("topics.manage", "/topics/manage")
    config.add_route("topics.new", "/topics/manage/new")
    config.add_route("topics.edit", r"/topics/manage/{id:\d+}")
    config.add_route("topics.move", r"/topics/manage/{id:\d+}/move")
    config.add_route("topics.interests", "/my/interests")
    config.add_api_route("topics.api.list", "/topics")
    config.add_job("hub.topics.send_digest", "hub.topics.digest.send_digest_to")
    config.scan("hub.topics.views")
    config.scan("hub.topics.api")
