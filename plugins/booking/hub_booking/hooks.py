"""Hook implementations of the booking plugin."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from hub import hookimpl
from hub.contributions import (
    NavItem,
    NotificationKind,
    PeriodicJob,
    Permission,
    ProfileSection,
    SegmentCriterion,
    Setting,
    Widget,
    WorkspaceSection,
)
from hub.dates import language
from hub.db import utcnow
from hub.security import AUTHENTICATED, PUBLIC
from hub.settings import as_int
from hub.translations import MissingTranslation, translations_json
from hub_booking.i18n import _
from hub_booking.models import (
    ACTIVE_STATUSES,
    ClosedPeriodException,
    FeedToken,
    Reservation,
    Room,
    RoomManager,
    Series,
)

CREATE = "booking:reservation:create"
APPROVE = "booking:reservation:approve"
MANAGE = "booking:room:manage"


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        return [NavItem(_("Room booking"), route="booking.index", permission=PUBLIC, order=10,
                        match=("booking.",))]
    if menu == "user":
        return [NavItem(_("My bookings"), route="booking.mine", permission=AUTHENTICATED,
                        order=30)]
    if menu == "admin":
        return [NavItem(_("Bookings"), route="booking.manage", permission=APPROVE, order=10,
                        match=("booking.manage", "booking.overview", "booking.room_"))]
    return None


@hookimpl
def hub_permissions():
    return [
        Permission(CREATE, _("Book rooms"), ("member", "representative", "staff", "admin")),
        Permission(APPROVE, _("Approve and reject bookings"), ("staff", "admin")),
        Permission(MANAGE, _("Manage rooms and closures"), ("staff", "admin")),
    ]


@hookimpl
def hub_settings_schema():
    return [
        Setting("user_monthly_hours", 40, as_int, "Hours a member may book per month."),
        Setting("organisation_monthly_hours", 80, as_int,
                "Hours booked on behalf of one organisation per month."),
        Setting("reminder_hours", 24, as_int, "Remind bookers this many hours before."),
    ]


@hookimpl
def hub_notification_kinds():
    return [
        NotificationKind("booking.confirmed", _("Booking confirmed")),
        NotificationKind("booking.requested", _("Booking waiting for approval")),
        NotificationKind("booking.approved", _("Booking approved")),
        NotificationKind("booking.rejected", _("Booking rejected")),
        NotificationKind("booking.cancelled", _("Booking cancelled by the hub staff")),
        NotificationKind("booking.reminder", _("Reminder of a booking")),
        NotificationKind("booking.approval_needed",
                         _("A booking needs approval (staff and room managers)")),
        NotificationKind("booking.room_activity",
                         _("Bookings and cancellations in rooms I manage")),
    ]


# -- reminders --------------------------------------------------------------------------

def send_reminders(request) -> int:
    """Remind bookers of approved bookings that start within ``booking.reminder_hours``."""
    from hub.accounts.models import User
    from hub.notifications import notify
    from hub_booking import services

    hours = int(request.registry.settings.get("booking.reminder_hours", 24))
    now = utcnow()
    due = request.dbsession.scalars(
        sa.select(Reservation).options(selectinload(Reservation.room))
        .where(Reservation.status == "approved", Reservation.reminded_at.is_(None),
               Reservation.user_id.is_not(None), Reservation.starts_at > now,
               Reservation.starts_at <= now + dt.timedelta(hours=hours))
        .with_for_update(skip_locked=True)).all()
    for reservation in due:
        user = request.dbsession.get(User, reservation.user_id)
        notify(request, user, "booking.reminder", _("Reminder: ${title}"),
               _("${room}, ${when}."),
               url=request.route_url("booking.reservation", id=reservation.id),
               mapping={"title": reservation.title,
                        "room": reservation.room.translated(
                            "name", "en" if user.language == "en" else "cs"),
                        "when": services.format_span(request, reservation.starts_at,
                                                     reservation.ends_at)})
        reservation.reminded_at = now
    return len(due)


@hookimpl
def hub_periodic_jobs():
    return [PeriodicJob("booking.reminders", send_reminders, minute="*/15")]


# -- page contributions -----------------------------------------------------------------

def _upcoming(request, user, limit=5):
    return request.dbsession.scalars(
        sa.select(Reservation).options(selectinload(Reservation.room))
        .where(Reservation.user_id == user.id, Reservation.status.in_(ACTIVE_STATUSES),
               Reservation.ends_at >= utcnow())
        .order_by(Reservation.starts_at).limit(limit)).all()


def _render_list(request, user):
    from hub.shell import render_snippet
    from hub_booking.views import reservation_row

    rows = [reservation_row(request, r, True) for r in _upcoming(request, user)]
    return render_snippet(request, "hub_booking:templates/upcoming.pt", {"rows": rows})


@hookimpl
def hub_dashboard_widgets(request):
    def render(request):
        if request.identity is None:
            return None
        return _render_list(request, request.identity)

    return [Widget("booking.upcoming", _("Upcoming bookings"), render, where="dashboard",
                   order=20, permission=AUTHENTICATED, cache_per_user=True,
                   cache_tables=("booking_reservation", "booking_room"), cache_ttl=60)]


@hookimpl
def hub_profile_sections(request, user):
    def render(request, user):
        viewer = request.identity
        if viewer is None or (viewer.id != user.id and not request.has_permission(APPROVE)):
            return None
        return _render_list(request, user)

    return [ProfileSection("booking.mine", _("My bookings"), render, order=20)]


@hookimpl
def hub_search_sources():
    from hub_booking.search import SOURCES

    return SOURCES


@hookimpl
def hub_translations_missing(request):
    """Bookable rooms whose name, description, location or photo descriptions have no
    English version (``alt``: a photo's)."""
    from hub_booking import services

    found = []
    for room in services.active_rooms(request):
        fields = room.missing_translations()
        if any(photo.missing_translations() for photo in room.photos):
            fields.append("alt")
        if fields:
            found.append(MissingTranslation(
                kind=_("Room"), title=room.name, fields=tuple(fields),
                url=request.route_path("booking.room_edit", id=room.id)))
    return found


# -- people data ------------------------------------------------------------------------

@hookimpl
def hub_personal_data_tables():
    return ["booking_reservation", "booking_series", "booking_feed_token",
            "booking_closed_period_exception", "booking_room_manager"]


@hookimpl
def hub_personal_data_export(request, user):
    reservations = request.dbsession.scalars(
        sa.select(Reservation).options(selectinload(Reservation.room))
        .where(Reservation.user_id == user.id).order_by(Reservation.starts_at)).all()
    records = [{**r.as_dict(), "room": r.room.name, "created_at": r.created_at.isoformat()}
               for r in reservations]
    exceptions = request.dbsession.scalars(
        sa.select(ClosedPeriodException.closed_period_id)
        .where(ClosedPeriodException.user_id == user.id)).all()
    managed = request.dbsession.scalars(
        sa.select(Room.name).join(RoomManager, RoomManager.room_id == Room.id)
        .where(RoomManager.user_id == user.id).order_by(Room.name)).all()
    return {_("Room bookings"): records,
            _("Room closures you may book in"): [{"closed_period_id": i} for i in exceptions],
            _("Rooms you manage"): [{"room": name} for name in managed]}


@hookimpl
def hub_personal_data_erase(request, user):
    """Future bookings are cancelled; past ones stay for occupancy statistics without the
    person (no user, no title or purpose, which may name them)."""
    db = request.dbsession
    now = utcnow()
    for reservation in db.scalars(sa.select(Reservation).where(Reservation.user_id == user.id)):
        if reservation.ends_at > now and reservation.status in ACTIVE_STATUSES:
            reservation.status = "cancelled"
        reservation.user_id = None
        reservation.title = "—"
        reservation.purpose = ""
    db.execute(sa.update(Series).where(Series.user_id == user.id).values(user_id=None))
    db.execute(sa.delete(FeedToken).where(FeedToken.user_id == user.id))
    db.execute(sa.delete(ClosedPeriodException).where(ClosedPeriodException.user_id == user.id))
    db.execute(sa.delete(RoomManager).where(RoomManager.user_id == user.id))
    db.flush()


# -- CRM ---------------------------------------------------------------------------------

@hookimpl
def hub_activity(request, user):
    rows = request.dbsession.scalars(
        sa.select(Reservation).options(selectinload(Reservation.room))
        .where(Reservation.user_id == user.id).order_by(Reservation.starts_at.desc())
        .limit(100)).all()
    return [{"when": r.starts_at, "kind": "booking",
             "title": f"{r.room.translated('name', language(request))}: {r.title} ({r.status})",
             "url": request.route_path("booking.reservation", id=r.id)} for r in rows]


def _booked_recently(request, value):
    months = int(value or 3)
    since = utcnow() - dt.timedelta(days=30 * months)
    return (sa.select(Reservation.user_id)
            .where(Reservation.user_id.is_not(None), Reservation.starts_at >= since,
                   Reservation.status.in_(("approved", "pending")))
            .distinct())


def _month_options(request):
    return [("1", _("in the last month")), ("3", _("in the last 3 months")),
            ("6", _("in the last 6 months")), ("12", _("in the last 12 months"))]


@hookimpl
def hub_segment_criteria():
    return [SegmentCriterion("booking.booked_recently", _("Booked a room"), _month_options,
                             _booked_recently)]


# -- API document ------------------------------------------------------------------------

@hookimpl
def hub_indicators(request, start, end):
    from hub_booking.indicators import indicators

    return indicators(request, start, end)


@hookimpl
def hub_openapi(request):
    from hub_booking.api import OPENAPI

    return OPENAPI


# -- demo data ---------------------------------------------------------------------------

@hookimpl
def hub_demo_data(dbsession, scale):
    from hub_booking.demo import create_demo_data

    create_demo_data(dbsession, scale)


# -- rooms for other plugins --------------------------------------------------------------

class RoomProvider:
    """What the events plugin uses to reserve a room for an event (hub_events.hookspecs)."""

    def __init__(self, request):
        self.request = request

    def rooms(self) -> list[dict]:
        from hub_booking import services

        return [_room_dict(r) for r in services.active_rooms(self.request)]

    def room(self, room_id) -> dict | None:
        room = self.request.dbsession.get(Room, room_id)
        return _room_dict(room) if room is not None and room.is_active else None

    def reserve(self, room_id, starts_at, ends_at, title, user, organisation_id=None) -> dict:
        from hub_booking import services

        request = self.request
        room = request.dbsession.get(Room, room_id)
        translate = request.localizer.translate
        if room is None or not room.is_active:
            return {"ok": False, "message": translate(_("This room cannot be booked."))}
        if starts_at.tzinfo is None or ends_at.tzinfo is None:
            return {"ok": False, "message": translate(_("The time needs an offset, e.g. "
                                                        "+02:00."))}
        if ends_at <= starts_at:
            return {"ok": False, "message": translate(_("The end must be after the start."))}
        closed = services.closed_period_at(request, room, starts_at, ends_at)
        if closed is not None:
            return {"ok": False, "message": translate(_("The room is closed at this time."))}
        try:
            reservation = services.place(request, Reservation(
                room_id=room.id, room=room, user_id=user.id if user is not None else None,
                organisation_id=organisation_id,
                title=(title or "")[:200] or "—", starts_at=starts_at, ends_at=ends_at,
                status="approved", source="events"))
        except services.Conflict as conflict:
            return {"ok": False,
                    "message": translate(services.conflict_message(request, conflict))}
        return {"ok": True, "reservation_id": reservation.id}

    def release(self, reservation_id) -> None:
        reservation = self.request.dbsession.get(Reservation, reservation_id)
        if reservation is not None and reservation.status in ACTIVE_STATUSES:
            reservation.status = "cancelled"
            self.request.dbsession.flush()


def _room_dict(room: Room) -> dict:
    """The room in Czech (what other plugins store in their Czech texts) and its English
    versions under ``translations``."""
    return {"id": room.id, "name": room.name, "capacity": room.capacity,
            "location": room.location, "accessibility": list(room.accessibility or []),
            "translations": translations_json(room)}


@hookimpl(optionalhook=True)
def hub_room_provider(request):
    return RoomProvider(request)


def _organisation_bookings(request, organisation, role):
    """The organisation's bookings from today and the hours used of this month's quota."""
    from hub.shell import render_snippet
    from hub_booking import services
    from hub_booking.views import cs_lang

    lang = language(request)
    now = utcnow()
    month_start, month_end = services.month_bounds(now)
    used = services.booked_hours(request, month_start, month_end,
                                 organisation_id=organisation.id)
    quota, _override = services.organisation_quota(request, organisation.id)
    rows = request.dbsession.scalars(
        sa.select(Reservation).options(selectinload(Reservation.room))
        .where(Reservation.organisation_id == organisation.id,
               Reservation.status.in_(ACTIVE_STATUSES), Reservation.ends_at >= now)
        .order_by(Reservation.starts_at).limit(50)).all()
    return render_snippet(request, "hub_booking:templates/organisation_section.pt", {
        "reservations": rows, "used": services.format_hours(used), "quota": quota,
        "month": services.format_day(request, services.local(now).date(), "LLLL yyyy"),
        "span": lambda r: services.format_span(request, r.starts_at, r.ends_at),
        "room_name": lambda room: room.translated("name", lang),
        "room_lang": lambda room: cs_lang(room, "name", lang)})


@hookimpl
def hub_organisation_workspace(request, organisation, role):
    return [WorkspaceSection("booking", _("Bookings of rooms"), _organisation_bookings,
                             order=20)]
