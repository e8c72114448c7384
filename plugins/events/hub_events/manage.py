"""Organiser pages: create, edit and clone events, registrations, export, check-in."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub import dates
from hub.csvexport import csv_response
from hub.dates import local_input
from hub.db import utcnow
from hub.security import AUTHENTICATED
from hub.topics import STAKEHOLDER_LABELS, STAKEHOLDER_TYPES, topic_choices
from hub_events import materials, needs, release, services
from hub_events.forms import (
    ENGLISH_FIELDS,
    form_values,
    is_web_url,
    organisation_choices,
    parse_local_time,
    read_event_form,
)
from hub_events.i18n import _
from hub_events.models import (
    ACCESSIBILITY,
    AUDIENCES,
    EVENT_STATES,
    HOLDS_PLACE,
    KINDS,
    PENDING,
    VENUES,
    Event,
    Feedback,
    Registration,
    Talk,
)
from hub_events.permissions import MANAGE
from hub_events.recordings import recording_choices
from hub_events.services import RegistrationError
from hub_events.views import (
    ACCESSIBILITY_LABELS,
    AUDIENCE_LABELS,
    KIND_LABELS,
    STATE_LABELS,
    VENUE_LABELS,
    get_event,
    labels,
)

EVENT_FIELDS = ("title", "summary", "description", "kind", "topics", "stakeholders",
                "organisation_id",
                "speakers", "starts_at", "ends_at", "venue", "room_id", "address",
                "accessibility", "accessibility_note", "online_url", "capacity",
                "registration_opens_at", "registration_closes_at", "audience",
                "approval_required", "questions", "privacy_notice", "state", "video_url",
                "organisers",
                "embed_url", "captions_url", "transcript", "materials", "recording_published",
                "recording_media_id", *ENGLISH_FIELDS)


def manage_crumbs(request, *more):
    if not request.has_permission(MANAGE):
        # An organisation running its own event: its workspace instead of the staff's list.
        event = more and request.matchdict.get("id")
        found = request.dbsession.get(Event, int(event)) if event else None
        if found is not None and found.organisation_id is not None:
            from hub.organizations.models import Organisation

            organisation = request.dbsession.get(Organisation, found.organisation_id)
            return [(organisation.name, request.route_path("organisation_workspace",
                                                           id=organisation.id)), *more]
    return [(_("Educational events"), request.route_path("events.index")),
            (_("Organise events"), request.route_path("events.manage")), *more]


@view_config(route_name="events.manage", renderer="hub_events:templates/manage.pt",
             permission=MANAGE, request_method="GET")
def manage(request):
    counts = (sa.select(Registration.event_id, Registration.status, sa.func.count())
              .group_by(Registration.event_id, Registration.status))
    events = request.dbsession.scalars(
        sa.select(Event).order_by(Event.starts_at.desc()).limit(300)).all()
    per_event: dict = {}
    for event_id, status, count in request.dbsession.execute(
            counts.where(Registration.event_id.in_([e.id for e in events]))):
        per_event.setdefault(event_id, {})[status] = count
    # Recordings kept off the public pages until every speaker has released them.
    waiting = request.dbsession.scalars(
        sa.select(Event).where(Event.recording_published.is_(False), Event.state != "cancelled",
                               Event.ends_at < utcnow(),
                               sa.or_(Event.video_url != "", Event.embed_url != ""))
        .order_by(Event.starts_at.desc()).limit(100)).all()
    from hub_events.organisations import waiting_for_review

    return {"events": events, "counts": per_event, "labels": labels(request),
            "waiting_release": waiting, "waiting_review": waiting_for_review(request),
            "breadcrumbs": manage_crumbs(request)[:1] + [(_("Organise events"), None)]}


@dataclass(frozen=True)
class Field:
    name: str
    label: object
    type: str = "text"
    options: tuple = ()
    hint: object = None
    required: bool = False
    group: str = ""  # "en": in the form's "English version" fieldset
    link: tuple = ()  # (text, address): a link at the end of the hint


def topic_options(request, event) -> tuple:
    """Active topics, and the inactive ones the event already has (so they are kept)."""
    options = list(topic_choices(request))
    offered = {slug for slug, _name in options}
    language = dates.language(request)
    options += [(t.slug, t.name(language)) for t in (event.topics if event else [])
                if t.slug not in offered]
    return tuple(options)


def organiser_options(request, event) -> tuple:
    """Staff who may organise, and the event's organisers (kept even without the role)."""
    from hub.accounts.models import User

    staff = request.dbsession.scalars(sa.select(User).where(
        User.role.in_(("staff", "admin")), User.is_active.is_(True))
        .order_by(User.name).limit(500)).all()
    people = {u.id: u for u in [*staff, *(event.organisers if event else [])]}
    return tuple((str(u.id), f"{u.name} ({u.email})") for u in people.values())


def event_fields(request, rooms, event=None, chosen=(), *, library=True) -> list[Field]:
    """``library=False``: without the media library's choices of a recording and of
    materials (read from the library, for a form that leaves those fields out)."""
    site = request.registry.settings.get("hub.site_name", "")
    organisations = tuple([("", site)] + [(str(i), n) for i, n in organisation_choices(request)])
    return [
        Field("title", _("Title"), required=True),
        Field("summary", _("Short summary")),
        Field("description", _("Description"), "textarea",
              hint=_("Separate paragraphs with an empty line.")),
        Field("kind", _("Type"), "select", tuple((k, KIND_LABELS[k]) for k in KINDS),
              required=True),
        Field("topics", _("Topics"), "checkboxes", topic_options(request, event),
              hint=_("Disease areas and themes; staff manage the list of topics.")),
        Field("stakeholders", _("Meant especially for"), "checkboxes",
              tuple((s, STAKEHOLDER_LABELS[s]) for s in STAKEHOLDER_TYPES),
              hint=_("Leave empty when the event is for everyone. Used to suggest the event "
                     "to the right people.")),
        Field("organisation_id", _("Organiser"), "select", organisations),
        Field("organisers", _("Organisers of this event"), "checkboxes",
              organiser_options(request, event),
              hint=_("Only they see the registrants' accommodation needs.")),
        Field("speakers", _("Speakers")),
        Field("starts_at", _("Starts"), "datetime-local", required=True,
              hint=_("Prague time.")),
        Field("ends_at", _("Ends"), "datetime-local", required=True),
        Field("venue", _("Venue"), "select",
              (("", _("Choose the venue")),) + tuple((v, VENUE_LABELS[v]) for v in VENUES),
              required=True),
        *([Field("room_id", _("Hub room"), "select",
                 tuple([("", _("No room"))] + [
                     (str(r["id"]), f"{r['name']} ({r['capacity']})") for r in rooms]),
                 hint=_("The room is reserved when the event is published."))]
          if rooms else []),
        Field("address", _("Address")),
        Field("accessibility", _("Accessibility of the venue"), "checkboxes",
              tuple((a, ACCESSIBILITY_LABELS[a]) for a in ACCESSIBILITY)),
        Field("accessibility_note", _("More about accessibility"), "textarea"),
        Field("online_url", _("Stream or meeting link"), "url",
              hint=_("Shown only to registered participants.")),
        Field("capacity", _("Registration limit"), "number",
              hint=_("Leave empty for no limit.")),
        Field("registration_opens_at", _("Registration opens"), "datetime-local"),
        Field("registration_closes_at", _("Registration closes"), "datetime-local"),
        Field("audience", _("Who can register"), "select",
              tuple((a, AUDIENCE_LABELS[a]) for a in AUDIENCES), required=True),
        Field("approval_required", _("The organiser approves each registration"), "checkbox"),
        Field("questions", _("Questions for registrants"), "textarea",
              hint=_("Up to five questions, one per line; answering is optional.")),
        Field("privacy_notice", _("Privacy notice to accept"), "textarea"),
        Field("state", _("State"), "select", tuple((s, STATE_LABELS[s]) for s in EVENT_STATES),
              required=True),
        Field("recording_media_id", _("Recording: from the media library"), "select",
              (("", _("None")), *(recording_choices(request) if library else ())),
              hint=_("A video or audio recording uploaded to the media library, played by "
                     "the hub's own player. It needs captions before it can be published.")),
        Field("video_url", _("Recording: video link"), "url"),
        Field("embed_url", _("Recording: embedded player"), "url",
              hint=_("A YouTube (youtube-nocookie.com) or Vimeo player address.")),
        Field("captions_url", _("Captions link"), "url"),
        Field("transcript", _("Transcript"), "textarea"),
        Field("material_ids", _("Materials from the media library"), "checkboxes",
              materials.document_choices(request, chosen) if library else (),
              hint=_("Public documents (PDF) of the media library, listed on the event's "
                     "page with their type and size."),
              link=(_("Upload a document or make one public in the media library"),
                    request.route_path("media.admin"))),
        Field("materials", _("Other materials"), "textarea",
              hint=_("One per line: a title or a link to slides and files elsewhere.")),
        Field("recording_published", _("Publish the recording"), "checkbox",
              hint=_("Every speaker of the programme must release the recording first.")),
        Field("title_en", _("Title in English"), group="en"),
        Field("summary_en", _("Short summary in English"), group="en"),
        Field("description_en", _("Description in English"), "textarea", group="en",
              hint=_("Separate paragraphs with an empty line.")),
        Field("accessibility_note_en", _("More about accessibility in English"), "textarea",
              group="en"),
    ]


def field_groups(fields: list[Field]) -> list[tuple]:
    """``(legend, hint, fields)``: the form's own fields, then its English version."""
    english = [f for f in fields if f.group == "en"]
    groups = [(None, None, [f for f in fields if f.group != "en"])]
    if english:
        groups.append((_("English version"), _("Leave empty to show the Czech text."), english))
    return groups


def event_form_page(request, event, raw, errors, status=200):
    from pyramid.renderers import render_to_response

    provider = services.room_provider(request)
    rooms = provider.rooms() if provider is not None else []
    fields = event_fields(request, rooms, event, raw.get("material_ids") or ())
    values = {"event": event, "values": raw, "errors": errors, "labels": labels(request),
              "fields": fields, "field_groups": field_groups(fields),
              "talk_time": local_input,
              "releases": release.talk_states(request, event) if event else {},
              "release_link": (lambda talk: request.route_path("events.release_manage",
                                                                id=event.id, tid=talk.id)),
              "breadcrumbs": manage_crumbs(
                  request, ((event.title if event else _("New event")), None))}
    response = render_to_response("hub_events:templates/form.pt", values, request=request)
    response.status_int = status
    return response


def save_event(request, event: Event | None):
    raw, clean, errors = read_event_form(request, event, request.POST)
    if errors:
        request.tm.doom()
        return event_form_page(request, event, raw, errors, status=422)
    previous = None
    if event is None:
        event = Event(created_by_id=request.identity.id, taken=0)
        request.dbsession.add(event)
        if request.identity not in clean["organisers"]:
            clean["organisers"].append(request.identity)
    else:
        event = services.lock_event(request.dbsession, event.id)
        previous = {k: getattr(event, k) for k in ("room_id", "starts_at", "ends_at", "venue",
                                                   "recording_published")}
    for key in EVENT_FIELDS:
        setattr(event, key, clean[key])
    request.dbsession.flush()
    materials.set_materials(request.dbsession, event, clean["material_ids"])
    if previous and previous["recording_published"] and not event.recording_published:
        release.unpublish(request, event.id)
    problem = services.sync_room(request, event, previous, request.identity)
    if problem:
        request.tm.doom()
        return event_form_page(request, event, raw, {"room_id": problem}, status=409)
    if event.state == "cancelled" and previous is not None:
        tell_all(request, event, _("Event cancelled: ${event}"),
                 _("We are sorry: ${event} (${when}) has been cancelled."))
    else:
        services.fill_free_places(request, event)
    request.session.flash(request.shell.translate(_("The event is saved.")), "success")
    return HTTPSeeOther(request.route_path("events.edit", id=event.id))


@view_config(route_name="events.new", permission=MANAGE, request_method="GET")
def new_form(request):
    return event_form_page(request, None, form_values(None), {})


@view_config(route_name="events.new", permission=MANAGE, request_method="POST")
def create(request):
    return save_event(request, None)


@view_config(route_name="events.edit", permission=MANAGE, request_method="GET")
def edit_form(request):
    event = get_event(request, visible_only=False)
    return event_form_page(request, event, form_values(event), {})


@view_config(route_name="events.edit", permission=MANAGE, request_method="POST")
def edit(request):
    return save_event(request, get_event(request, visible_only=False))


@view_config(route_name="events.clone", permission=MANAGE, request_method="POST")
def clone(request):
    """A draft copy (without registrations, recordings or room reservation)."""
    source = get_event(request, visible_only=False)
    copy = Event(created_by_id=request.identity.id, state="draft", taken=0,
                 recording_published=False)
    skip = {"id", "state", "taken", "room_reservation_id", "video_url", "embed_url",
            "captions_url", "transcript", "recording_published", "recording_media_id",
            "created_by_id", "created_at"}
    for column in Event.__table__.columns:
        if column.key not in skip:
            setattr(copy, column.key, getattr(source, column.key))
    # Each title is marked in its own language, whatever the language of the page.
    copy.title = copy_title(request, "cs", source.title)
    if source.title_en.strip():
        copy.title_en = copy_title(request, "en", source.title_en)
    copy.topics = list(source.topics)
    copy.organisers = list(source.organisers) + (
        [request.identity] if request.identity not in source.organisers else [])
    request.dbsession.add(copy)
    request.dbsession.flush()
    for talk in source.talks:
        request.dbsession.add(Talk(event_id=copy.id, title=talk.title, title_en=talk.title_en,
                                   speaker=talk.speaker,
                                   starts_at=talk.starts_at, ends_at=talk.ends_at,
                                   do_not_record=talk.do_not_record))
    materials.copy_materials(request.dbsession, source, copy)
    request.session.flash(request.shell.translate(_("A draft copy was created.")), "success")
    return HTTPSeeOther(request.route_path("events.edit", id=copy.id))


def copy_title(request, language: str, title: str) -> str:
    from hub.i18n import localizer_for

    return localizer_for(request.registry, language).translate(
        _("${title} (copy)", mapping={"title": title}))[:200]


# -- programme -------------------------------------------------------------------------------

@view_config(route_name="events.talks", permission=MANAGE, request_method="POST")
def save_talk(request):
    """Add a talk, or change or delete one (``talk_id``)."""
    event = get_event(request, visible_only=False)
    params = request.POST
    talk = None
    if params.get("talk_id", "").isdigit():
        talk = request.dbsession.get(Talk, int(params["talk_id"]))
        if talk is None or talk.event_id != event.id:
            raise HTTPNotFound()
    if talk is not None and params.get("delete") == "1":
        request.dbsession.delete(talk)
        request.session.flash(request.shell.translate(_("The talk was removed.")), "success")
        return HTTPSeeOther(request.route_path("events.edit", id=event.id) + "#programme")
    error = None
    try:
        starts = parse_local_time(params.get("starts_at", ""))
        ends = parse_local_time(params.get("ends_at", ""))
    except ValueError:
        starts = ends = None
    title = params.get("title", "").strip()[:200]
    video = params.get("video_url", "").strip()[:500]
    slides = params.get("slides_url", "").strip()[:500]
    speaker_email = services.normalise_email(params.get("speaker_email", ""))
    do_not_record = params.get("do_not_record") == "1"
    if not title:
        error = _("Enter a title.")
    elif not starts or not ends or ends <= starts:
        error = _("Enter when the talk starts and ends (the end after the start).")
    elif any(link and not is_web_url(link) for link in (video, slides)):
        error = _("Enter a web address starting with https://.")
    elif speaker_email and not services.valid_email(speaker_email):
        error = _("Enter a valid e-mail address.")
    elif video and do_not_record:
        error = _("A talk marked \"do not record\" cannot have a recording.")
    if error:
        request.tm.doom()
        request.session.flash(request.shell.translate(error), "error")
        return HTTPSeeOther(request.route_path("events.edit", id=event.id) + "#programme")
    if talk is None:
        talk = Talk(event_id=event.id)
        request.dbsession.add(talk)
    talk.title, talk.starts_at, talk.ends_at = title, starts, ends
    talk.title_en = params.get("title_en", "").strip()[:200]
    talk.speaker = params.get("speaker", "").strip()[:200]
    if talk.speaker_email != speaker_email:
        # Links sent to the earlier address stop working.
        talk.speaker_email, talk.release_key = speaker_email, ""
        talk.release_refused_at = None
    talk.do_not_record, talk.video_url = do_not_record, video
    talk.slides_url = slides
    request.dbsession.flush()
    request.dbsession.expire(event, ["talks"])
    if event.recording_published and release.publish_problem(request, event):
        request.tm.doom()
        request.session.flash(request.shell.translate(_(
            "The recording is published, so every speaker must have released it. Unpublish "
            "the recording before adding a speaker or changing one.")), "error")
        return HTTPSeeOther(request.route_path("events.edit", id=event.id) + "#programme")
    request.session.flash(request.shell.translate(_("The programme is saved.")), "success")
    return HTTPSeeOther(request.route_path("events.edit", id=event.id) + "#programme")


# -- registrations ---------------------------------------------------------------------------

def registrations_of(request, event):
    return request.dbsession.scalars(
        sa.select(Registration).where(Registration.event_id == event.id)
        .order_by(Registration.status, Registration.created_at, Registration.id)).all()


def run_event(request) -> Event:
    """The event of the URL for its organisers: staff, or the representatives and editors
    of the organisation that runs it (403 for anyone else)."""
    from hub_events.organisations import may_run

    event = get_event(request, visible_only=False)
    if not may_run(request, event):
        raise HTTPForbidden()
    return event


@view_config(route_name="events.registrations", renderer="hub_events:templates/registrations.pt",
             permission=AUTHENTICATED, request_method="GET")
def registrations(request):
    event = run_event(request)
    rows = registrations_of(request, event)
    # Needs are health data: the event's own organisers only, and each look is audited.
    show_needs = needs.can_read(request, event)
    if show_needs:
        needs.audit_read(request, event, rows)
    ratings = request.dbsession.execute(
        sa.select(sa.func.count(Feedback.id), sa.func.avg(Feedback.rating))
        .where(Feedback.event_id == event.id)).one()
    comments = request.dbsession.scalars(
        sa.select(Feedback.comment).where(Feedback.event_id == event.id, Feedback.comment != "")
        .order_by(Feedback.id)).all()
    return {"event": event, "rows": rows, "show_needs": show_needs, "labels": labels(request),
            "feedback_count": ratings[0], "feedback_average": ratings[1], "comments": comments,
            "breadcrumbs": manage_crumbs(request, (event.title, None))}


@view_config(route_name="events.decide", permission=AUTHENTICATED, request_method="POST")
def decide(request):
    event = run_event(request)
    rid = request.matchdict["rid"]
    registration = request.dbsession.get(Registration, int(rid)) if rid.isdigit() else None
    if registration is None or registration.event_id != event.id:
        raise HTTPNotFound()
    action = request.POST.get("action")
    try:
        if action in ("approve", "reject"):
            services.decide(request, registration, approve=action == "approve")
        elif action == "cancel":
            if services.cancel(request, registration):
                services.tell(request, registration, "events.registration",
                              _("Registration cancelled: ${event}"),
                              _("The organiser has cancelled your registration for ${event}. "
                                "If you think this is a mistake, please reply to the "
                                "organiser."))
        else:
            raise HTTPNotFound()
    except RegistrationError as exc:
        request.tm.doom()
        request.session.flash(request.shell.translate(exc.message), "error")
    else:
        request.session.flash(request.shell.translate(_("The registration is updated.")),
                              "success")
    return HTTPSeeOther(request.route_path("events.registrations", id=event.id))


CSV_COLUMNS = ("name", "email", "status", "registered", "attended", "answer")
CSV_NEEDS = ("sign_language", "assistant", "step_free", "needs_note")


@view_config(route_name="events.export", permission=AUTHENTICATED, request_method="GET")
def export(request):
    """Registrations as CSV; accommodation needs only when explicitly chosen, only for the
    event's own organisers (anyone else asking for them is refused rather than given a file
    that silently lacks them), and every such download is audited."""
    event = run_event(request)
    with_needs = request.GET.get("needs") == "1"
    if with_needs and not needs.can_read(request, event):
        raise HTTPForbidden()
    header = list(CSV_COLUMNS) + (list(CSV_NEEDS) if with_needs else [])
    registrations = registrations_of(request, event)
    if with_needs:
        needs.audit_read(request, event, registrations)
    rows = []
    for r in registrations:
        registered = services.local(r.created_at).isoformat(timespec="minutes")
        row = [r.name, r.email, r.status, registered,
               "yes" if r.attended else "", r.answer]
        if with_needs:
            row += ["yes" if r.needs_sign_language else "", "yes" if r.needs_assistant else "",
                    "yes" if r.needs_step_free else "", r.needs_note]
        rows.append(row)
    return csv_response(f"registrations-{event.id}.csv", header, rows)


@view_config(route_name="events.checkin", renderer="hub_events:templates/checkin.pt",
             permission=AUTHENTICATED, request_method="GET")
def checkin(request):
    event = run_event(request)
    rows = [r for r in registrations_of(request, event) if r.status in HOLDS_PLACE]
    rows.sort(key=lambda r: r.name.lower())
    return {"event": event, "rows": rows, "labels": labels(request),
            "breadcrumbs": manage_crumbs(
                request, (event.title, request.route_path("events.registrations", id=event.id)),
                (_("Check-in"), None))}


@view_config(route_name="events.checkin", permission=AUTHENTICATED, request_method="POST")
def checkin_mark(request):
    event = run_event(request)
    rid = request.POST.get("registration_id", "")
    registration = request.dbsession.get(Registration, int(rid)) if rid.isdigit() else None
    if registration is None or registration.event_id != event.id \
            or registration.status not in HOLDS_PLACE:
        raise HTTPNotFound()
    registration.attended = request.POST.get("attended") == "1"
    registration.updated_at = utcnow()
    return HTTPSeeOther(request.route_path("events.checkin", id=event.id)
                        + f"#registration-{registration.id}")


@view_config(route_name="events.message", permission=AUTHENTICATED, request_method="POST")
def message(request):
    """A message from the organiser to everyone registered (confirmed or offered)."""
    event = run_event(request)
    subject = request.POST.get("subject", "").strip()[:200]
    body = request.POST.get("body", "").strip()[:10000]
    if not subject or not body:
        request.session.flash(request.shell.translate(
            _("Enter the subject and the text of the message.")), "error")
        return HTTPSeeOther(request.route_path("events.registrations", id=event.id))
    sent = tell_all(request, event, subject, body)
    request.session.flash(request.shell.translate(
        _("The message was sent to ${n} people.", mapping={"n": sent})), "success")
    return HTTPSeeOther(request.route_path("events.registrations", id=event.id))


def tell_all(request, event, subject, text) -> int:
    rows = request.dbsession.scalars(sa.select(Registration).where(
        Registration.event_id == event.id,
        Registration.status.in_((*HOLDS_PLACE, PENDING, "waitlisted")))).all()
    for registration in rows:
        services.tell(request, registration, "events.message", subject, text)
    return len(rows)
