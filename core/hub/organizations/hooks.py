"""Hook implementations of the core's organizations (an internal plugin)."""
from __future__ import annotations

import sqlalchemy as sa

from hub.contributions import NavItem, Widget
from hub.i18n import _
from hub.markers import hookimpl
from hub.security import AUTHENTICATED, STAFF


@hookimpl
def hub_navigation(request, menu):
    if menu == "user":
        return [NavItem(_("My organisations"), route="my_organisations",
                        permission=AUTHENTICATED, order=30,
                        match=("my_organisations", "organisation_"))]
    if menu == "admin":
        return [NavItem(_("Organisations"), route="admin_organisations", permission=STAFF,
                        order=20, match=("admin_organisation",))]
    return None


def _my_organisations_widget(request):
    from hub.organizations.views import memberships_of
    from hub.shell import render_snippet

    return render_snippet(request, "hub:templates/organizations/widget.pt",
                          {"memberships": memberships_of(request, request.identity)})


@hookimpl
def hub_dashboard_widgets(request):
    return [Widget("my-organisations", _("My organisations"), _my_organisations_widget,
                   where="dashboard", order=20, permission=AUTHENTICATED,
                   cache_tables=("membership", "organisation"), cache_per_user=True)]


@hookimpl
def hub_organisation_workspace():
    from hub.organizations.workspace import core_sections

    return core_sections()


@hookimpl
def hub_personal_data_tables():
    return ["membership", "membership_request", "membership_history"]


@hookimpl
def hub_personal_data_export(request, user):
    from hub.organizations.models import (
        Membership,
        MembershipHistory,
        MembershipRequest,
        Organisation,
    )

    db = request.dbsession
    members = db.execute(sa.select(Membership, Organisation.name).join(
        Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user.id).order_by(Membership.id)).all()
    invited = db.execute(sa.select(Membership, Organisation.name).join(
        Organisation, Organisation.id == Membership.organisation_id)
        .where(_invitations_of(user)).order_by(Membership.id)).all()
    asked = db.execute(sa.select(MembershipRequest, Organisation.name).join(
        Organisation, Organisation.id == MembershipRequest.organisation_id)
        .where(MembershipRequest.user_id == user.id).order_by(MembershipRequest.id)).all()
    return {
        _("Organisation memberships"): [
            {"organisation": name, "representative": m.is_representative,
             "since": m.answered_at or m.created_at} for m, name in members],
        _("Invitations to organisations"): [
            {"organisation": name, "email": m.email, "state": m.status(),
             "as_representative": m.is_representative, "invited_at": m.created_at,
             "expires_at": m.expires_at, "answered_at": m.answered_at}
            for m, name in invited],
        _("Requests to join organisations"): [
            {"organisation": name, "message": r.message, "created_at": r.created_at}
            for r, name in asked],
        _("Changes of my memberships"): [
            {"organisation": name, "action": h.action, "role": h.role, "at": h.at,
             "by_me": h.actor_id == user.id}
            for h, name in db.execute(
                sa.select(MembershipHistory, Organisation.name).join(
                    Organisation, Organisation.id == MembershipHistory.organisation_id)
                .where(MembershipHistory.user_id == user.id)
                .order_by(MembershipHistory.id)).all()],
    }


def _invitations_of(user):
    from hub.organizations.models import Membership

    return sa.and_(Membership.state != "active", sa.or_(
        Membership.invitee_id == user.id, Membership.email == user.email.lower()))


@hookimpl
def hub_personal_data_erase(request, user):
    from hub.organizations.models import Membership, MembershipRequest

    db = request.dbsession
    for model in (Membership, MembershipRequest):
        db.execute(sa.delete(model).where(model.user_id == user.id))
    db.execute(sa.delete(Membership).where(_invitations_of(user)))
    # Invitations this person sent stay with the organisation, without naming them.
    db.execute(sa.update(Membership).where(Membership.invited_by_id == user.id)
               .values(invited_by_id=None))
    # The organisation's history of its members stays, without naming the person.
    from hub.organizations.models import MembershipHistory

    db.execute(sa.update(MembershipHistory).where(MembershipHistory.user_id == user.id)
               .values(user_id=None))
    db.execute(sa.update(MembershipHistory).where(MembershipHistory.actor_id == user.id)
               .values(actor_id=None))


@hookimpl
def hub_consent_purposes():
    from hub.organizations.invitations import MEMBERSHIP_PURPOSE

    return [MEMBERSHIP_PURPOSE]


@hookimpl
def hub_consent_changed(request, purpose, record):
    from hub.organizations.invitations import MEMBERSHIP_PURPOSE
    from hub.organizations.models import Membership

    # A membership rests on the person's consent: withdrawing it ends the membership.
    if purpose.key != MEMBERSHIP_PURPOSE.key or record.action != "withdrawn" \
            or record.user_id is None:
        return
    kind, _sep, number = record.object.partition(":")
    if kind == "organisation" and number.isdigit():
        from hub.organizations.access import record as record_history

        ended = request.dbsession.execute(sa.delete(Membership).where(
            Membership.organisation_id == int(number), Membership.user_id == record.user_id)
            .returning(Membership.is_representative, Membership.is_editor)).first()
        if ended is not None:
            role = "representative" if ended[0] else ("editor" if ended[1] else "member")
            record_history(request, int(number), record.user_id, "left", role)


@hookimpl
def hub_notification_kinds():
    from hub.contributions import NotificationKind

    return [NotificationKind("organisations.membership", _("Organisation membership"),
                             _("Requests to join your organisation and their answers."))]


@hookimpl
def hub_translations_missing(request):
    """Organisations whose public description has no English version."""
    from hub.organizations.models import Organisation
    from hub.organizations.workspace import profile_url
    from hub.translations import MissingTranslation

    found = request.dbsession.scalars(
        sa.select(Organisation)
        .where(sa.func.trim(Organisation.description) != "",
               sa.func.trim(Organisation.description_en) == "")
        .order_by(Organisation.name, Organisation.id))
    return [MissingTranslation(kind=_("Organisation"), title=organisation.name,
                               url=profile_url(request, organisation),
                               fields=tuple(organisation.missing_translations()))
            for organisation in found]
