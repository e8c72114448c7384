"""Hook implementations of the core's topics (an internal plugin)."""
from __future__ import annotations

import sqlalchemy as sa

from hub.cache import ANY_TABLE
from hub.contributions import (
    NavItem,
    NotificationKind,
    PeriodicJob,
    ProfileSection,
    Widget,
)
from hub.i18n import _
from hub.markers import hookimpl
from hub.security import AUTHENTICATED, STAFF


@hookimpl
def hub_navigation(request, menu):
    if menu == "user":
        return [NavItem(_("My interests"), route="topics.interests", permission=AUTHENTICATED,
                        order=5)]
    if menu == "admin":
        return [NavItem(_("Topics"), route="topics.manage", permission=STAFF, order=80,
                        match=("topics.manage", "topics.new", "topics.edit"))]
    return None


@hookimpl
def hub_profile_sections(request, user):
    from hub.topics.views import render_interests_form

    def render(request, user):
        # Only the owner edits their interests (the form always saves the signed-in user).
        if request.identity is None or request.identity.id != user.id:
            return None
        return render_interests_form(request, user, next_url=request.path)

    return [ProfileSection("topics.interests", _("My interests"), render, order=5)]


@hookimpl
def hub_dashboard_widgets(request):
    def for_you(request):
        from hub.shell import render_snippet
        from hub.topics import user_topics
        from hub.topics.digest import shown, suggestions_for

        user = request.identity
        if user is None:
            return None
        from hub.topics.disease import must_choose_again

        topics = user_topics(request, user)
        items = shown(request, suggestions_for(request, user), request.shell.localizer)
        return render_snippet(request, "hub:templates/topics/for_you.pt",
                              {"topics": topics, "items": items,
                               "choose_again": must_choose_again(request, user)})

    # Suggestions come from every plugin's content: kept per person until anything changes.
    return [Widget("topics.for_you", _("For you"), for_you, where="dashboard", order=1,
                   permission=AUTHENTICATED, cache_tables=(ANY_TABLE,), cache_per_user=True)]


@hookimpl
def hub_notification_kinds():
    from hub.topics.digest import DIGEST_KIND

    return [NotificationKind(DIGEST_KIND, _("Weekly suggestions for you"),
                             _("Events, courses and news matching your interests, once a "
                               "week if you asked for them on My interests."),
                             default_channels=("email",))]


@hookimpl
def hub_consent_purposes():
    from hub.topics.digest import DIGEST_PURPOSE
    from hub.topics.disease import DISEASE_PURPOSE

    return [DIGEST_PURPOSE, DISEASE_PURPOSE]


@hookimpl
def hub_consent_changed(request, purpose, record):
    from hub.topics.digest import DIGEST_PURPOSE
    from hub.topics.disease import DISEASE_PURPOSE, delete_disease_areas
    from hub.topics.models import TopicDigestSubscription

    # Nothing about the digest is kept once the consent is withdrawn.
    if purpose.key == DIGEST_PURPOSE.key and record.action == "withdrawn" \
            and record.user_id is not None:
        request.dbsession.execute(sa.delete(TopicDigestSubscription)
                                  .where(TopicDigestSubscription.user_id == record.user_id))
    # Disease areas are kept only while the explicit consent is in force.
    if purpose.key == DISEASE_PURPOSE.key and record.action == "withdrawn" \
            and record.user_id is not None:
        delete_disease_areas(request, record.user_id)


@hookimpl
def hub_periodic_jobs():
    from hub.topics.digest import send_weekly_digests

    # Monday morning, Prague time is UTC+1/+2: 6:00 UTC reaches people before work.
    return [PeriodicJob("hub.topics.weekly_digest", send_weekly_digests, minute="0", hour="6",
                        day_of_week="1")]


# -- personal data ------------------------------------------------------------------------

@hookimpl
def hub_personal_data_tables():
    return ["user_topic", "user_stakeholder", "topic_digest_subscription"]


@hookimpl
def hub_personal_data_export(request, user):
    from hub.consent import Subject, has_consent
    from hub.topics import STAKEHOLDER_LABELS, stakeholder_type
    from hub.topics.digest import DIGEST_PURPOSE
    from hub.topics.models import Topic, TopicDigestSubscription, UserTopic

    db = request.dbsession
    topics = db.scalars(sa.select(Topic).join(UserTopic, UserTopic.topic_id == Topic.id)
                        .where(UserTopic.user_id == user.id).order_by(Topic.position)).all()
    stakeholder = stakeholder_type(request, user)
    subscription = db.get(TopicDigestSubscription, user.id)
    return {_("Interests"): [{
        "topics": [{"slug": t.slug, "name_cs": t.name_cs, "name_en": t.name_en}
                   for t in topics],
        "stakeholder_type": stakeholder,
        "stakeholder_label": request.shell.translate(STAKEHOLDER_LABELS[stakeholder])
        if stakeholder else None,
        "weekly_digest": has_consent(request, Subject.of_user(user), DIGEST_PURPOSE.key),
        "digest_last_sent_at": subscription.last_sent_at.isoformat()
        if subscription and subscription.last_sent_at else None,
    }]}


@hookimpl
def hub_personal_data_erase(request, user):
    from hub.topics.models import TopicDigestSubscription, UserStakeholder, UserTopic

    for model in (UserTopic, UserStakeholder, TopicDigestSubscription):
        request.dbsession.execute(sa.delete(model).where(model.user_id == user.id))


@hookimpl
def hub_openapi(request):
    from hub.topics.api import openapi

    return openapi()
