"""Who is told about what organisations do: the people acting for an organisation and the
hub staff who review what organisations publish."""
from __future__ import annotations

import sqlalchemy as sa

from hub.accounts.models import User
from hub.organizations.models import Membership


def acting_people(request, organisation_ids, roles=("representative", "editor")) -> list[User]:
    """Active accounts of the representatives (and editors, per ``roles``) of the
    organisations, each once."""
    ids = [organisation_ids] if isinstance(organisation_ids, int) else list(organisation_ids)
    if not ids:
        return []
    wanted = []
    if "representative" in roles:
        wanted.append(Membership.is_representative.is_(True))
    if "editor" in roles:
        wanted.append(Membership.is_editor.is_(True))
    return list(request.dbsession.scalars(
        sa.select(User).where(User.id.in_(
            sa.select(Membership.user_id).where(
                Membership.organisation_id.in_(ids), Membership.active(), sa.or_(*wanted))),
            User.is_active.is_(True)).order_by(User.id)))


def staff_people(request) -> list[User]:
    """The hub staff and administrators with an active account."""
    return list(request.dbsession.scalars(sa.select(User).where(
        User.role.in_(("staff", "admin")), User.is_active.is_(True)).order_by(User.id)))
