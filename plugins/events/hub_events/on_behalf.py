"""Registrations on someone's behalf: the representative proposes, the member confirms.

A representative of an organisation may ask to register an active member of it. Nothing
is registered then: a ``Proposal`` is kept and the member gets a personal link (a
mandatory notification, so also an e-mail through the core's outbox, sent after the
commit). The member confirms, which makes an ordinary registration (places, waiting list,
approval and the privacy notice apply as when they register themself), or declines, which
deletes the proposal. Until then the member is not registered: organisers, exports,
counts and other plugins do not see the proposal, and it holds no place. A proposal not
answered before registration closes lapses (``expire``, a periodic job, deletes it).

The representative learns nothing about the member's registrations: proposing a member
who is already registered or already asked sends nothing and shows the same message.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hub.accounts.models import User
from hub.db import utcnow
from hub.notifications import notify
from hub.organizations.models import Membership, Organisation
from hub_events import services
from hub_events.i18n import _
from hub_events.models import ACTIVE, Event, Proposal, Registration
from hub_events.services import RegistrationError

KIND = "events.on_behalf"


def represented_organisations(request) -> list[int]:
    """The organisations the signed-in user actively represents."""
    user = request.identity
    return list(request.dbsession.scalars(sa.select(Membership.organisation_id).where(
        Membership.user_id == user.id, Membership.is_representative.is_(True),
        Membership.active())))


def _members(request):
    """Active members (with an active account) of the organisations the user represents;
    invited or declined people are not members."""
    return (sa.select(User, Membership.organisation_id)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id.in_(represented_organisations(request)),
                   Membership.active(), User.is_active.is_(True),
                   User.id != request.identity.id))


def members_to_offer(request, limit: int = 500) -> list:
    """Rows with ``id`` and ``name`` for the representative's choice."""
    return request.dbsession.execute(
        _members(request).with_only_columns(User.id, User.name).distinct()
        .order_by(User.name, User.id).limit(limit)).all()


def member_of(request, member_id: int) -> tuple[User, int] | None:
    """The member and the organisation they are proposed through, or ``None``."""
    row = request.dbsession.execute(
        _members(request).where(User.id == member_id)
        .order_by(Membership.organisation_id).limit(1)).first()
    return (row[0], row[1]) if row is not None else None


def propose(request, event: Event, member: User, organisation_id: int) -> Proposal | None:
    """Ask ``member`` to confirm a registration; ``None`` when they are already registered
    or asked (nothing is sent then). Raises ``RegistrationError`` when registration is
    closed."""
    dbsession = request.dbsession
    event = services.lock_event(dbsession, event.id)
    reason = services.registration_closed_reason(event)
    if reason:
        raise RegistrationError("closed", reason)
    registered = dbsession.scalar(sa.select(Registration.id).where(
        Registration.event_id == event.id, Registration.status.in_(ACTIVE),
        sa.or_(Registration.user_id == member.id,
               Registration.email == services.normalise_email(member.email))))
    if registered is not None:
        return None
    proposal = Proposal(event_id=event.id, user_id=member.id,
                        proposed_by_id=request.identity.id, organisation_id=organisation_id,
                        access_key=secrets.token_urlsafe(32), created_at=utcnow())
    try:
        # UNIQUE(event_id, user_id): a member already asked is not asked twice.
        with dbsession.begin_nested():
            dbsession.add(proposal)
            dbsession.flush()
    except IntegrityError:
        return None
    organisation = dbsession.get(Organisation, organisation_id)
    notify(request, member, KIND, _("Please confirm: registration for ${event}"),
           _("${representative} (${organisation}) would like to register you for ${event} "
             "(${when}). You are not registered, and the organisers do not see your name, "
             "unless you confirm. Confirm or decline here: ${url}\n\nIf you do nothing, "
             "nothing happens: the request lapses when registration for the event closes."),
           url=link_url(request, proposal),
           mapping={"representative": request.identity.name,
                    "organisation": organisation.name if organisation else "",
                    "event": event.translated("title", member.language),
                    "url": link_url(request, proposal),
                    "when": services.format_when(event.starts_at, member.language)})
    return proposal


def confirm(request, proposal: Proposal, privacy_accepted: bool) -> Registration:
    """The member agrees: an ordinary registration is made and the proposal goes."""
    dbsession = request.dbsession
    event = services.lock_event(dbsession, proposal.event_id)
    # Read again under the event's lock: a second click may have answered it meanwhile.
    still_open = dbsession.scalar(sa.select(Proposal.id).where(Proposal.id == proposal.id))
    member = dbsession.get(User, proposal.user_id)
    existing = services.registration_of(dbsession, event.id, member)
    if existing is not None and existing.status in ACTIVE:
        # Registered meanwhile (themself, or by a second click): nothing more to do.
        _delete(dbsession, proposal)
        return existing
    if still_open is None:
        raise RegistrationError("state", _("This request has already been answered."))
    proposer = dbsession.get(User, proposal.proposed_by_id) if proposal.proposed_by_id \
        else None
    registration = services.register(
        request, event.id, user=member, email=member.email, name=member.name,
        registered_by=proposer, privacy_accepted=privacy_accepted, language=member.language)
    _delete(dbsession, proposal)
    return registration


def decline(request, proposal: Proposal) -> None:
    """The member does not want to be registered: nothing about it is kept or told."""
    _delete(request.dbsession, proposal)


def _delete(dbsession, proposal: Proposal) -> None:
    # A bulk DELETE: a row another request removed first is simply not there any more.
    dbsession.execute(sa.delete(Proposal).where(Proposal.id == proposal.id)
                      .execution_options(synchronize_session=False))
    if proposal in dbsession:
        dbsession.expunge(proposal)


def proposal_of(request, event_id: int, user) -> Proposal | None:
    if user is None:
        return None
    return request.dbsession.scalar(sa.select(Proposal).where(
        Proposal.event_id == event_id, Proposal.user_id == user.id))


def proposals_of(request, user) -> list[tuple[Proposal, Event]]:
    """The member's proposals still open, soonest event first."""
    return request.dbsession.execute(
        sa.select(Proposal, Event).join(Event, Event.id == Proposal.event_id)
        .where(Proposal.user_id == user.id, Event.starts_at > utcnow())
        .order_by(Event.starts_at, Event.id).limit(100)).all()


def expire(request) -> int:
    """Periodic job: proposals lapse when registration for their event closes."""
    now = utcnow()
    closed = sa.select(Event.id).where(sa.or_(
        Event.state != "published", Event.starts_at <= now,
        sa.and_(Event.registration_closes_at.is_not(None),
                Event.registration_closes_at <= now)))
    return request.dbsession.execute(
        sa.delete(Proposal).where(Proposal.event_id.in_(closed))).rowcount


# -- the personal link -------------------------------------------------------------------

def link_token(proposal: Proposal) -> str:
    """``<id>.<signature>``, bound to the member the proposal is for."""
    message = f"proposal:{proposal.user_id}".encode()
    signature = hmac.new(proposal.access_key.encode(), message, hashlib.sha256).hexdigest()[:40]
    return f"{proposal.id}.{signature}"


def from_token(dbsession, token: str) -> Proposal | None:
    ident, _sep, signature = (token or "").partition(".")
    if not ident.isdigit() or len(ident) > 12 or not signature:
        return None
    proposal = dbsession.get(Proposal, int(ident))
    if proposal is None:
        return None
    expected = link_token(proposal).partition(".")[2]
    return proposal if secrets.compare_digest(expected, signature) else None


def link_url(request, proposal: Proposal) -> str:
    return request.route_url("events.proposal", token=link_token(proposal))
