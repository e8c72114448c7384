"""Who acts for an organisation, and the record of membership changes.

Plugins decide with these functions whether the signed-in person may act for an
organisation (draft its events, post its news, see its bookings): a representative or an
editor of that organisation, and of no other. Hub staff are not members; pages for staff
check their own permissions.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound

from hub.organizations.models import Membership, MembershipHistory, Organisation
from hub.security import STAFF

ACTING_ROLES = ("representative", "editor")


def role_in(request, organisation_id: int | None, user=None) -> str | None:
    """``user``'s role in the organisation ("representative", "editor", "member"), or None
    when they are not an active member (``user`` defaults to the signed-in person)."""
    user = request.identity if user is None else user
    if user is None or organisation_id is None:
        return None
    row = request.dbsession.execute(
        sa.select(Membership.is_representative, Membership.is_editor).where(
            Membership.organisation_id == organisation_id, Membership.user_id == user.id,
            Membership.active())).first()
    if row is None:
        return None
    return "representative" if row[0] else ("editor" if row[1] else "member")


def acts_for(request, organisation_id: int | None, roles=ACTING_ROLES, user=None) -> bool:
    """Whether the person is a representative or editor (``roles``) of the organisation."""
    return role_in(request, organisation_id, user) in roles


def organisations_acted_for(request, user=None, roles=ACTING_ROLES) -> list[Organisation]:
    """The organisations the person represents or edits for, by name."""
    user = request.identity if user is None else user
    if user is None:
        return []
    role = sa.case((Membership.is_representative, "representative"),
                   (Membership.is_editor, "editor"), else_="member")
    return list(request.dbsession.scalars(
        sa.select(Organisation).join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id, Membership.active(), role.in_(roles))
        .order_by(Organisation.name, Organisation.id)))


def workspace_organisation(request, roles=ACTING_ROLES) -> tuple[Organisation, str]:
    """The organisation of the URL (``id``) and the visitor's role there ("staff" for hub
    staff who are not members with one of ``roles``); 404 for anyone else, so that
    nobody learns which organisations exist behind the address."""
    try:
        org_id = int(request.matchdict["id"])
    except (KeyError, ValueError):
        raise HTTPNotFound() from None
    organisation = request.dbsession.get(Organisation, org_id)
    if organisation is None or request.identity is None:
        raise HTTPNotFound()
    role = role_in(request, organisation.id)
    if role in roles:
        return organisation, role
    if request.has_permission(STAFF):
        return organisation, "staff"
    raise HTTPNotFound()


def record(request, organisation_id: int, user_id: int | None, action: str,
           role: str = "member") -> None:
    """Add a line to the organisation's membership history (in the request's transaction)."""
    actor = request.identity
    request.dbsession.add(MembershipHistory(
        organisation_id=organisation_id, user_id=user_id, action=action, role=role,
        actor_id=actor.id if actor is not None else None))
