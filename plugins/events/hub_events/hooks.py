"""Hook implementations of the events plugin."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import load_only, selectinload

from hub import dates, hookimpl
from hub.accounts.models import User
from hub.contributions import (
    NavItem,
    NotificationKind,
    PeriodicJob,
    ProfileSection,
    SegmentCriterion,
    Setting,
    Suggestion,
    Widget,
    WorkspaceSection,
)
from hub.db import utcnow
from hub.security import AUTHENTICATED, PUBLIC
from hub.settings import as_int
from hub.shell import render_snippet
from hub.topics import Topic
from hub_events.i18n import _
from hub_events.models import (
    CANCELLED,
    CONFIRMED,
    HOLDS_PLACE,
    Event,
    Feedback,
    Proposal,
    Registration,
    Talk,
    event_organiser,
    event_topic,
)
from hub_events.permissions import MANAGE, PERMISSIONS


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        return [NavItem(_("Events"), route="events.index", permission=PUBLIC, order=20,
                        match=("events.",))]
    if menu == "user":
        return [NavItem(_("My events"), route="events.mine", permission=AUTHENTICATED,
                        order=35)]
    if menu == "admin":
        return [NavItem(_("Organise events"), route="events.manage", permission=MANAGE,
                        order=20)]
    return None


@hookimpl
def hub_permissions():
    return PERMISSIONS


@hookimpl
def hub_settings_schema():
    return [
        Setting("offer_hours", 48, as_int,
                "Hours a person promoted from the waiting list has to confirm the place."),
        Setting("reminder_hours", 24, as_int, "Remind registered people this long before."),
        Setting("guest_retention_days", 180, as_int,
                "Days after an event when guests' registration details are anonymised."),
    ]


@hookimpl
def hub_notification_kinds():
    return [
        NotificationKind("events.registration", _("Event registrations"),
                         _("Confirmations, waiting list and cancellations.")),
        NotificationKind("events.promoted", _("A place at an event is free for you"),
                         mandatory=True),
        # The member must hear of it: they are registered only if they confirm.
        NotificationKind("events.on_behalf", _("Registrations proposed by your organisation"),
                         mandatory=True),
        NotificationKind("events.reminder", _("Event reminders and follow-ups")),
        NotificationKind("events.message", _("Messages from event organisers")),
        NotificationKind("events.review", _("Review of organisations' events"),
                         _("Events submitted for review, published or returned.")),
    ]


@hookimpl
def hub_organisation_workspace(request, organisation, role):
    from hub_events.organisations import workspace_section

    return [WorkspaceSection("events", _("Events"), workspace_section, order=30)]


@hookimpl
def hub_working_group_sources():
    from hub_events.working_groups import SOURCE

    return [SOURCE]


@hookimpl
def hub_periodic_jobs():
    from hub_events.jobs import purge_guest_data, send_follow_ups, send_reminders
    from hub_events.needs import erase_expired
    from hub_events.on_behalf import expire as expire_proposals
    from hub_events.services import expire_offers

    return [PeriodicJob("events.expire_offers", expire_offers, minute="*/10"),
            PeriodicJob("events.expire_proposals", expire_proposals, minute="*/10"),
            PeriodicJob("events.reminders", send_reminders, minute="5,35"),
            PeriodicJob("events.follow_ups", send_follow_ups, minute="20"),
            PeriodicJob("events.purge_guest_data", purge_guest_data, minute="45", hour="3"),
            PeriodicJob("events.erase_needs", erase_expired, minute="50", hour="3")]


# -- page contributions -----------------------------------------------------------------

def upcoming_public(request, limit: int):
    return request.dbsession.scalars(
        sa.select(Event)
        .options(load_only(Event.id, Event.title, Event.title_en, Event.starts_at,
                           Event.audience))
        .where(Event.state == "published", Event.starts_at >= utcnow())
        .order_by(Event.starts_at, Event.id).limit(limit)).all()


@hookimpl
def hub_dashboard_widgets(request):
    from hub_events.views import labels, my_registrations

    def home(request):
        events = upcoming_public(request, 5)
        return render_snippet(request, "hub_events:templates/widget.pt",
                              {"events": events, "rows": None, "labels": labels(request)})

    def mine(request):
        if request.identity is None:
            return None
        rows = [(r, e) for r, e in my_registrations(request, request.identity, 20)
                if e.ends_at >= utcnow() and r.status != CANCELLED][:5]
        return render_snippet(request, "hub_events:templates/widget.pt",
                              {"events": None, "rows": rows, "labels": labels(request)})

    # The upcoming events are the same for everyone: the core keeps the HTML until an event
    # changes, or five minutes pass (an event that started leaves the list).
    return [Widget("events.upcoming", _("Upcoming events"), home, where="home", order=20,
                   cache_tables=("events_event",), cache_ttl=300),
            Widget("events.mine", _("My upcoming events"), mine, where="dashboard", order=20,
                   permission=AUTHENTICATED, cache_per_user=True, cache_ttl=300,
                   cache_tables=("events_event", "events_registration"))]


@hookimpl
def hub_profile_sections(request, user):
    from hub_events.views import labels, my_registrations

    def render(request, user):
        viewer = request.identity
        if viewer is None or (viewer.id != user.id and not request.has_permission(MANAGE)):
            return None
        return render_snippet(request, "hub_events:templates/profile_section.pt",
                              {"rows": my_registrations(request, user, 50),
                               "labels": labels(request), "own": viewer.id == user.id})

    return [ProfileSection("events.mine", _("My events"), render, order=20)]


@hookimpl
def hub_search_sources():
    from hub_events.search import SOURCES

    return SOURCES


FOR_YOU_LIMIT = 5


@hookimpl
def hub_for_you(request, user, topics):
    """Published upcoming events in the user's topics, meant for the user's stakeholder type
    (events without a declared audience are meant for everyone). Drafts never appear;
    cancelled events are not suggested."""
    from hub.topics import stakeholder_type

    if not topics:
        return []
    events = request.dbsession.scalars(
        sa.select(Event).options(selectinload(Event.topics)).where(
            Event.state == "published", Event.starts_at >= utcnow(),
            Event.id.in_(sa.select(event_topic.c.event_id)
                         .join(Topic, Topic.id == event_topic.c.topic_id)
                         .where(Topic.slug.in_(list(topics)))))
        .order_by(Event.starts_at, Event.id).limit(50)).all()
    stakeholder = stakeholder_type(request, user)
    events = [e for e in events if not e.stakeholders or stakeholder is None
              or stakeholder in e.stakeholders][:FOR_YOU_LIMIT]
    language = dates.language(request)
    return [Suggestion(title=e.translated("title", language),
                       url=request.route_path("events.detail", id=e.id),
                       kind=_("Event"), when=e.starts_at, summary=e.translated("summary", language),
                       topics=tuple(e.topic_slugs)) for e in events]


# -- personal data ------------------------------------------------------------------------

@hookimpl
def hub_personal_data_tables():
    return ["events_registration", "events_feedback", "events_event", "events_talk",
            "events_event_organiser", "events_proposal"]


def _own_registrations(request, user):
    return request.dbsession.scalars(
        sa.select(Registration).where(sa.or_(Registration.user_id == user.id,
                                             Registration.email == user.email.lower()))
        .order_by(Registration.id)).all()


@hookimpl
def hub_personal_data_export(request, user):
    records = []
    for r in _own_registrations(request, user):
        event = request.dbsession.get(Event, r.event_id)
        feedback = request.dbsession.scalar(
            sa.select(Feedback).where(Feedback.registration_id == r.id))
        records.append({
            "event": event.title, "starts_at": event.starts_at.isoformat(),
            "name": r.name, "email": r.email, "status": r.status, "answer": r.answer,
            "needs_sign_language": r.needs_sign_language, "needs_assistant": r.needs_assistant,
            "needs_step_free": r.needs_step_free, "needs_note": r.needs_note,
            "privacy_accepted_at": r.privacy_accepted_at.isoformat()
            if r.privacy_accepted_at else None,
            "attended": r.attended, "created_at": r.created_at.isoformat(),
            "feedback": {"rating": feedback.rating, "comment": feedback.comment}
            if feedback else None,
        })
    created = request.dbsession.execute(
        sa.select(Event.id, Event.title, Event.created_at).where(Event.created_by_id == user.id)
        .order_by(Event.id)).all()
    talks = request.dbsession.execute(
        sa.select(Talk.title, Talk.speaker, Talk.speaker_email, Event.title,
                  Talk.release_refused_at)
        .join(Event, Event.id == Talk.event_id)
        .where(Talk.speaker_email == user.email.lower()).order_by(Talk.id)).all()
    proposals = request.dbsession.execute(
        sa.select(Event.title, Event.starts_at, Proposal.created_at, User.name)
        .join(Event, Event.id == Proposal.event_id)
        .outerjoin(User, User.id == Proposal.proposed_by_id)
        .where(Proposal.user_id == user.id).order_by(Proposal.id)).all()
    return {_("Event registrations"): records,
            _("Events created"): [{"id": i, "title": t, "created_at": c.isoformat()}
                               for i, t, c in created],
            _("Talks given"): [{"event": e, "talk": t, "speaker": s, "email": m,
                                "release_refused_at": r.isoformat() if r else None}
                               for t, s, m, e, r in talks],
            _("Registrations proposed on your behalf"): [
                {"event": e, "starts_at": s.isoformat(), "proposed_at": p.isoformat(),
                 "proposed_by": n} for e, s, p, n in proposals],
            _("Events organised"): [
                {"id": e.id, "title": e.title} for e in request.dbsession.scalars(
                    sa.select(Event).join(event_organiser, event_organiser.c.event_id == Event.id)
                    .where(event_organiser.c.user_id == user.id).order_by(Event.id))]}


@hookimpl
def hub_personal_data_erase(request, user):
    """Active registrations of future events are cancelled (their places go to the waiting
    list); then the registrations are deleted. Feedback stays as anonymous statistics
    (rating and comment, detached from the person); events they created or registrations
    they made for others lose the link to them."""
    from hub_events import services

    now = utcnow()
    for registration in _own_registrations(request, user):
        event = request.dbsession.get(Event, registration.event_id)
        if event.starts_at > now:
            services.cancel(request, registration)
        request.dbsession.execute(sa.update(Feedback).where(
            Feedback.registration_id == registration.id).values(registration_id=None))
        request.dbsession.delete(registration)
    # Events the person created and registrations they made for others stay, without them.
    request.dbsession.execute(sa.update(Event).where(Event.created_by_id == user.id)
                              .values(created_by_id=None))
    request.dbsession.execute(sa.update(Registration).where(
        Registration.registered_by_id == user.id).values(registered_by_id=None))
    # Proposals for the person go; those they made stay for the members, without them.
    request.dbsession.execute(sa.delete(Proposal).where(Proposal.user_id == user.id))
    request.dbsession.execute(sa.update(Proposal).where(Proposal.proposed_by_id == user.id)
                              .values(proposed_by_id=None))
    # Talks stay in the programme under the speaker's name; the address to ask for the
    # release goes (the release itself is withdrawn by the ledger's erasure).
    request.dbsession.execute(sa.update(Talk).where(Talk.speaker_email == user.email.lower())
                              .values(speaker_email="", release_key="",
                                      release_refused_at=None))
    request.dbsession.execute(sa.delete(event_organiser).where(
        event_organiser.c.user_id == user.id))
    request.dbsession.flush()


# -- CRM ------------------------------------------------------------------------------------

@hookimpl
def hub_activity(request, user):
    rows = request.dbsession.execute(
        sa.select(Registration, Event).join(Event, Event.id == Registration.event_id)
        .where(Registration.user_id == user.id).order_by(Event.starts_at.desc())
        .limit(100)).all()
    entries = []
    for registration, event in rows:
        url = request.route_path("events.detail", id=event.id)
        entries.append({"when": registration.created_at, "kind": "event_registration",
                        "title": f"{event.title} ({registration.status})", "url": url})
        if registration.attended:
            entries.append({"when": event.starts_at, "kind": "event_attendance",
                            "title": event.title, "url": url})
    return entries


def _event_options(request):
    since = utcnow() - dt.timedelta(days=730)
    rows = request.dbsession.execute(
        sa.select(Event.id, Event.title, Event.starts_at).where(
            Event.state.not_in(("draft", "submitted")), Event.starts_at >= since)
        .order_by(Event.starts_at.desc()).limit(500)).all()
    return [(str(i), f"{title} ({starts.date().isoformat()})") for i, title, starts in rows]


def _event_id(value) -> int:
    return int(value) if str(value).isdigit() else -1


def _registered_for(request, value):
    return sa.select(Registration.user_id).where(
        Registration.event_id == _event_id(value), Registration.user_id.is_not(None),
        Registration.status.in_(HOLDS_PLACE))


def _attended(request, value):
    return sa.select(Registration.user_id).where(
        Registration.event_id == _event_id(value), Registration.user_id.is_not(None),
        Registration.status == CONFIRMED, Registration.attended.is_(True))


@hookimpl
def hub_segment_criteria():
    return [SegmentCriterion("events.registered_for", _("Registered for event"),
                             _event_options, _registered_for),
            SegmentCriterion("events.attended", _("Attended event"), _event_options, _attended)]


# -- consent ---------------------------------------------------------------------------------

@hookimpl
def hub_consent_purposes():
    from hub_events.needs import ACCOMMODATION_NEEDS
    from hub_events.release import SPEAKER_RELEASE

    return [SPEAKER_RELEASE, ACCOMMODATION_NEEDS]


@hookimpl
def hub_consent_changed(request, subject, purpose, record):
    from hub_events import needs, release

    release.consent_changed(request, purpose, record)
    needs.consent_changed(request, subject, purpose, record)


# -- for other plugins -----------------------------------------------------------------------

@hookimpl(optionalhook=True)
def hub_event_recordings(request):
    events = request.dbsession.scalars(
        sa.select(Event).where(Event.state == "published", Event.recording_published.is_(True),
                               Event.ends_at < utcnow())
        .order_by(Event.starts_at.desc()).limit(500)).all()
    from hub_events.recordings import preload_hosted

    # Only events without their own video or embed play a hosted recording here.
    hosted = preload_hosted(request.dbsession,  # noqa: F841 (kept in the identity map)
                            [e for e in events if not (e.video_url or e.embed_url)])
    return [_recording_json(request, e) for e in events]


def _recording_json(request, event) -> dict:
    """A recording for another plugin; a hosted one as links to the event's own file and
    captions (served under the same rules as on the event's page)."""
    from hub_events.recordings import hosted_recording

    data = {"event_id": event.id, "title": event.title,
            "date": event.starts_at.date().isoformat(), "video_url": event.video_url,
            "embed_url": event.embed_url, "captions_url": event.captions_url,
            "transcript": event.transcript}
    if event.video_url or event.embed_url:
        return data  # the event's own video comes before a hosted one
    item = hosted_recording(request, event)
    if item is not None:
        data["video_url"] = request.route_url("events.recording_file", id=event.id,
                                              name=item.file_name or "recording")
        data["captions_url"] = data["captions_url"] or request.route_url(
            "events.recording_captions", id=event.id, lang=item.captions[0].language)
        data["transcript"] = data["transcript"] or item.transcript
    return data


@hookimpl
def hub_media_usage(request, item):
    from hub_events import materials, recordings

    return recordings.usage(request, item) + materials.usage(request, item)


@hookimpl(optionalhook=True)
def hub_upcoming_events(request):
    return [{"id": e.id, "title": e.title, "starts_at": e.starts_at.isoformat(),
             "url": request.route_url("events.detail", id=e.id)}
            for e in upcoming_public(request, 50) if e.audience == "public"]


@hookimpl
def hub_indicators(request, start, end):
    from hub_events.indicators import indicators

    return indicators(request, start, end)


# How long after an event its page still counts as read, so worth translating.
TRANSLATE_PAST_DAYS = 365
MISSING_LIMIT = 500


@hookimpl
def hub_translations_missing(request):
    """Published events (upcoming, or ended within a year) and their talks without an
    English text; drafts, submitted and cancelled events are left out."""
    from hub.translations import MissingTranslation

    untranslated = sa.or_(*(sa.and_(getattr(Event, f) != "", getattr(Event, f"{f}_en") == "")
                            for f in Event.TRANSLATED))
    since = utcnow() - dt.timedelta(days=TRANSLATE_PAST_DAYS)
    readable = sa.and_(Event.state == "published", Event.ends_at >= since)
    found = []
    for event in request.dbsession.scalars(
            sa.select(Event).where(readable, untranslated)
            .order_by(Event.starts_at).limit(MISSING_LIMIT)):
        found.append(MissingTranslation(
            kind=_("Event"), title=event.title,
            url=request.route_path("events.edit", id=event.id),
            fields=tuple(event.missing_translations())))
    for talk, event_id in request.dbsession.execute(
            sa.select(Talk, Event.id).join(Event, Event.id == Talk.event_id)
            .where(readable, Talk.title != "", Talk.title_en == "")
            .order_by(Talk.starts_at).limit(MISSING_LIMIT)):
        found.append(MissingTranslation(
            kind=_("Talk"), title=talk.title,
            url=request.route_path("events.edit", id=event_id) + "#programme",
            fields=tuple(talk.missing_translations())))
    return found


@hookimpl
def hub_openapi(request):
    from hub_events.openapi import openapi

    return openapi()


@hookimpl
def hub_demo_data(dbsession, scale, registry):
    from hub_events.demo import create_demo_data

    create_demo_data(dbsession, scale, registry)
