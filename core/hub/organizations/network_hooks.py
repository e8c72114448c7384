"""Hook implementations of organisation news, the contact relay and working groups (an
internal plugin of the core)."""
from __future__ import annotations

import sqlalchemy as sa

from hub.contributions import NavItem, NotificationKind, PeriodicJob, WorkspaceSection
from hub.i18n import _
from hub.markers import hookimpl
from hub.security import PUBLIC, STAFF


@hookimpl
def hub_navigation(request, menu):
    if menu == "main":
        return [NavItem(_("Working groups"), route="working_groups", permission=PUBLIC,
                        order=70, match=("working_group",))]
    if menu == "admin":
        return [NavItem(_("News of organisations"), route="admin_organisation_news",
                        permission=STAFF, order=22, match=("admin_organisation_news",)),
                NavItem(_("Messages between members"), route="admin_relay",
                        permission=STAFF, order=24, match=("admin_relay",))]
    return None


@hookimpl
def hub_organisation_workspace():
    from hub.organizations import groups, news

    return [WorkspaceSection("news", _("News"), news.workspace_section, order=40),
            WorkspaceSection("working_groups", _("Working groups"), groups.workspace_section,
                             order=60)]


@hookimpl
def hub_notification_kinds():
    return [
        NotificationKind("organisations.news", _("News of organisations"),
                         _("Posts sent for review, published or returned.")),
        NotificationKind("organisations.relay_report", _("Reported messages"),
                         _("Messages sent through the hub that a recipient reported.")),
        NotificationKind("organisations.working_group", _("Working groups"),
                         _("Announcements of your organisations' working groups and "
                           "organisations joining the groups you coordinate.")),
    ]


@hookimpl
def hub_consent_purposes():
    from hub.organizations.relay import REACHABLE_PURPOSE

    return [REACHABLE_PURPOSE]


@hookimpl
def hub_periodic_jobs():
    from hub.organizations.relay import apply_retention

    return [PeriodicJob("hub.organizations.relay_retention", apply_retention, minute="25",
                        hour="3")]


@hookimpl
def hub_personal_data_tables():
    return ["organisation_news", "relay_message", "relay_block", "working_group",
            "working_group_member", "working_group_announcement"]


@hookimpl
def hub_personal_data_export(request, user):
    from hub.organizations.models import Organisation
    from hub.organizations.network_models import (
        OrganisationNews,
        WorkingGroup,
        WorkingGroupAnnouncement,
    )
    from hub.organizations.relay import export_person

    db = request.dbsession
    news = db.execute(sa.select(OrganisationNews, Organisation.name).join(
        Organisation, Organisation.id == OrganisationNews.organisation_id)
        .where(OrganisationNews.author_id == user.id).order_by(OrganisationNews.id)).all()
    announcements = db.execute(sa.select(WorkingGroupAnnouncement, WorkingGroup.name).join(
        WorkingGroup, WorkingGroup.id == WorkingGroupAnnouncement.group_id)
        .where(WorkingGroupAnnouncement.author_id == user.id)
        .order_by(WorkingGroupAnnouncement.id)).all()
    coordinated = db.scalars(sa.select(WorkingGroup.name).where(
        WorkingGroup.coordinator_id == user.id).order_by(WorkingGroup.id)).all()
    return {
        _("News I wrote for organisations"): [
            {"organisation": name, "title": p.title, "text": p.body, "state": p.state,
             "created_at": p.created_at} for p, name in news],
        _("Working groups I coordinate"): [{"group": name} for name in coordinated],
        _("My announcements in working groups"): [
            {"group": name, "title": a.title, "text": a.body, "at": a.created_at}
            for a, name in announcements],
        **export_person(request, user),
    }


@hookimpl
def hub_personal_data_erase(request, user):
    from hub.organizations.network_models import (
        OrganisationNews,
        WorkingGroup,
        WorkingGroupAnnouncement,
        WorkingGroupMember,
    )
    from hub.organizations.relay import erase_person

    db = request.dbsession
    # What the person published for an organisation or a group stays with it, unsigned.
    for model, column in ((OrganisationNews, OrganisationNews.author_id),
                          (WorkingGroupAnnouncement, WorkingGroupAnnouncement.author_id),
                          (WorkingGroup, WorkingGroup.coordinator_id),
                          (WorkingGroupMember, WorkingGroupMember.joined_by_id)):
        db.execute(sa.update(model).where(column == user.id).values({column.key: None}))
    erase_person(request, user)
