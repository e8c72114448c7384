"""Users (search, view, role, deactivation) and organisations (list, create)."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.accounts.forms import local_datetime
from hub.accounts.models import ROLES, AuditEvent, User
from hub.accounts.views import ROLE_LABELS
from hub.i18n import _
from hub.organizations.models import Membership, Organisation
from hub.organizations.views import (
    KIND_LABELS,
    apply_organisation,
    insert_once,
    memberships_of,
    organisation_form,
    read_organisation,
    unique_slug,
)
from hub.params import page_param
from hub.security import ADMIN, AUTHENTICATED, STAFF
from hub.sessions import end_sessions_of

PAGE_SIZE = 50


def _like(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches(request, column, query: str):
    """Case-insensitive substring match, Czech letters included.

    PostgreSQL's ILIKE knows them; SQLite's LIKE folds ASCII only, so the usual spellings
    of the query are tried as well.
    """
    if request.dbsession.get_bind().dialect.name == "postgresql":
        return column.ilike(_like(query), escape="\\")
    variants = {query, query.lower(), query.upper(), query.capitalize(), query.title()}
    return sa.or_(*(column.like(_like(v), escape="\\") for v in sorted(variants)))


@view_config(route_name="admin_index", renderer="hub:templates/admin/index.pt",
             permission=AUTHENTICATED)
def index(request):
    """The administration areas this person may use: the items of the admin menu, built by
    the same hook and filtered by the same permissions (not only staff hold some of them)."""
    areas = request.shell.menu("admin")
    if not areas:
        raise HTTPForbidden()
    return {"areas": areas, "breadcrumbs": [(_("Administration"), None)]}


@view_config(route_name="admin_users", renderer="hub:templates/admin/users.pt", permission=STAFF)
def users(request):
    query = request.params.get("q", "").strip()[:200]
    role = request.params.get("role", "")
    stmt = sa.select(User).where(User.erased_at.is_(None))
    if query:
        stmt = stmt.where(sa.or_(matches(request, User.name, query),
                                 matches(request, User.email, query)))
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    page = page_param(request)
    found = request.dbsession.scalars(stmt.order_by(User.name, User.id)
                                      .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    # Representing an organisation is a membership, not a role: shown next to the role.
    representatives = set(request.dbsession.scalars(sa.select(Membership.user_id).where(
        Membership.user_id.in_([u.id for u in found]),
        Membership.is_representative.is_(True)))) if found else set()
    return {"users": found[:PAGE_SIZE], "query": query, "role": role, "page": page,
            "representatives": representatives,
            "has_next": len(found) > PAGE_SIZE, "role_labels": ROLE_LABELS, "roles": ROLES,
            "breadcrumbs": [(_("Users"), None)]}


def _user(request) -> User:
    try:
        user = request.dbsession.get(User, int(request.matchdict["id"]))
    except ValueError:
        user = None
    if user is None:
        raise HTTPNotFound()
    return user


@view_config(route_name="admin_user", renderer="hub:templates/admin/user.pt", permission=STAFF)
def user_detail(request):
    user = _user(request)
    events = request.dbsession.scalars(sa.select(AuditEvent).where(
        AuditEvent.subject_id == user.id).order_by(AuditEvent.id.desc()).limit(20)).all()
    return {"person": user, "memberships": memberships_of(request, user),
            "role_labels": ROLE_LABELS, "roles": ROLES, "events": events,
            "when": lambda value: local_datetime(request, value),
            "can_change_role": request.has_permission(ADMIN) and user.id != request.identity.id,
            "can_toggle": may_toggle(request, user),
            "breadcrumbs": [(_("Users"), request.route_path("admin_users")), (user.name, None)]}


def may_toggle(request, user: User) -> bool:
    if user.id == request.identity.id or user.erased_at is not None:
        return False
    return request.has_permission(ADMIN) or user.role == "member"


@view_config(route_name="admin_user_role", request_method="POST", permission=ADMIN)
def change_role(request):
    user = _user(request)
    role = request.POST.get("role")
    if role not in ROLES or user.id == request.identity.id:
        request.session.flash(_("This role cannot be set."), "error")
    elif role != user.role:
        request.dbsession.add(AuditEvent(actor_id=request.identity.id, subject_id=user.id,
                                         action="role_changed",
                                         details={"from": user.role, "to": role}))
        user.role = role
        request.session.flash(_("The role has been changed."), "success")
    return HTTPSeeOther(location=request.route_path("admin_user", id=user.id))


@view_config(route_name="admin_user_active", request_method="POST", permission=STAFF)
def toggle_active(request):
    user = _user(request)
    if not may_toggle(request, user):
        raise HTTPForbidden()
    active = request.POST.get("active") == "1"
    if active != user.is_active:
        user.is_active = active
        request.dbsession.add(AuditEvent(actor_id=request.identity.id, subject_id=user.id,
                                         action="activated" if active else "deactivated"))
        if not active:
            end_sessions_of(request, user)
        request.session.flash(_("The account has been activated.") if active
                              else _("The account has been deactivated and signed out."),
                              "success")
    return HTTPSeeOther(location=request.route_path("admin_user", id=user.id))


@view_config(route_name="admin_organisations", renderer="hub:templates/admin/organisations.pt",
             permission=STAFF)
def organisations(request):
    query = request.params.get("q", "").strip()[:200]
    members = (sa.select(sa.func.count(Membership.id))
               .where(Membership.organisation_id == Organisation.id, Membership.active())
               .scalar_subquery())
    stmt = sa.select(Organisation, members.label("members"))
    if query:
        stmt = stmt.where(matches(request, Organisation.name, query))
    page = page_param(request)
    rows = request.dbsession.execute(stmt.order_by(Organisation.name)
                                     .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return {"rows": rows[:PAGE_SIZE], "query": query, "page": page,
            "has_next": len(rows) > PAGE_SIZE, "kind_labels": KIND_LABELS,
            "breadcrumbs": [(_("Organisations"), None)]}


@view_config(route_name="admin_organisation_new", renderer="hub:templates/accounts/form_page.pt",
             permission=STAFF)
def new_organisation(request):
    form = organisation_form(request, None)
    if request.method == "POST":
        values = read_organisation(form)
        if form.ok:
            organisation = Organisation(slug=unique_slug(request.dbsession, values["name"]))
            apply_organisation(organisation, values)
            if insert_once(request, organisation):
                request.session.flash(_("The organisation has been created. Add its "
                                        "representatives below."), "success")
                return HTTPSeeOther(location=request.route_path("organisation_manage",
                                                                id=organisation.id))
            form.error("name", _("An organisation with a similar name was created at the "
                                 "same moment. Try again."))
    return {"heading": _("New organisation"), "form": form, "submit": _("Create"),
            "form_id": "organisation-form", "intro": [],
            "action": request.route_path("admin_organisation_new"), "links": [],
            "breadcrumbs": [(_("Organisations"), request.route_path("admin_organisations")),
                            (_("New organisation"), None)]}
