"""Pages of the events plugin: the public calendar, registration, organiser pages."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import load_only, selectinload

from hub import dates
from hub.db import utcnow
from hub.indicators.reach import count_as
from hub.organizations.models import Organisation
from hub.params import is_id
from hub.security import AUTHENTICATED, PUBLIC
from hub.sharing import set_share_metadata
from hub.topics import Topic, topic_choices
from hub_events import materials, needs, on_behalf, recordings, services
from hub_events.forms import (
    parse_local_time,
)
from hub_events.i18n import _
from hub_events.models import (
    ACCESSIBILITY,
    ACTIVE,
    CONFIRMED,
    KINDS,
    NOT_PUBLIC,
    OFFERED,
    Event,
    Feedback,
    Registration,
    event_topic,
)
from hub_events.permissions import MANAGE, REGISTER_MEMBERS
from hub_events.services import RegistrationError, format_span, format_when

PAGE_SIZE = 30
MODES = ("online", "in_person")  # the list's filter by how one takes part
# The columns of an event that the public list and the widgets show.
LIST_COLUMNS = (Event.id, Event.title, Event.summary, Event.kind, Event.venue, Event.state,
                Event.starts_at, Event.ends_at, Event.capacity, Event.taken, Event.title_en,
                Event.summary_en)

# An event's page showing its recording counts as a recording view (the funder's report).
RECORDING_PAGE = "events.recording"

KIND_LABELS = {"lecture": _("Lecture"), "seminar": _("Seminar"), "workshop": _("Workshop"),
               "conference": _("Conference"), "meeting": _("Meeting")}
VENUE_LABELS = {"room": _("Hub room"), "address": _("In person at an address"),
                "online": _("Online"), "hybrid": _("Hybrid (in person and online)")}
ACCESSIBILITY_LABELS = {"step_free": _("Step-free access"), "induction_loop": _("Induction loop"),
                        "accessible_toilet": _("Accessible toilet"), "lift": _("Lift"),
                        "parking": _("Accessible parking")}
STATUS_LABELS = {"unverified": _("Waiting for e-mail confirmation"),
                 "pending": _("Waiting for approval"), "confirmed": _("Confirmed"),
                 "waitlisted": _("On the waiting list"), "offered": _("Place offered"),
                 "cancelled": _("Cancelled"), "rejected": _("Not accepted")}
STATE_LABELS = {"draft": _("Draft"), "submitted": _("Submitted for review"),
                "published": _("Published"), "cancelled": _("Cancelled")}
AUDIENCE_LABELS = {"public": _("Everyone, also without an account"),
                   "members": _("Signed-in members only")}


def text_lang(obj, field: str, language: str) -> str | None:
    """``lang`` for the element showing ``field``: "cs" where an English page falls back to
    the Czech text (WCAG 3.1.2), else nothing."""
    return "cs" if language == "en" and obj.language_of(field, language) == "cs" else None


def labels(request) -> dict:
    language = dates.language(request)
    return {"kinds": KIND_LABELS, "venues": VENUE_LABELS, "access": ACCESSIBILITY_LABELS,
            "statuses": STATUS_LABELS, "states": STATE_LABELS, "audiences": AUDIENCE_LABELS,
            "language": language,
            # An event's or talk's text in the page's language, and the lang its element needs.
            "text": lambda obj, field: obj.translated(field, language),
            "lang": lambda obj, field: text_lang(obj, field, language),
            "when": lambda value, fmt="medium": format_when(value, request.locale_name, fmt),
            "span": lambda starts, ends: format_span(starts, ends, request.locale_name)}


def can_manage(request) -> bool:
    return bool(request.has_permission(MANAGE))


def may_run_event(request, event) -> bool:
    """Staff, or someone acting for the event's organisation (see hub_events.organisations)."""
    from hub.organizations.access import acts_for

    return can_manage(request) or (event.organisation_id is not None
                                   and acts_for(request, event.organisation_id))


def get_event(request, visible_only: bool = True) -> Event:
    try:
        event_id = int(request.matchdict["id"])
    except (KeyError, ValueError):
        raise HTTPNotFound() from None
    event = request.dbsession.get(Event, event_id)
    if event is None or (visible_only and event.state in NOT_PUBLIC and not can_manage(request)
                         and not may_run_event(request, event)):
        raise HTTPNotFound()
    return event


# -- the public calendar ----------------------------------------------------------------

@dataclass
class Filters:
    kind: str = ""
    topic: str = ""
    date_from: str = ""
    mode: str = ""
    access: list = field(default_factory=list)
    page: int = 1

    @classmethod
    def from_request(cls, params) -> Filters:
        page = params.get("page", "1")
        return cls(kind=params.get("kind", "") if params.get("kind") in KINDS else "",
                   topic=params.get("topic", "").strip()[:60],
                   date_from=params.get("from", "")[:10],
                   mode=params.get("mode", "") if params.get("mode") in MODES
                   else "",
                   access=[a for a in params.getall("access") if a in ACCESSIBILITY],
                   page=int(page) if page.isdigit() and 0 < int(page) < 10000 else 1)


def event_query(filters: Filters, upcoming: bool = True):
    now = utcnow()
    stmt = sa.select(Event).where(Event.state.not_in(NOT_PUBLIC))
    if upcoming:
        stmt = stmt.where(Event.ends_at >= now)
    if filters.kind:
        stmt = stmt.where(Event.kind == filters.kind)
    if filters.topic:
        stmt = stmt.where(Event.id.in_(
            sa.select(event_topic.c.event_id).join(Topic, Topic.id == event_topic.c.topic_id)
            .where(Topic.slug == filters.topic)))
    if filters.date_from:
        try:
            start = parse_local_time(filters.date_from + "T00:00")
            stmt = stmt.where(Event.starts_at >= start)
        except ValueError:
            filters.date_from = ""
    for key in filters.access:
        # Keys come from the fixed ACCESSIBILITY list; the JSON list is matched as text so
        # that paging stays in SQL on SQLite and PostgreSQL alike.
        stmt = stmt.where(sa.cast(Event.accessibility, sa.String).like(f'%"{key}"%'))
    if filters.mode == "online":
        stmt = stmt.where(Event.venue.in_(("online", "hybrid")))
    elif filters.mode == "in_person":
        stmt = stmt.where(Event.venue != "online")
    return stmt


# Public pages are kept whole for anonymous visitors (``hub.page_cache``) until one of the
# tables they are made from changes, or a minute passes (an event that ended leaves them).
LIST_TABLES = ("events_event", "events_event_topic", "topic")
DETAIL_TABLES = (*LIST_TABLES, "events_talk", "organisation", "media_item", "media_caption",
                 "events_material")


@view_config(route_name="events.index", renderer="hub_events:templates/index.pt",
             permission=PUBLIC, request_method="GET", cache_tables=LIST_TABLES)
def index(request):
    filters = Filters.from_request(request.GET)
    stmt = event_query(filters)
    total = request.dbsession.scalar(stmt.with_only_columns(sa.func.count(Event.id)))
    # Only what the list shows: the long texts (description, transcript...) stay behind.
    events = request.dbsession.scalars(
        stmt.options(load_only(*LIST_COLUMNS), selectinload(Event.topics))
        .order_by(Event.starts_at, Event.id)
        .limit(PAGE_SIZE).offset((filters.page - 1) * PAGE_SIZE)).all()
    topics = topic_choices(request)
    pages = max(1, -(-total // PAGE_SIZE))
    return {"events": events, "filters": filters, "topics": topics, "total": total,
            "pages": pages, "labels": labels(request), "can_manage": can_manage(request),
            "page_url": lambda n: request.current_route_path(_query={
                **{k: v for k, v in request.GET.items() if k not in ("page", "access")},
                "page": n}),
            "breadcrumbs": [(_("Educational events"), None)]}


@view_config(route_name="events.calendar", renderer="hub_events:templates/calendar.pt",
             permission=PUBLIC, request_method="GET", cache_tables=("events_event",))
def calendar(request):
    """A month grid (Monday first) of the published and cancelled events."""
    import calendar as cal

    from babel.dates import format_date, get_day_names

    today = services.local(utcnow()).date()
    try:
        year, month = (int(p) for p in request.GET.get("month", "").split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    if not 2000 <= first.year <= 2100:
        first = today.replace(day=1)
    days = cal.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start = dt.datetime.combine(days[0][0], dt.time(), services.PRAGUE)
    end = dt.datetime.combine(days[-1][-1] + dt.timedelta(days=1), dt.time(), services.PRAGUE)
    events = request.dbsession.scalars(
        sa.select(Event).options(load_only(Event.id, Event.title, Event.title_en, Event.state,
                                            Event.starts_at))
        .where(Event.state.not_in(NOT_PUBLIC), Event.starts_at >= start, Event.starts_at < end)
        .order_by(Event.starts_at).limit(1000)).all()
    by_day: dict = {}
    for event in events:
        by_day.setdefault(services.local(event.starts_at).date(), []).append(event)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    locale = request.locale_name
    return {"weeks": days, "by_day": by_day, "month": first, "today": today,
            "title": format_date(first, "LLLL y", locale=locale),
            "day_names": [get_day_names("wide", locale=locale)[i] for i in range(7)],
            "day_label": lambda day: format_date(day, "full", locale=locale),
            "previous": request.route_path("events.calendar",
                                           _query={"month": previous.strftime("%Y-%m")}),
            "next": request.route_path("events.calendar",
                                       _query={"month": following.strftime("%Y-%m")}),
            "labels": labels(request),
            "breadcrumbs": [(_("Educational events"), request.route_path("events.index")),
                            (_("Calendar"), None)]}


@view_config(route_name="events.archive", renderer="hub_events:templates/archive.pt",
             permission=PUBLIC, request_method="GET", cache_tables=LIST_TABLES)
def archive(request):
    events = request.dbsession.scalars(
        sa.select(Event).options(load_only(*LIST_COLUMNS), selectinload(Event.topics))
        .where(Event.state == "published", Event.ends_at < utcnow(),
               Event.recording_published.is_(True))
        .order_by(Event.starts_at.desc()).limit(200)).all()
    return {"events": events, "labels": labels(request),
            "breadcrumbs": [(_("Educational events"), request.route_path("events.index")),
                            (_("Recordings of past events"), None)]}


@view_config(route_name="events.feed", permission=PUBLIC, request_method="GET")
def feed(request):
    since = utcnow() - dt.timedelta(days=90)
    events = request.dbsession.scalars(
        sa.select(Event).where(Event.state.not_in(NOT_PUBLIC), Event.ends_at >= since)
        .order_by(Event.starts_at).limit(1000)).all()
    return Response(body=services.event_ics(request, events), content_type="text/calendar",
                    charset="utf-8")


@view_config(route_name="events.ics", permission=PUBLIC, request_method="GET")
def event_ics(request):
    event = get_event(request)
    response = Response(body=services.event_ics(request, [event]),
                        content_type="text/calendar", charset="utf-8")
    response.content_disposition = f'attachment; filename="event-{event.id}.ics"'
    return response


@view_config(route_name="events.detail", renderer="hub_events:templates/detail.pt",
             permission=PUBLIC, request_method="GET", cache_tables=DETAIL_TABLES)
def detail(request, form=None):
    event = get_event(request)
    user = request.identity
    mine = services.registration_of(request.dbsession, event.id, user)
    attending = mine is not None and mine.status == CONFIRMED
    organisation = (request.dbsession.get(Organisation, event.organisation_id)
                    if event.organisation_id else None)
    members = []
    if user is not None and request.has_permission(REGISTER_MEMBERS):
        members = on_behalf.members_to_offer(request)
    proposal = on_behalf.proposal_of(request, event.id, user)
    language = dates.language(request)
    if event.state not in NOT_PUBLIC:
        set_share_metadata(request, event.translated("title", language),
                           event.translated("summary", language)
                           or event.translated("description", language),
                           url=request.route_url("events.detail", id=event.id), kind="event")
    if event.recording_published:
        count_as(request, RECORDING_PAGE)
    hosted = recordings.hosted_recording(request, event)
    feedback_given = mine is not None and request.dbsession.scalar(
        sa.select(Feedback.id).where(Feedback.registration_id == mine.id)) is not None
    return {"event": event, "mine": mine, "attending": attending,
            "show_link": attending or can_manage(request),
            "organisation": organisation, "closed": services.registration_closed_reason(event),
            "proposal_url": on_behalf.link_url(request, proposal) if proposal else None,
            "past": event.ends_at < utcnow(), "members": members,
            "feedback_given": feedback_given,
            "needs_text": needs.ACCOMMODATION_NEEDS.text_in(labels(request)["language"]),
            "needs_version": needs.ACCOMMODATION_NEEDS.text_version,
            "form": form or {"values": {"name": user.name if user else "",
                                        "email": user.email if user else ""}, "errors": {}},
            "labels": labels(request), "can_manage": can_manage(request),
            "media_player": recordings.player(request, event, hosted) if hosted else None,
            "documents": materials.shown(request, event),
            "breadcrumbs": [(_("Educational events"), request.route_path("events.index")),
                            (event.translated("title", language), None)]}


def _needs_consent(params) -> str | None:
    """The version of the needs consent's text the person ticked, if ticked."""
    return params.get("needs_consent_version", "") if params.get("needs_consent") == "1" \
        else None


def _needs(params) -> dict:
    return {"sign_language": params.get("needs_sign_language") == "1",
            "assistant": params.get("needs_assistant") == "1",
            "step_free": params.get("needs_step_free") == "1",
            "note": params.get("needs_note", "")}


@view_config(route_name="events.register", permission=PUBLIC, request_method="POST")
def register(request):
    event = get_event(request)
    user = request.identity
    params = request.POST
    email = user.email if user else params.get("email", "")
    name = user.name if user else params.get("name", "")
    try:
        registration = services.register(
            request, event.id, user=user, email=email, name=name,
            answer=services.format_answers(
                event, [params.get(f"answer-{i}", "") for i in range(len(event.question_list))]),
            needs=_needs(params), needs_consent_version=_needs_consent(params),
            privacy_accepted=params.get("privacy") == "1", language=request.locale_name)
    except RegistrationError as exc:
        request.tm.doom()
        form = {"values": {k: params.get(k, "") for k in
                           ("name", "email", "needs_note", "needs_sign_language",
                            "needs_assistant", "needs_step_free", "needs_consent", "privacy",
                            *(f"answer-{i}" for i in range(len(event.question_list))))},
                "errors": {exc.field or "general": exc.message}}
        if user:
            form["values"].update(name=user.name, email=user.email)
        request.response.status_int = 409 if exc.code == "duplicate" else 422
        return render_detail(request, form)
    messages = {
        "unverified": _("Almost done: we sent you an e-mail with a link to confirm the "
                        "registration."),
        "pending": _("Thank you. The organiser will confirm your registration."),
        "confirmed": _("You are registered. A confirmation is on its way by e-mail."),
        "waitlisted": _("The event is full; you are on the waiting list and we will let "
                        "you know when a place frees up."),
    }
    request.session.flash(request.shell.translate(messages[registration.status]), "success")
    return HTTPSeeOther(request.route_path("events.detail", id=event.id))


def render_detail(request, form):
    from pyramid.renderers import render_to_response

    values = detail(request, form=form)
    response = render_to_response("hub_events:templates/detail.pt", values, request=request)
    response.status_int = request.response.status_int
    return response


@view_config(route_name="events.register_member", permission=REGISTER_MEMBERS,
             request_method="POST")
def register_member(request):
    """A representative asks to register an active member of their organisation; the
    member is registered only when they confirm (``hub_events.on_behalf``)."""
    event = get_event(request)
    member_id = request.POST.get("user_id", "")
    found = on_behalf.member_of(request, int(member_id)) if is_id(member_id) else None
    if found is None:
        raise HTTPNotFound()
    member, organisation_id = found
    try:
        on_behalf.propose(request, event, member, organisation_id)
    except RegistrationError as exc:
        request.tm.doom()
        request.session.flash(request.shell.translate(exc.message), "error")
    else:
        # The same words whether or not the member was already registered or asked: the
        # representative learns nothing about the member's registrations.
        request.session.flash(request.shell.translate(_(
            "Unless ${name} is already registered or already asked, we have asked them to "
            "confirm. They are registered only when they do.",
            mapping={"name": member.name})), "success")
    return HTTPSeeOther(request.route_path("events.detail", id=event.id))


def own_registration(request, event) -> Registration:
    mine = services.registration_of(request.dbsession, event.id, request.identity)
    if mine is None:
        raise HTTPNotFound()
    return mine


@view_config(route_name="events.cancel", permission=AUTHENTICATED, request_method="POST")
def cancel(request):
    event = get_event(request)
    if services.cancel(request, own_registration(request, event)):
        request.session.flash(request.shell.translate(_("Your registration is cancelled.")),
                              "success")
    return HTTPSeeOther(request.route_path("events.detail", id=event.id))


@view_config(route_name="events.accept", permission=AUTHENTICATED, request_method="POST")
def accept(request):
    event = get_event(request)
    try:
        services.accept_offer(request, own_registration(request, event))
    except RegistrationError as exc:
        request.tm.doom()
        request.session.flash(request.shell.translate(exc.message), "error")
    else:
        request.session.flash(request.shell.translate(_("Your place is confirmed.")), "success")
    return HTTPSeeOther(request.route_path("events.detail", id=event.id))


# -- links from e-mails (guests and members) -----------------------------------------------

LINK_PURPOSES = {
    "verify": (_("Confirm your registration"), _("Confirm registration")),
    "cancel": (_("Cancel your registration"), _("Cancel registration")),
    "accept": (_("Confirm the offered place"), _("Confirm my place")),
}


def _link_registration(request) -> tuple[str, Registration]:
    purpose = request.matchdict["purpose"]
    if purpose not in LINK_PURPOSES:
        raise HTTPNotFound()
    registration = services.registration_from_token(request.dbsession,
                                                    request.matchdict["token"], purpose)
    if registration is None:
        raise HTTPNotFound()
    return purpose, registration


@view_config(route_name="events.link", renderer="hub_events:templates/link.pt",
             permission=PUBLIC, request_method="GET")
def link_page(request):
    """Shows what the link will do; only the button (a POST) changes anything."""
    purpose, registration = _link_registration(request)
    title, button = LINK_PURPOSES[purpose]
    event = request.dbsession.get(Event, registration.event_id)
    return {"event": event, "registration": registration, "title": title, "button": button,
            "purpose": purpose, "labels": labels(request),
            "done": (purpose == "verify" and registration.status != "unverified")
            or (purpose == "cancel" and registration.status not in ACTIVE)
            or (purpose == "accept" and registration.status != OFFERED),
            "breadcrumbs": [(_("Educational events"), request.route_path("events.index")),
                            (title, None)]}


@view_config(route_name="events.link", permission=PUBLIC, request_method="POST")
def link_action(request):
    purpose, registration = _link_registration(request)
    try:
        if purpose == "verify":
            registration = services.verify_guest(request, registration)
            message = STATUS_LABELS[registration.status]
        elif purpose == "cancel":
            services.cancel(request, registration)
            message = _("Your registration is cancelled.")
        else:
            services.accept_offer(request, registration)
            message = _("Your place is confirmed.")
    except RegistrationError as exc:
        request.tm.doom()
        request.session.flash(request.shell.translate(exc.message), "error")
    else:
        request.session.flash(request.shell.translate(message), "success")
    return HTTPSeeOther(request.route_path("events.link", purpose=purpose,
                                           token=request.matchdict["token"]))


# -- attendees ----------------------------------------------------------------------------

def attended_registration(request, event) -> Registration:
    mine = own_registration(request, event)
    if not mine.attended or event.ends_at > utcnow():
        raise HTTPNotFound()
    return mine


@view_config(route_name="events.feedback", permission=AUTHENTICATED, request_method="POST")
def feedback(request):
    event = get_event(request)
    mine = own_registration(request, event)
    if mine.status != CONFIRMED or event.starts_at > utcnow():
        raise HTTPNotFound()
    rating = request.POST.get("rating", "")
    if rating not in {"1", "2", "3", "4", "5"}:
        request.session.flash(request.shell.translate(_("Choose a rating from 1 to 5.")), "error")
        return HTTPSeeOther(request.route_path("events.detail", id=event.id))
    try:
        # UNIQUE(registration_id): a second (or double-clicked) answer is ignored.
        with request.dbsession.begin_nested():
            request.dbsession.add(Feedback(
                event_id=event.id, registration_id=mine.id, rating=int(rating),
                comment=request.POST.get("comment", "").strip()[:5000]))
            request.dbsession.flush()
    except IntegrityError:
        pass
    request.session.flash(request.shell.translate(_("Thank you for your feedback.")), "success")
    return HTTPSeeOther(request.route_path("events.detail", id=event.id))


@view_config(route_name="events.certificate", permission=AUTHENTICATED, request_method="GET")
def certificate(request):
    from hub_events.certificate import certificate_pdf

    event = get_event(request)
    registration = attended_registration(request, event)
    pdf = certificate_pdf(request, event, registration)
    response = Response(body=pdf, content_type="application/pdf")
    response.content_disposition = f'attachment; filename="certificate-{event.id}.pdf"'
    return response


@view_config(route_name="events.mine", renderer="hub_events:templates/mine.pt",
             permission=AUTHENTICATED, request_method="GET")
def mine(request):
    proposals = [(event, on_behalf.link_url(request, proposal))
                 for proposal, event in on_behalf.proposals_of(request, request.identity)]
    return {"rows": my_registrations(request, request.identity), "labels": labels(request),
            "proposals": proposals,
            "breadcrumbs": [(_("Educational events"), request.route_path("events.index")),
                            (_("My events"), None)]}


def my_registrations(request, user, limit: int = 200) -> list:
    return request.dbsession.execute(
        sa.select(Registration, Event).join(Event, Event.id == Registration.event_id)
        .where(Registration.user_id == user.id)
        .order_by(Event.starts_at.desc()).limit(limit)).all()


@view_config(route_name="events.needs", permission=AUTHENTICATED, request_method="POST")
def update_needs(request):
    """The registrant states or changes their needs (with the consent), or clears them
    (which withdraws the consent and erases them)."""
    event = get_event(request)
    mine = own_registration(request, event)
    if mine.status not in ACTIVE:
        raise HTTPNotFound()
    stated = _needs(request.POST)
    try:
        needs.check(stated, _needs_consent(request.POST))
        needs.record(request, mine, stated, _needs_consent(request.POST))
    except RegistrationError as exc:
        request.tm.doom()
        request.session.flash(request.shell.translate(exc.message), "error")
    else:
        request.session.flash(request.shell.translate(
            _("Your accommodation needs are saved.") if needs.given(stated) else
            _("Your accommodation needs are deleted.")), "success")
    return HTTPSeeOther(request.route_path("events.detail", id=event.id) + "#my-needs")
