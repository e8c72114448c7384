"""Pages of the booking plugin: rooms, calendars, booking, my bookings, staff pages."""
from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy.orm import selectinload

from hub.csvexport import csv_response
from hub.dates import language
from hub.db import utcnow
from hub.notifications import notify
from hub.params import whole_number
from hub.security import AUTHENTICATED, PUBLIC
from hub_booking import ics, services
from hub_booking.i18n import _
from hub_booking.models import (
    ACCESSIBILITY_KEYS,
    ACTIVE_STATUSES,
    EQUIPMENT_KEYS,
    BookableHours,
    ClosedPeriod,
    ClosedPeriodException,
    FeedToken,
    OrganisationQuota,
    Reservation,
    Room,
    RoomManager,
    RoomPhoto,
)
from hub_booking.services import PRAGUE, BookingError, Conflict

CREATE = "booking:reservation:create"
APPROVE = "booking:reservation:approve"
MANAGE = "booking:room:manage"

ACCESSIBILITY_LABELS = {
    "step_free": _("Step-free access"),
    "induction_loop": _("Induction loop"),
    "accessible_toilet": _("Accessible toilet"),
    "lift": _("Lift"),
    "parking": _("Accessible parking"),
}
EQUIPMENT_LABELS = {
    "projector": _("Projector"),
    "screen": _("Screen"),
    "microphone": _("Microphone"),
    "videoconference": _("Videoconference"),
    "whiteboard": _("Whiteboard"),
    "flipchart": _("Flipchart"),
    "kitchenette": _("Kitchenette"),
    "wifi": _("Wi-Fi"),
}
STATUS_LABELS = {
    "pending": _("Waiting for approval"),
    "approved": _("Approved"),
    "rejected": _("Rejected"),
    "cancelled": _("Cancelled"),
}
WEEKDAY_LABELS = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
                  _("Saturday"), _("Sunday"))
FREQUENCY_LABELS = {"": _("Does not repeat"), "daily": _("Daily"), "weekly": _("Weekly"),
                    "monthly": _("Monthly")}


# -- helpers ---------------------------------------------------------------------------

def today() -> dt.date:
    return services.local(utcnow()).date()


def parse_date(value, field_name: str, default: dt.date | None = None) -> dt.date:
    if not value and default is not None:
        return default
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        # The date field shows the date the local way (15. 3. 2026 in Czech), not ISO.
        raise BookingError(_("Enter the whole date: day, month and year."),
                           field_name) from None
    return services.check_year(day, field_name)


def parse_time(value, field_name: str) -> dt.time:
    try:
        parsed = dt.time.fromisoformat(str(value))
    except ValueError:
        raise BookingError(_("Enter a time as HH:MM."), field_name) from None
    return parsed.replace(second=0, microsecond=0, tzinfo=None)


def parse_int(value, field_name: str, default: int = 0, minimum: int = 0) -> int:
    if value in (None, ""):
        return default
    number = whole_number(str(value))
    if number is None:
        raise BookingError(_("Enter a whole number."), field_name)
    if number < minimum:
        raise BookingError(_("Enter a number of at least ${minimum}.",
                             mapping={"minimum": minimum}), field_name)
    return number


def get_room(request) -> Room:
    try:
        room_id = int(request.matchdict["id"])
    except ValueError:
        raise HTTPNotFound() from None
    room = request.dbsession.get(Room, room_id)
    if room is None or (not room.is_active and not request.has_permission(MANAGE)):
        raise HTTPNotFound()
    return room


def may_decide(request, reservation: Reservation) -> bool:
    """Staff decide every room's bookings, a room's managers that room's."""
    user = request.identity
    return user is not None and (
        bool(request.has_permission(APPROVE))
        or reservation.room_id in services.managed_room_ids(request, user))


def may_see(request, reservation: Reservation) -> bool:
    user = request.identity
    return user is not None and (reservation.user_id == user.id
                                 or may_decide(request, reservation))


def get_reservation(request) -> Reservation:
    """The reservation of the URL if the user may see it; 404 otherwise (not 403, so ids
    of other people's bookings reveal nothing)."""
    try:
        reservation = request.dbsession.get(Reservation, int(request.matchdict["id"]))
    except ValueError:
        raise HTTPNotFound() from None
    if reservation is None or not may_see(request, reservation):
        raise HTTPNotFound()
    return reservation


def cs_lang(obj, field: str, lang: str) -> str | None:
    """``"cs"`` for the ``lang`` attribute of an element that shows Czech text on an English
    page (the object has no English version of ``field``)."""
    return "cs" if lang == "en" and obj.language_of(field, lang) == "cs" else None


def person_language(user) -> str:
    """The language a person reads content in ("cs" or "en")."""
    return "en" if user is not None and user.language == "en" else "cs"


def room_texts(request) -> dict:
    """What templates need to show rooms' texts in the request's language."""
    lang = language(request)
    return {"lang": lang, "tr": lambda obj, field: obj.translated(field, lang),
            "cs_lang": lambda obj, field: cs_lang(obj, field, lang)}


def reservation_row(request, reservation: Reservation, show_details: bool) -> dict:
    lang = language(request)
    return {
        "id": reservation.id,
        "title": reservation.title if show_details else None,
        "when": services.format_span(request, reservation.starts_at, reservation.ends_at),
        "starts_at": reservation.starts_at, "ends_at": reservation.ends_at,
        "start_time": services.local(reservation.starts_at).strftime("%H:%M"),
        "end_time": services.local(reservation.ends_at).strftime("%H:%M"),
        "status": reservation.status,
        "status_label": STATUS_LABELS[reservation.status],
        "room": reservation.room.translated("name", lang) if reservation.room else "",
        "room_lang": cs_lang(reservation.room, "name", lang) if reservation.room else None,
        "url": request.route_path("booking.reservation", id=reservation.id)
        if show_details else None,
    }


def reservation_url(request, reservation) -> str:
    return request.route_url("booking.reservation", id=reservation.id)


def room_place(room: Room, lang: str) -> str:
    """The room's name and where it is, for a calendar event's location."""
    return f"{room.translated('name', lang)}, {room.translated('location', lang)}".strip(", ")


def ics_attachment(request, reservations, lang: str = "cs") -> tuple:
    events = [{"id": r.id, "title": r.title, "starts_at": r.starts_at, "ends_at": r.ends_at,
               "status": r.status, "location": room_place(r.room, lang)}
              for r in reservations]
    data = ics.calendar(request.registry.settings["hub.site_name"], events, request.host)
    return (("booking.ics", "text/calendar", data),)


def for_person(request, mapping: dict, reservation: Reservation, person) -> dict:
    """``mapping`` of a message with the room's name and the dates in the language
    ``person`` reads."""
    language = person_language(person)
    return {**mapping, "room": reservation.room.translated("name", language),
            "when": services.format_span(request, reservation.starts_at, reservation.ends_at,
                                         language)}


def ask_for_approval(request, reservation: Reservation, mapping: dict) -> None:
    """Tell the room's managers (or, for a room without managers, all staff)."""
    for person in services.approval_recipients(request, reservation.room_id):
        notify(request, person, "booking.approval_needed",
               _("A booking is waiting for your approval"),
               _("${title}: ${room}, ${when} (${count} occurrence(s))."),
               url=request.route_url("booking.manage"),
               mapping=for_person(request, mapping, reservation, person))


def tell_managers(request, reservation: Reservation, subject, mapping: dict,
                  exclude=()) -> None:
    """Tell a room's own managers (not the staff, who would hear of every booking) of a
    new booking or a cancellation, except the people in ``exclude``."""
    skip = {person.id for person in exclude if person is not None}
    for manager in services.room_managers(request, reservation.room_id):
        if manager.id not in skip:
            notify(request, manager, "booking.room_activity", subject,
                   _("${title}: ${room}, ${when} (${count} occurrence(s))."),
                   url=reservation_url(request, reservation),
                   mapping=for_person(request, mapping, reservation, manager))


def announce(request, outcome: services.Outcome, user, actor=None) -> None:
    """Tell the booker (with an .ics) and, for pending bookings, the room managers. A
    booking made by staff on ``user``'s behalf says so."""
    first = outcome.created[0]
    mapping = {"room": first.room.name, "title": first.title,
               "when": services.format_span(request, first.starts_at, first.ends_at),
               "count": len(outcome.created),
               "by": actor.name if actor is not None and actor.name else ""}
    url = reservation_url(request, first)
    on_behalf = actor is not None and actor.id != user.id
    text = (_("${title}: ${room}, ${when} (${count} occurrence(s)). Booked for you by "
              "${by} of the hub staff.") if on_behalf
            else _("${title}: ${room}, ${when} (${count} occurrence(s))."))
    own = for_person(request, mapping, first, user)
    if first.status == "pending":
        notify(request, user, "booking.requested", _("Your booking is waiting for approval"),
               text, url=url, mapping=own)
        ask_for_approval(request, first, mapping)
    else:
        notify(request, user, "booking.confirmed", _("Your booking is confirmed"), text,
               url=url, mapping=own, attachments=ics_attachment(
                   request, outcome.created, person_language(user)))
        tell_managers(request, first, _("New booking of ${room}"), mapping, (user, actor))


def announce_cancellation(request, reservation: Reservation, count: int) -> None:
    """Tell the booker when someone else cancelled, and the room's managers."""
    from hub.accounts.models import User

    mapping = {"title": reservation.title, "room": reservation.room.name, "count": count,
               "when": services.format_span(request, reservation.starts_at,
                                            reservation.ends_at)}
    booker = (request.dbsession.get(User, reservation.user_id) if reservation.user_id
              else None)
    if booker is not None and request.identity.id != booker.id:
        notify(request, booker, "booking.cancelled", _("Your booking was cancelled"),
               _("${title}: ${room}, ${when}."), url=reservation_url(request, reservation),
               mapping=for_person(request, mapping, reservation, booker))
    tell_managers(request, reservation, _("Booking of ${room} cancelled"), mapping,
                  (request.identity, booker))


def users_by_emails(request, text: str) -> tuple[list, list[str]]:
    """The accounts of comma (or semicolon) separated e-mail addresses, and the addresses
    no account has."""
    from hub.accounts.models import User

    emails = {e.strip().lower() for e in (text or "").replace(";", ",").split(",")
              if e.strip()}
    found = request.dbsession.scalars(
        sa.select(User).where(sa.func.lower(User.email).in_(emails))
        .order_by(User.email)).all() if emails else []
    return list(found), sorted(emails - {u.email.lower() for u in found})


def emails_of(request, user_ids) -> str:
    from hub.accounts.models import User

    ids = list(user_ids)
    if not ids:
        return ""
    return ", ".join(request.dbsession.scalars(
        sa.select(User.email).where(User.id.in_(ids)).order_by(User.email)))


def error_list(errors: dict) -> list[dict]:
    return [{"field": k, "message": v} for k, v in errors.items()]


# -- public pages ----------------------------------------------------------------------

# What the public pages are made from: kept for anonymous visitors until one changes.
PUBLIC_TABLES = ("booking_room", "booking_room_photo", "booking_bookable_hours",
                 "booking_closed_period", "booking_reservation")


@view_config(route_name="booking.index", renderer="hub_booking:templates/index.pt",
             permission=PUBLIC, request_method="GET", cache_tables=PUBLIC_TABLES)
def index(request):
    rooms = services.room_directory(request)
    params = request.GET
    search = {"date": params.get("date", ""), "start": params.get("start", ""),
              "end": params.get("end", ""), "capacity": params.get("capacity", ""),
              "equipment": params.getall("equipment"),
              "accessibility": params.getall("accessibility")}
    errors: dict = {}
    results = None
    if search["date"] or search["start"] or search["end"]:
        try:
            day = parse_date(search["date"], "date")
            starts_at = services.aware_local(day, parse_time(search["start"], "start"))
            ends_at = services.aware_local(day, parse_time(search["end"], "end"))
            if ends_at <= starts_at:
                raise BookingError(_("The end must be after the start."), "end")
            capacity = parse_int(search["capacity"], "capacity")
            results = services.free_rooms(
                request, starts_at, ends_at, capacity,
                [e for e in search["equipment"] if e in EQUIPMENT_KEYS],
                [a for a in search["accessibility"] if a in ACCESSIBILITY_KEYS], rooms=rooms)
        except BookingError as error:
            errors[error.field or "date"] = error.message
    return {"rooms": rooms, "search": search, "results": results, "errors": errors,
            "error_list": error_list(errors), "accessibility_labels": ACCESSIBILITY_LABELS,
            "equipment_labels": EQUIPMENT_LABELS, **room_texts(request),
            "breadcrumbs": [(_("Rooms of the hub"), None)]}


def _calendar(request, room: Room, view: str, day: dt.date) -> dict:
    """A week (7 columns) or month (weeks of days) of the room's busy times."""
    show_details = bool(request.has_permission(APPROVE))
    user = request.identity
    if view == "month":
        first = day.replace(day=1)
        start = services.week_start(first)
        next_month = (first + dt.timedelta(days=32)).replace(day=1)
        end = services.week_start(next_month - dt.timedelta(days=1)) + dt.timedelta(days=7)
        previous, following = (first - dt.timedelta(days=1)).replace(day=1), next_month
    else:
        start = services.week_start(day)
        end = start + dt.timedelta(days=7)
        previous, following = start - dt.timedelta(days=7), end
    range_start, range_end = services.day_bounds(start)[0], services.day_bounds(end)[0]
    # Plain rows rather than ORM objects, and no per-booking date formatting: the month of
    # a busy room has a hundred bookings or more (see bench/ops_booking.py).
    taken = request.dbsession.execute(
        sa.select(Reservation.id, Reservation.user_id, Reservation.title, Reservation.status,
                  Reservation.starts_at, Reservation.ends_at)
        .where(Reservation.room_id == room.id, Reservation.status.in_(ACTIVE_STATUSES),
               Reservation.starts_at < range_end, Reservation.blocked_until > range_start)
        .order_by(Reservation.starts_at)).all()
    by_day: dict[dt.date, list] = {}
    for row_id, user_id, title, status, starts_at, ends_at in taken:
        visible = show_details or (user is not None and user_id == user.id)
        local_start = services.local(starts_at)
        by_day.setdefault(local_start.date(), []).append({
            "id": row_id, "status": status, "title": title if visible else None,
            "start_time": f"{local_start:%H:%M}",
            "end_time": f"{services.local(ends_at):%H:%M}",
            "url": request.route_path("booking.reservation", id=row_id) if visible else None})
    hours_of = {h.weekday: h for h in room.hours}
    days = []
    current = start
    this_day = today()
    while current < end:
        hours = hours_of.get(current.weekday())
        days.append({"date": current, "label": services.format_day(request, current, "EEE d. M."),
                     "in_month": view != "month" or current.month == day.month,
                     "today": current == this_day,
                     "hours": f"{hours.opens_at:%H:%M}–{hours.closes_at:%H:%M}" if hours else None,
                     "bookings": by_day.get(current, [])})
        current += dt.timedelta(days=1)
    weeks = [days[i:i + 7] for i in range(0, len(days), 7)]
    if view == "month":
        title = services.format_day(request, day, "LLLL y")
    else:
        title = (services.format_day(request, start, "d. M. y") + " – "
                 + services.format_day(request, end - dt.timedelta(days=1), "d. M. y"))
    return {"view": view, "weeks": weeks, "title": title, "day": day.isoformat(),
            "label": _("Booked times of ${room}, ${period}",
                       mapping={"room": room.translated("name", language(request)),
                                "period": title}),
            "previous": previous.isoformat(),
            "following": following.isoformat()}


@view_config(route_name="booking.room", renderer="hub_booking:templates/room.pt",
             permission=PUBLIC, request_method="GET", cache_tables=PUBLIC_TABLES)
def room_page(request):
    room = get_room(request)
    view = "month" if request.GET.get("view") == "month" else "week"
    try:
        day = parse_date(request.GET.get("day"), "day", today())
    except BookingError:
        day = today()
    return {"room": room, "calendar": _calendar(request, room, view, day),
            "accessibility_labels": ACCESSIBILITY_LABELS, "equipment_labels": EQUIPMENT_LABELS,
            "weekday_labels": WEEKDAY_LABELS, **room_texts(request),
            "closed": list(request.dbsession.scalars(
                sa.select(ClosedPeriod).where(
                    sa.or_(ClosedPeriod.room_id == room.id, ClosedPeriod.room_id.is_(None)),
                    ClosedPeriod.ends_at > utcnow()).order_by(ClosedPeriod.starts_at)
                .limit(10))),
            "format_when": lambda v: services.format_when(request, v),
            "breadcrumbs": [(_("Rooms of the hub"), request.route_path("booking.index")),
                            (room.translated("name", language(request)), None)]}


@view_config(route_name="booking.room_ics", permission=PUBLIC, request_method="GET")
def room_feed(request):
    """The room's busy times without personal details."""
    room = get_room(request)
    now = utcnow()
    taken = services.busy(request, [room.id], now - dt.timedelta(days=30),
                          now + dt.timedelta(days=366))
    label = request.shell.translate(_("Booked"))
    name = room.translated("name", language(request))
    events = [{"id": r.id, "title": label, "starts_at": r.starts_at, "ends_at": r.ends_at,
               "status": r.status, "location": name} for r in taken]
    return Response(ics.calendar(name, events, request.host),
                    content_type="text/calendar", charset="utf-8")


@view_config(route_name="booking.feed", permission=PUBLIC, request_method="GET")
def personal_feed(request):
    from hub.accounts.models import User

    token = request.matchdict["token"]
    feed = request.dbsession.scalars(sa.select(FeedToken).where(FeedToken.token == token)).first()
    if feed is None or not secrets.compare_digest(feed.token, token):
        raise HTTPNotFound()
    # Calendar apps send no language: the feed is in its owner's.
    lang = person_language(request.dbsession.get(User, feed.user_id))
    stmt = (sa.select(Reservation).options(selectinload(Reservation.room))
            .where(Reservation.user_id == feed.user_id,
                   Reservation.ends_at > utcnow() - dt.timedelta(days=90))
            .order_by(Reservation.starts_at))
    events = [{"id": r.id, "title": r.title, "starts_at": r.starts_at, "ends_at": r.ends_at,
               "status": r.status, "location": r.room.translated("name", lang),
               "description": r.purpose}
              for r in request.dbsession.scalars(stmt)]
    return Response(ics.calendar(request.registry.settings["hub.site_name"], events,
                                 request.host), content_type="text/calendar", charset="utf-8")


# -- booking ---------------------------------------------------------------------------

def _form_defaults(request, room: Room) -> dict:
    start = services.local(utcnow() + dt.timedelta(days=1))
    return {"date": request.GET.get("date", start.date().isoformat()),
            "start": request.GET.get("start", "10:00"), "end": request.GET.get("end", "11:00"),
            "title": "", "purpose": "", "attendees": "", "organisation": "", "booker": "",
            "frequency": "", "interval": "1", "weekdays": [], "until": ""}


def _book_page(request, room, form, errors, conflict=False, other_rooms=(), suggestions=()):
    request.response.status = 409 if conflict else (400 if errors else 200)
    on_behalf = bool(request.has_permission(APPROVE))
    if on_behalf:
        from hub.organizations.models import Organisation

        organisations = request.dbsession.scalars(
            sa.select(Organisation).order_by(Organisation.name)).all()
    else:
        organisations = services.organisations_of(request, request.identity)
    return {"room": room, "form": form, "errors": errors, "error_list": error_list(errors),
            "organisations": organisations, "on_behalf": on_behalf,
            "frequency_labels": FREQUENCY_LABELS, "weekday_labels": WEEKDAY_LABELS,
            "suggestions": [{"label": services.format_span(request, s, e),
                             "url": request.route_path("booking.book", id=room.id, _query={
                                 "date": services.local(s).date().isoformat(),
                                 "start": services.local(s).strftime("%H:%M"),
                                 "end": services.local(e).strftime("%H:%M")})}
                            for s, e in suggestions],
            "other_rooms": other_rooms, **room_texts(request),
            "breadcrumbs": [(_("Rooms of the hub"), request.route_path("booking.index")),
                            (room.translated("name", language(request)),
                             request.route_path("booking.room", id=room.id)),
                            (_("Book"), None)]}


@view_config(route_name="booking.book", renderer="hub_booking:templates/book.pt",
             permission=CREATE, request_method="GET")
def book_form(request):
    room = get_room(request)
    return _book_page(request, room, _form_defaults(request, room), {})


@view_config(route_name="booking.book", renderer="hub_booking:templates/book.pt",
             permission=CREATE, request_method="POST")
def book_submit(request):
    room = get_room(request)
    post = request.POST
    form = {k: post.get(k, "") for k in ("date", "start", "end", "title", "purpose",
                                         "attendees", "organisation", "frequency", "interval",
                                         "until", "booker")}
    form["weekdays"] = post.getall("weekdays")
    errors: dict = {}
    actor = owner = request.identity
    try:
        if form["booker"].strip() and request.has_permission(APPROVE):
            found, unknown = users_by_emails(request, form["booker"])
            if unknown or len(found) != 1 or not found[0].is_active:
                raise BookingError(_("Enter the e-mail address of one person with an "
                                     "account."), "booker")
            owner = found[0]
        day = parse_date(form["date"], "date")
        start, end = parse_time(form["start"], "start"), parse_time(form["end"], "end")
        attendees = parse_int(form["attendees"], "attendees")
        organisation_id = parse_int(form["organisation"], "organisation") or None
        recurrence = None
        if form["frequency"]:
            if form["frequency"] not in services.FREQUENCIES:
                raise BookingError(_("Choose how the booking repeats."), "frequency")
            recurrence = services.Recurrence(
                form["frequency"], parse_int(form["interval"], "interval", 1, 1),
                tuple(int(d) for d in form["weekdays"] if d in "0123456" and len(d) == 1),
                parse_date(form["until"], "until"))
        outcome = services.book(request, room, owner, first_day=day, start=start,
                                end=end, title=form["title"], purpose=form["purpose"].strip(),
                                attendees=attendees, organisation_id=organisation_id,
                                recurrence=recurrence, actor=actor,
                                source="on_behalf" if owner.id != actor.id else "")
    except BookingError as error:
        errors[error.field or "date"] = error.message
        return _book_page(request, room, form, errors)
    except Conflict as conflict:
        errors["start"] = services.conflict_message(request, conflict)
        others = services.free_rooms(request, conflict.starts_at, conflict.ends_at,
                                     parse_int(form["attendees"], "attendees"))
        return _book_page(request, room, form, errors, conflict=True,
                          other_rooms=[r for r in others if r.id != room.id][:5],
                          suggestions=services.suggestions(request, room, conflict.starts_at,
                                                           conflict.ends_at))
    announce(request, outcome, owner, actor)
    first = outcome.created[0]
    if outcome.skipped:
        request.session["booking.skipped"] = [
            request.shell.translate(_("${when}: ${reason}", mapping={
                "when": services.format_span(request, s, e),
                "reason": request.shell.translate(reason)}))
            for s, e, reason in outcome.skipped]
    message = (_("Booked. It is waiting for approval by the hub staff.")
               if first.status == "pending" else _("Booked."))
    request.session.flash(request.shell.translate(message), "success")
    return HTTPSeeOther(request.route_path("booking.reservation", id=first.id))


def _edit_page(request, reservation, form, errors, conflict=False):
    request.response.status = 409 if conflict else (400 if errors else 200)
    return {"reservation": reservation, "form": form, "errors": errors,
            "error_list": error_list(errors), **room_texts(request),
            "when": services.format_span(request, reservation.starts_at, reservation.ends_at),
            "breadcrumbs": [(_("My bookings"), request.route_path("booking.mine")),
                            (reservation.title, request.route_path("booking.reservation",
                                                                   id=reservation.id)),
                            (_("Change"), None)]}


@view_config(route_name="booking.edit", renderer="hub_booking:templates/edit.pt",
             permission=AUTHENTICATED, request_method="GET")
def edit_form(request):
    reservation = get_reservation(request)
    start, end = services.local(reservation.starts_at), services.local(reservation.ends_at)
    form = {"date": start.date().isoformat(), "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"), "title": reservation.title,
            "purpose": reservation.purpose, "attendees": str(reservation.attendees)}
    return _edit_page(request, reservation, form, {})


@view_config(route_name="booking.edit", renderer="hub_booking:templates/edit.pt",
             permission=AUTHENTICATED, request_method="POST")
def edit_submit(request):
    reservation = get_reservation(request)
    form = {k: request.POST.get(k, "") for k in ("date", "start", "end", "title", "purpose",
                                                 "attendees")}
    try:
        back_to_pending = services.change(
            request, reservation, request.identity, day=parse_date(form["date"], "date"),
            start=parse_time(form["start"], "start"), end=parse_time(form["end"], "end"),
            title=form["title"], purpose=form["purpose"].strip(),
            attendees=parse_int(form["attendees"], "attendees"))
    except BookingError as error:
        return _edit_page(request, reservation, form, {error.field or "date": error.message})
    except Conflict as conflict:
        return _edit_page(request, reservation, form,
                          {"start": services.conflict_message(request, conflict)}, True)
    if back_to_pending:
        mapping = {"room": reservation.room.name, "title": reservation.title, "count": 1,
                   "when": services.format_span(request, reservation.starts_at,
                                                reservation.ends_at)}
        ask_for_approval(request, reservation, mapping)
        message = _("The booking was changed and waits for approval again.")
    else:
        message = _("The booking was changed.")
    request.session.flash(request.shell.translate(message), "success")
    return HTTPSeeOther(request.route_path("booking.reservation", id=reservation.id))


@view_config(route_name="booking.mine", renderer="hub_booking:templates/mine.pt",
             permission=AUTHENTICATED, request_method="GET")
def mine(request):
    user = request.identity
    now = utcnow()
    stmt = (sa.select(Reservation).options(selectinload(Reservation.room))
            .where(Reservation.user_id == user.id))
    upcoming = request.dbsession.scalars(
        stmt.where(Reservation.ends_at >= now).order_by(Reservation.starts_at).limit(200))
    past = request.dbsession.scalars(
        stmt.where(Reservation.ends_at < now).order_by(Reservation.starts_at.desc()).limit(50))
    feed = request.dbsession.scalars(
        sa.select(FeedToken).where(FeedToken.user_id == user.id)).first()
    return {"upcoming": [reservation_row(request, r, True) for r in upcoming],
            "past": [reservation_row(request, r, True) for r in past],
            "feed_url": request.route_url("booking.feed", token=feed.token) if feed else None,
            "manages_rooms": bool(services.managed_room_ids(request, user)),
            "breadcrumbs": [(_("Rooms of the hub"), request.route_path("booking.index")),
                            (_("My bookings"), None)]}


@view_config(route_name="booking.feed_create", permission=AUTHENTICATED, request_method="POST")
def feed_create(request):
    """Create (or replace, which revokes the old address) the personal feed."""
    user = request.identity
    feed = request.dbsession.scalars(
        sa.select(FeedToken).where(FeedToken.user_id == user.id)).first()
    if feed is None:
        feed = FeedToken(user_id=user.id)
        request.dbsession.add(feed)
    feed.token = secrets.token_urlsafe(32)
    request.session.flash(request.shell.translate(_("Your calendar address is ready.")),
                          "success")
    return HTTPSeeOther(request.route_path("booking.mine"))


@view_config(route_name="booking.reservation", renderer="hub_booking:templates/reservation.pt",
             permission=AUTHENTICATED, request_method="GET")
def reservation_page(request):
    reservation = get_reservation(request)
    series = []
    if reservation.series_id:
        series = request.dbsession.scalars(
            sa.select(Reservation).where(Reservation.series_id == reservation.series_id)
            .order_by(Reservation.starts_at)).all()
    from hub.accounts.models import User
    from hub.organizations.models import Organisation

    booker = request.dbsession.get(User, reservation.user_id) if reservation.user_id else None
    organisation = (request.dbsession.get(Organisation, reservation.organisation_id)
                    if reservation.organisation_id else None)
    return {"reservation": reservation, "row": reservation_row(request, reservation, True),
            "series": [reservation_row(request, r, True) for r in series],
            "skipped": request.session.pop("booking.skipped", []),
            "booker": booker, "organisation": organisation,
            "can_cancel": reservation.status in ACTIVE_STATUSES
            and reservation.ends_at > utcnow(),
            "can_decide": reservation.status == "pending" and may_decide(request, reservation),
            "breadcrumbs": [(_("My bookings"), request.route_path("booking.mine")),
                            (reservation.title, None)]}


@view_config(route_name="booking.cancel", permission=AUTHENTICATED, request_method="POST")
def cancel(request):
    reservation = get_reservation(request)
    scope = request.POST.get("scope", "one")
    targets = [reservation]
    if scope == "series" and reservation.series_id:
        targets = request.dbsession.scalars(
            sa.select(Reservation).where(Reservation.series_id == reservation.series_id,
                                         Reservation.starts_at >= utcnow())).all()
    changed = sum(services.cancel(request, target) for target in targets)
    if not changed:
        request.session.flash(request.shell.translate(_("The booking is not active.")), "error")
        return HTTPSeeOther(request.route_path("booking.reservation", id=reservation.id))
    announce_cancellation(request, reservation, changed)
    request.session.flash(request.shell.translate(_("The booking was cancelled.")), "success")
    return HTTPSeeOther(request.route_path("booking.reservation", id=reservation.id))


# -- staff -----------------------------------------------------------------------------

@view_config(route_name="booking.manage", renderer="hub_booking:templates/manage.pt",
             permission=AUTHENTICATED, request_method="GET")
def manage(request):
    """Staff see every room; a room manager sees the bookings of the rooms they manage."""
    is_staff = bool(request.has_permission(APPROVE))
    managed = services.managed_room_ids(request, request.identity)
    if not is_staff and not managed:
        raise HTTPForbidden()
    stmt = (sa.select(Reservation).options(selectinload(Reservation.room))
            .where(Reservation.status == "pending", Reservation.ends_at > utcnow())
            .order_by(Reservation.starts_at).limit(200))
    rooms_stmt = sa.select(Room).order_by(Room.name)
    if not is_staff:
        stmt = stmt.where(Reservation.room_id.in_(managed))
        rooms_stmt = rooms_stmt.where(Room.id.in_(managed))
    pending = request.dbsession.scalars(stmt)
    rooms = request.dbsession.scalars(rooms_stmt).all()
    closed = request.dbsession.scalars(
        sa.select(ClosedPeriod).where(ClosedPeriod.ends_at > utcnow())
        .order_by(ClosedPeriod.starts_at)).all() if is_staff else []
    lang = language(request)
    names = {r.id: r.translated("name", lang) for r in rooms}
    return {"pending": [reservation_row(request, r, True) for r in pending], "rooms": rooms,
            "closed": [{"id": c.id, "room": names.get(c.room_id),
                        "when": services.format_span(request, c.starts_at, c.ends_at),
                        "reason": c.reason} for c in closed],
            "can_manage": request.has_permission(MANAGE), "is_staff": is_staff,
            "all_rooms_label": _("All rooms"), **room_texts(request),
            "breadcrumbs": [(_("Rooms of the hub"), request.route_path("booking.index")),
                            (_("Manage bookings"), None)]}


@view_config(route_name="booking.decide", permission=AUTHENTICATED, request_method="POST")
def decide(request):
    reservation = get_reservation(request)
    if not may_decide(request, reservation):
        raise HTTPForbidden()
    approve = request.POST.get("decision") == "approve"
    targets = [reservation]
    if request.POST.get("scope") == "series" and reservation.series_id:
        targets = request.dbsession.scalars(
            sa.select(Reservation).where(Reservation.series_id == reservation.series_id,
                                         Reservation.status == "pending",
                                         Reservation.ends_at > utcnow())
            .order_by(Reservation.starts_at)).all() or [reservation]
    decided, refusal = [], None
    for target in targets:
        try:
            services.decide(request, target, approve, request.POST.get("reason", ""),
                            request.identity)
        except BookingError as error:
            refusal = error.message  # e.g. an occurrence cancelled meanwhile; the rest go on
            continue
        decided.append(target)
    if not decided:
        request.session.flash(request.shell.translate(refusal), "error")
        return HTTPSeeOther(request.route_path("booking.reservation", id=reservation.id))
    from hub.accounts.models import User

    first = decided[0]
    booker = request.dbsession.get(User, first.user_id) if first.user_id else None
    if booker is not None:
        mapping = {"title": first.title, "room": first.room.name, "count": len(decided),
                   "when": services.format_span(request, first.starts_at, first.ends_at),
                   "reason": first.decision_reason}
        mapping = for_person(request, mapping, first, booker)
        if approve:
            notify(request, booker, "booking.approved", _("Your booking was approved"),
                   _("${title}: ${room}, ${when} (${count} occurrence(s))."),
                   url=reservation_url(request, first), mapping=mapping,
                   attachments=ics_attachment(request, decided, person_language(booker)))
        else:
            notify(request, booker, "booking.rejected", _("Your booking was rejected"),
                   _("${title}: ${room}, ${when} (${count} occurrence(s)). Reason: ${reason}"),
                   url=reservation_url(request, first), mapping=mapping)
    message = _("The booking was approved.") if approve else _("The booking was rejected.")
    request.session.flash(request.shell.translate(message), "success")
    return HTTPSeeOther(request.route_path("booking.manage"))


ROOM_FIELDS = ("name", "description", "capacity", "location", "min_duration_minutes",
               "max_duration_minutes", "min_notice_hours", "max_advance_days", "buffer_minutes",
               "name_en", "description_en", "location_en")


def _room_form(request, room: Room | None) -> dict:
    if room is None:
        form = {"name": "", "description": "", "capacity": "10", "location": "",
                "min_duration_minutes": "30", "max_duration_minutes": "480",
                "min_notice_hours": "2", "max_advance_days": "180", "buffer_minutes": "0",
                "name_en": "", "description_en": "", "location_en": "",
                "requires_approval": False, "representatives_book_directly": False,
                "is_active": True, "equipment": [],
                "accessibility": [], "managers": ""}
        hours = {h.weekday: h for h in services.default_hours()}
    else:
        form = {k: str(getattr(room, k)) for k in ROOM_FIELDS}
        form.update(requires_approval=room.requires_approval,
                    representatives_book_directly=room.representatives_book_directly,
                    is_active=room.is_active,
                    equipment=list(room.equipment or []),
                    accessibility=list(room.accessibility or []),
                    managers=emails_of(request, [m.user_id for m in room.managers]))
        form.update({f"alt_en_{p.id}": p.alt_en for p in room.photos})
        hours = {h.weekday: h for h in room.hours}
    for day in range(7):
        h = hours.get(day)
        form[f"opens_{day}"] = h.opens_at.strftime("%H:%M") if h else ""
        form[f"closes_{day}"] = h.closes_at.strftime("%H:%M") if h else ""
    return form


def _room_page(request, room, form, errors):
    if errors:
        request.response.status = 400
    return {"room": room, "form": form, "errors": errors, "error_list": error_list(errors),
            "photo_alt": "", "photo_alt_en": "", **room_texts(request),
            "weekday_labels": WEEKDAY_LABELS, "accessibility_labels": ACCESSIBILITY_LABELS,
            "equipment_labels": EQUIPMENT_LABELS,
            "breadcrumbs": [(_("Manage bookings"), request.route_path("booking.manage")),
                            (room.name if room else _("New room"), None)]}


@view_config(route_name="booking.room_new", renderer="hub_booking:templates/room_form.pt",
             permission=MANAGE, request_method="GET")
@view_config(route_name="booking.room_edit", renderer="hub_booking:templates/room_form.pt",
             permission=MANAGE, request_method="GET")
def room_form(request):
    room = get_room(request) if "id" in request.matchdict else None
    return _room_page(request, room, _room_form(request, room), {})


@view_config(route_name="booking.room_new", renderer="hub_booking:templates/room_form.pt",
             permission=MANAGE, request_method="POST")
@view_config(route_name="booking.room_edit", renderer="hub_booking:templates/room_form.pt",
             permission=MANAGE, request_method="POST")
def room_save(request):
    room = get_room(request) if "id" in request.matchdict else None
    post = request.POST
    form = {k: post.get(k, "").strip() for k in ROOM_FIELDS}
    form.update(requires_approval=bool(post.get("requires_approval")),
                representatives_book_directly=bool(post.get("representatives_book_directly")),
                is_active=bool(post.get("is_active")),
                equipment=[e for e in post.getall("equipment") if e in EQUIPMENT_KEYS],
                accessibility=[a for a in post.getall("accessibility")
                               if a in ACCESSIBILITY_KEYS],
                managers=post.get("managers", "").strip())
    for day in range(7):
        form[f"opens_{day}"] = post.get(f"opens_{day}", "").strip()
        form[f"closes_{day}"] = post.get(f"closes_{day}", "").strip()
    photos = list(room.photos) if room is not None else []
    for photo in photos:
        form[f"alt_en_{photo.id}"] = post.get(f"alt_en_{photo.id}", "").strip()
    errors: dict = {}
    values: dict = {}
    if len(form["name_en"]) > 200:
        errors["name_en"] = _("The name can have at most 200 characters.")
    if len(form["location_en"]) > 200:
        errors["location_en"] = _("The location can have at most 200 characters.")
    for photo in photos:
        if len(form[f"alt_en_{photo.id}"]) > 300:
            errors[f"alt_en_{photo.id}"] = _("The description can have at most 300 "
                                             "characters.")
    if not form["name"]:
        errors["name"] = _("Enter the room's name.")
    elif len(form["name"]) > 200:
        errors["name"] = _("The name can have at most 200 characters.")
    elif request.dbsession.scalar(sa.select(Room.id).where(
            Room.name == form["name"], Room.id != (room.id if room else -1))):
        errors["name"] = _("Another room has this name.")
    minimums = {"capacity": 1, "min_duration_minutes": 5, "max_duration_minutes": 5,
                "min_notice_hours": 0, "max_advance_days": 1, "buffer_minutes": 0}
    for key, minimum in minimums.items():
        try:
            values[key] = parse_int(form[key], key, minimum, minimum)
        except BookingError as error:
            errors[key] = error.message
    if not errors and values["max_duration_minutes"] < values["min_duration_minutes"]:
        errors["max_duration_minutes"] = _("The longest booking cannot be shorter than the "
                                           "shortest.")
    managers, unknown = users_by_emails(request, form["managers"])
    if unknown:
        errors["managers"] = _("No account has the e-mail address ${emails}.",
                               mapping={"emails": ", ".join(unknown)})
    hours = []
    for day in range(7):
        opens, closes = form[f"opens_{day}"], form[f"closes_{day}"]
        if not opens and not closes:
            continue
        try:
            opens_at, closes_at = parse_time(opens, f"opens_{day}"), parse_time(
                closes, f"opens_{day}")
        except BookingError as error:
            errors[f"opens_{day}"] = error.message
            continue
        if opens_at >= closes_at:
            errors[f"opens_{day}"] = _("Opening must be before closing.")
            continue
        hours.append(BookableHours(weekday=day, opens_at=opens_at, closes_at=closes_at))
    if errors:
        return _room_page(request, room, form, errors)
    if room is None:
        room = Room(name=form["name"])
        request.dbsession.add(room)
    room.name, room.description, room.location = (form["name"], form["description"],
                                                  form["location"][:200])
    room.name_en, room.description_en = form["name_en"], form["description_en"]
    room.location_en = form["location_en"]
    for photo in photos:
        photo.alt_en = form[f"alt_en_{photo.id}"]
    for key, value in values.items():
        setattr(room, key, value)
    room.requires_approval, room.is_active = form["requires_approval"], form["is_active"]
    room.representatives_book_directly = form["representatives_book_directly"]
    room.equipment, room.accessibility = form["equipment"], form["accessibility"]
    room.hours.clear()
    wanted = {u.id for u in managers}
    for manager in [m for m in room.managers if m.user_id not in wanted]:
        room.managers.remove(manager)
    request.dbsession.flush()
    room.hours.extend(hours)
    kept = {m.user_id for m in room.managers}
    room.managers.extend(RoomManager(user_id=i) for i in sorted(wanted - kept))
    request.dbsession.flush()
    request.session.flash(request.shell.translate(_("The room was saved.")), "success")
    return HTTPSeeOther(request.route_path("booking.room", id=room.id))


MAX_PHOTO_BYTES = 5 * 1024 * 1024


def image_type(data: bytes) -> str | None:
    """The image type by its first bytes (the browser's claim is not trusted)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@view_config(route_name="booking.photo_add", renderer="hub_booking:templates/room_form.pt",
             permission=MANAGE, request_method="POST")
def photo_add(request):
    room = get_room(request)
    upload = request.POST.get("photo")
    alt = request.POST.get("alt", "").strip()
    alt_en = request.POST.get("alt_en", "").strip()
    errors: dict = {}
    data = upload.file.read(MAX_PHOTO_BYTES + 1) if hasattr(upload, "file") else b""
    if not data:
        errors["photo"] = _("Choose a photo.")
    elif len(data) > MAX_PHOTO_BYTES:
        errors["photo"] = _("A photo can have at most 5 MB.")
    elif image_type(data) is None:
        errors["photo"] = _("Upload a JPEG, PNG or WebP image.")
    if not alt:
        errors["alt"] = _("Describe the photo for people who cannot see it.")
    if len(alt_en) > 300:
        errors["alt_en"] = _("The description can have at most 300 characters.")
    if errors:
        page = _room_page(request, room, _room_form(request, room), errors)
        page["photo_alt"], page["photo_alt_en"] = alt, alt_en
        return page
    room.photos.append(RoomPhoto(content_type=image_type(data), alt=alt[:300], alt_en=alt_en,
                                 data=data))
    request.session.flash(request.shell.translate(_("The photo was added.")), "success")
    return HTTPSeeOther(request.route_path("booking.room_edit", id=room.id))


@view_config(route_name="booking.photo_delete", permission=MANAGE, request_method="POST")
def photo_delete(request):
    room = get_room(request)
    photo = next((p for p in room.photos if str(p.id) == request.matchdict["photo"]), None)
    if photo is None:
        raise HTTPNotFound()
    room.photos.remove(photo)
    request.session.flash(request.shell.translate(_("The photo was removed.")), "success")
    return HTTPSeeOther(request.route_path("booking.room_edit", id=room.id))


@view_config(route_name="booking.photo", permission=PUBLIC, request_method="GET",
             http_cache=86400)
def photo(request):
    room = get_room(request)
    photo = request.dbsession.scalars(sa.select(RoomPhoto).where(
        RoomPhoto.room_id == room.id,
        RoomPhoto.id == int(request.matchdict["photo"]))).first()
    if photo is None:
        raise HTTPNotFound()
    return Response(photo.data, content_type=photo.content_type)


def _closure_form(request, period: ClosedPeriod | None) -> dict:
    if period is None:
        return {"room": "", "start_date": "", "start_time": "00:00", "end_date": "",
                "end_time": "23:59", "reason": "", "exceptions": ""}
    start, end = services.local(period.starts_at), services.local(period.ends_at)
    return {"room": str(period.room_id or ""), "start_date": start.date().isoformat(),
            "start_time": start.strftime("%H:%M"), "end_date": end.date().isoformat(),
            "end_time": end.strftime("%H:%M"), "reason": period.reason,
            "exceptions": emails_of(request, [e.user_id for e in period.exceptions])}


def _save_closure(request, period: ClosedPeriod | None) -> tuple[dict, dict]:
    """Validate the posted closure and save it into ``period`` (or a new one); the form
    and the errors by field (nothing is saved when there are any)."""
    post = request.POST
    form = {k: post.get(k, "").strip() for k in ("room", "start_date", "start_time",
                                                 "end_date", "end_time", "reason",
                                                 "exceptions")}
    errors: dict = {}
    room_id = None
    try:
        room_id = parse_int(form["room"], "room") or None
        if room_id is not None and request.dbsession.get(Room, room_id) is None:
            raise BookingError(_("Choose a room."), "room")
    except BookingError as error:
        errors["room"] = error.message
    starts_at = ends_at = None
    try:
        starts_at = services.aware_local(parse_date(form["start_date"], "start_date"),
                                         parse_time(form["start_time"] or "00:00",
                                                    "start_time"))
    except BookingError as error:
        errors[error.field if error.field != "start" else "start_time"] = error.message
    try:
        ends_at = services.aware_local(parse_date(form["end_date"], "end_date"),
                                       parse_time(form["end_time"] or "23:59", "end_time"))
    except BookingError as error:
        errors[error.field if error.field != "start" else "end_time"] = error.message
    if starts_at and ends_at and ends_at <= starts_at:
        errors["end_date"] = _("The end must be after the start.")
    exempt, unknown = users_by_emails(request, form["exceptions"])
    if unknown:
        errors["exceptions"] = _("No account has the e-mail address ${emails}; nothing was "
                                 "saved.", mapping={"emails": ", ".join(unknown)})
    if errors:
        return form, errors
    if period is None:
        period = ClosedPeriod()
        request.dbsession.add(period)
    period.room_id, period.starts_at, period.ends_at = room_id, starts_at, ends_at
    period.reason = form["reason"][:300]
    wanted = {u.id for u in exempt}
    for exception in [e for e in period.exceptions if e.user_id not in wanted]:
        period.exceptions.remove(exception)
    request.dbsession.flush()
    kept = {e.user_id for e in period.exceptions}
    period.exceptions.extend(ClosedPeriodException(user_id=i) for i in sorted(wanted - kept))
    request.dbsession.flush()
    return form, {}


@view_config(route_name="booking.closed_new", permission=MANAGE, request_method="POST")
def closed_new(request):
    form, errors = _save_closure(request, None)
    if errors:
        for message in errors.values():
            request.session.flash(request.shell.translate(message), "error")
    else:
        request.session.flash(request.shell.translate(_("The closure was saved.")),
                              "success")
    return HTTPSeeOther(request.route_path("booking.manage"))


def _get_closure(request) -> ClosedPeriod:
    matched = request.matchdict["id"]
    period = request.dbsession.get(ClosedPeriod, int(matched)) if matched.isdigit() \
        and len(matched) < 10 else None
    if period is None:
        raise HTTPNotFound()
    return period


def _closure_page(request, period, form, errors):
    if errors:
        request.response.status = 400
    return {"period": period, "form": form, "errors": errors,
            "when": services.format_span(request, period.starts_at, period.ends_at),
            "error_list": error_list(errors), **room_texts(request),
            "rooms": request.dbsession.scalars(sa.select(Room).order_by(Room.name)).all(),
            "breadcrumbs": [(_("Manage bookings"), request.route_path("booking.manage")),
                            (_("Change the closure"), None)]}


@view_config(route_name="booking.closed_edit", renderer="hub_booking:templates/closure.pt",
             permission=MANAGE, request_method="GET")
def closed_edit(request):
    period = _get_closure(request)
    return _closure_page(request, period, _closure_form(request, period), {})


@view_config(route_name="booking.closed_edit", renderer="hub_booking:templates/closure.pt",
             permission=MANAGE, request_method="POST")
def closed_save(request):
    period = _get_closure(request)
    form, errors = _save_closure(request, period)
    if errors:
        return _closure_page(request, period, form, errors)
    request.session.flash(request.shell.translate(_("The closure was saved.")), "success")
    return HTTPSeeOther(request.route_path("booking.manage"))


@view_config(route_name="booking.closed_delete", permission=MANAGE, request_method="POST")
def closed_delete(request):
    period = _get_closure(request)
    request.dbsession.delete(period)
    request.session.flash(request.shell.translate(_("The closure was deleted.")), "success")
    return HTTPSeeOther(request.route_path("booking.manage"))


@view_config(route_name="booking.overview", renderer="hub_booking:templates/overview.pt",
             permission=APPROVE, request_method="GET")
def overview(request):
    """All rooms on one grid: a row per room, a column per day of the week."""
    try:
        day = parse_date(request.GET.get("day"), "day", today())
    except BookingError:
        day = today()
    start = services.week_start(day)
    days = [start + dt.timedelta(days=i) for i in range(7)]
    rooms = services.active_rooms(request)
    taken = services.busy(request, [r.id for r in rooms], services.day_bounds(start)[0],
                          services.day_bounds(days[-1])[1])
    cells: dict = {}
    for reservation in taken:
        key = (reservation.room_id, services.local(reservation.starts_at).date())
        cells.setdefault(key, []).append(reservation_row(request, reservation, True))
    return {"days": [{"date": d, "label": services.format_day(request, d, "EEE d. M.")}
                     for d in days],
            "rows": [{"room": r, "cells": [cells.get((r.id, d), []) for d in days]}
                     for r in rooms],
            "previous": (start - dt.timedelta(days=7)).isoformat(),
            "following": (start + dt.timedelta(days=7)).isoformat(),
            "month": day.strftime("%Y-%m"), **room_texts(request),
            "breadcrumbs": [(_("Manage bookings"), request.route_path("booking.manage")),
                            (_("All rooms"), None)]}


def _month_param(request) -> dt.date:
    try:
        return services.check_year(
            dt.date.fromisoformat(request.GET.get("month", "") + "-01"), "month")
    except (ValueError, BookingError):
        return today().replace(day=1)


def occupancy(request, month: dt.date) -> tuple[list, list]:
    """Approved bookings of a month: (room, bookings, hours, share of the bookable hours)
    per room and (organisation, bookings, hours) per organisation, in one query."""
    from hub.organizations.models import Organisation

    first, last = services.month_bounds(dt.datetime.combine(month, dt.time(12), tzinfo=PRAGUE))
    rows = request.dbsession.execute(
        sa.select(Reservation.room_id, Organisation.name, Reservation.starts_at,
                  Reservation.ends_at)
        .outerjoin(Organisation, Organisation.id == Reservation.organisation_id)
        .where(Reservation.status == "approved", Reservation.starts_at >= first,
               Reservation.starts_at < last)).all()
    per_room: dict = {}
    per_org: dict = {}
    no_org = request.shell.translate(_("(no organisation)"))
    for room_id, org_name, starts_at, ends_at in rows:
        length = (ends_at - starts_at).total_seconds() / 3600
        count, hours = per_room.get(room_id, (0, 0.0))
        per_room[room_id] = (count + 1, hours + length)
        key = org_name or no_org
        count, hours = per_org.get(key, (0, 0.0))
        per_org[key] = (count + 1, hours + length)
    rooms = request.dbsession.scalars(
        sa.select(Room).options(selectinload(Room.hours)).order_by(Room.name)).all()
    days = [month + dt.timedelta(days=i) for i in range((last - first).days)]
    lang = language(request)
    room_rows = []
    for room in rooms:
        count, hours = per_room.get(room.id, (0, 0.0))
        if not room.is_active and not count:
            continue
        by_day = {h.weekday: h for h in room.hours}
        bookable = sum((dt.datetime.combine(d, by_day[d.weekday()].closes_at)
                        - dt.datetime.combine(d, by_day[d.weekday()].opens_at))
                       .total_seconds() / 3600 for d in days if d.weekday() in by_day)
        room_rows.append({"name": room.translated("name", lang),
                          "lang": cs_lang(room, "name", lang), "count": count, "hours": hours,
                          "share": hours / bookable if bookable else None})
    org_rows = [{"name": name, "count": count, "hours": hours}
                for name, (count, hours) in sorted(per_org.items())]
    return room_rows, org_rows


@view_config(route_name="booking.statistics", renderer="hub_booking:templates/statistics.pt",
             permission=APPROVE, request_method="GET")
def statistics(request):
    month = _month_param(request)
    room_rows, org_rows = occupancy(request, month)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return {"month": month.strftime("%Y-%m"),
            "title": services.format_day(request, month, "LLLL y"),
            "previous": previous.strftime("%Y-%m"), "following": following.strftime("%Y-%m"),
            "rooms": room_rows, "organisations": org_rows,
            "hours": services.format_hours,
            "percent": lambda v: "–" if v is None else f"{v * 100:.0f} %",
            "breadcrumbs": [(_("Manage bookings"), request.route_path("booking.manage")),
                            (_("Occupancy statistics"), None)]}


@view_config(route_name="booking.stats", permission=APPROVE, request_method="GET")
def stats_csv(request):
    """Booked hours per room and per organisation in a month (approved bookings)."""
    month = _month_param(request)
    room_rows, org_rows = occupancy(request, month)
    t = request.shell.translate
    header = [t(_("Kind")), t(_("Name")), t(_("Booked hours")), t(_("Month"))]
    rows = [[t(_("Room")), row["name"], f"{row['hours']:.2f}", month.strftime("%Y-%m")]
            for row in room_rows]
    rows += [[t(_("Organisation")), row["name"], f"{row['hours']:.2f}", month.strftime("%Y-%m")]
             for row in org_rows]
    return csv_response(f"booking-{month:%Y-%m}.csv", header, rows)


# -- quotas per organisation ------------------------------------------------------------

@view_config(route_name="booking.quotas", renderer="hub_booking:templates/quotas.pt",
             permission=MANAGE, request_method="GET")
def quotas(request):
    return _quotas_page(request, None, {})


def _quotas_page(request, form, errors):
    from hub.organizations.models import Organisation

    if errors:
        request.response.status = 400
    overrides = request.dbsession.execute(
        sa.select(OrganisationQuota, Organisation.name)
        .join(Organisation, Organisation.id == OrganisationQuota.organisation_id)
        .order_by(Organisation.name)).all()
    limits = services.settings_of(request)
    return {"overrides": [{"id": q.organisation_id, "name": name, "hours": q.monthly_hours}
                          for q, name in overrides],
            "organisations": request.dbsession.execute(
                sa.select(Organisation.id, Organisation.name).order_by(Organisation.name)).all(),
            "default_hours": limits["organisation"], "user_hours": limits["user"],
            "form": form or {"organisation": request.GET.get("organisation", ""), "hours": ""},
            "errors": errors, "error_list": error_list(errors),
            "breadcrumbs": [(_("Manage bookings"), request.route_path("booking.manage")),
                            (_("Quotas of organisations"), None)]}


@view_config(route_name="booking.quotas", renderer="hub_booking:templates/quotas.pt",
             permission=MANAGE, request_method="POST")
def quotas_save(request):
    """Set an organisation's monthly hours; an empty number returns it to the hub's."""
    from hub.organizations.models import Organisation

    form = {"organisation": request.POST.get("organisation", "").strip(),
            "hours": request.POST.get("hours", "").strip()}
    errors: dict = {}
    organisation = None
    if form["organisation"].isdigit() and len(form["organisation"]) < 10:
        organisation = request.dbsession.get(Organisation, int(form["organisation"]))
    if organisation is None:
        errors["organisation"] = _("Choose an organisation.")
    hours = None
    if form["hours"]:
        try:
            hours = parse_int(form["hours"], "hours")
            if hours > 744:
                raise BookingError(_("A month has at most 744 hours."), "hours")
        except BookingError as error:
            errors["hours"] = error.message
    if errors:
        return _quotas_page(request, form, errors)
    quota = request.dbsession.scalars(sa.select(OrganisationQuota).where(
        OrganisationQuota.organisation_id == organisation.id)).first()
    if hours is None:
        if quota is not None:
            request.dbsession.delete(quota)
        message = _("${name} books by the hub's quota again.",
                    mapping={"name": organisation.name})
    else:
        if quota is None:
            quota = OrganisationQuota(organisation_id=organisation.id)
            request.dbsession.add(quota)
        quota.monthly_hours = hours
        message = _("${name} may book ${hours} hours a month.",
                    mapping={"name": organisation.name, "hours": hours})
    request.session.flash(request.shell.translate(message), "success")
    return HTTPSeeOther(request.route_path("booking.quotas"))
