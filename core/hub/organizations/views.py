"""Organisation members: representatives manage members, roles and invitations and hand
the organisation over; users ask to join and leave; hub staff manage every organisation.
Every change of a membership is recorded (``hub.organizations.access.record``). The
workspace and the profile editor are in ``hub.organizations.workspace``."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.accounts.forms import Field, Form
from hub.accounts.models import User
from hub.consent import Subject, withdraw
from hub.db import utcnow
from hub.i18n import _, localizer_for
from hub.notifications import notify
from hub.organizations.access import record
from hub.organizations.invitations import (
    MEMBERSHIP_KIND,
    MEMBERSHIP_PURPOSE,
    consent_object,
    invitations_for,
    invite,
)
from hub.organizations.models import KINDS, Membership, MembershipRequest, Organisation
from hub.security import AUTHENTICATED, STAFF

KIND_LABELS = {
    "patient_organisation": _("Patient organisation"),
    "ngo": _("Non-governmental organisation"),
    "professional_body": _("Professional body"),
    "university": _("University or research institute"),
    "company": _("Company"),
    "public_body": _("Public body"),
    "other": _("Other"),
}


@dataclass
class MembershipView:
    membership: Membership
    organisation: Organisation


def memberships_of(request, user) -> list[MembershipView]:
    rows = request.dbsession.execute(
        sa.select(Membership, Organisation)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user.id, Membership.active())
        .order_by(Organisation.name)).all()
    return [MembershipView(m, o) for m, o in rows]


def can_manage(request, organisation: Organisation) -> bool:
    user = request.identity
    if user is None:
        return False
    if request.has_permission(STAFF):
        return True
    return request.dbsession.scalar(sa.select(Membership.id).where(
        Membership.organisation_id == organisation.id, Membership.user_id == user.id,
        Membership.active(), Membership.is_representative.is_(True))) is not None


def managed_organisation(request) -> Organisation:
    """The organisation of the URL if the user manages it; 404 otherwise (no existence leak)."""
    try:
        org_id = int(request.matchdict["id"])
    except ValueError:
        raise HTTPNotFound() from None
    organisation = request.dbsession.get(Organisation, org_id)
    if organisation is None or not can_manage(request, organisation):
        raise HTTPNotFound()
    return organisation


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:100] or "organizace"


def unique_slug(dbsession, name: str) -> str:
    base = slugify(name)
    taken = set(dbsession.scalars(sa.select(Organisation.slug).where(
        Organisation.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def organisation_form(request, organisation: Organisation | None) -> Form:
    values = {} if organisation is None else {
        "name": organisation.name, "kind": organisation.kind,
        "description": organisation.description,
        "description_en": organisation.description_en, "website": organisation.website,
        "email": organisation.email, "region": organisation.region}
    values.setdefault("kind", "patient_organisation")
    return Form(request, [
        Field("name", _("Name of the organisation"), maxlength=200, autocomplete="organization"),
        Field("kind", _("Kind"), "select", options=tuple((k, KIND_LABELS[k]) for k in KINDS)),
        Field("description", _("Description"), "textarea", required=False, maxlength=5000),
        Field("description_en", _("Description in English"), "textarea", required=False,
              maxlength=5000, hint=_("The English version, for visitors reading the hub in "
                                     "English. Leave empty to show the Czech text.")),
        Field("website", _("Website"), "url", required=False, maxlength=300,
              hint=_("A full address starting with https://")),
        Field("email", _("Contact e-mail"), "email", required=False, maxlength=254),
        Field("region", _("Region"), required=False, maxlength=100),
    ], values=values)


def read_organisation(form: Form) -> dict:
    values = form.read()
    if values["website"] and not re.match(r"^https?://[^\s/]+\.[^\s]+$", values["website"]):
        form.error("website", _("Enter a web address starting with https://"))
    if values["email"] and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", values["email"]):
        form.error("email", _("Enter an e-mail address like name@example.cz."))
    return values


def apply_organisation(organisation: Organisation, values: dict) -> None:
    for key in ("name", "kind", "description", "description_en", "website", "email",
                "region"):
        setattr(organisation, key, values[key])


def insert_once(request, row) -> bool:
    """Add ``row``; False when a unique constraint says it exists already (a race or a
    repeated form), without spoiling the request's transaction."""
    try:
        with request.dbsession.begin_nested():
            request.dbsession.add(row)
            request.dbsession.flush()
    except sa.exc.IntegrityError:
        return False
    return True


def representatives(request, organisation: Organisation) -> list[User]:
    return list(request.dbsession.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, Membership.active(),
               Membership.is_representative.is_(True), User.is_active.is_(True))))


# -- a user's own organisations -------------------------------------------------------------

def join_form(request, user) -> Form:
    mine = sa.select(Membership.organisation_id).where(Membership.user_id == user.id)
    asked = sa.select(MembershipRequest.organisation_id).where(
        MembershipRequest.user_id == user.id)
    choices = request.dbsession.execute(
        sa.select(Organisation.id, Organisation.name)
        .where(Organisation.id.not_in(mine), Organisation.id.not_in(asked))
        .order_by(Organisation.name)).all()
    return Form(request, [
        Field("organisation", _("Organisation"), "select",
              options=tuple((str(i), n) for i, n in choices)),
        Field("message", _("Message to the representatives"), "textarea", required=False,
              maxlength=1000),
    ])


@view_config(route_name="my_organisations", renderer="hub:templates/organizations/mine.pt",
             permission=AUTHENTICATED)
def my_organisations(request):
    user = request.identity
    form = join_form(request, user)
    if request.method == "POST":
        values = form.read()
        if form.ok:
            organisation = request.dbsession.get(Organisation, int(values["organisation"]))
            if insert_once(request, MembershipRequest(organisation_id=organisation.id,
                                                      user_id=user.id,
                                                      message=values["message"])):
                for rep in representatives(request, organisation):
                    notify(request, rep, MEMBERSHIP_KIND,
                           _("${name} asks to join ${organisation}",
                             mapping={"name": user.name, "organisation": organisation.name}),
                           url=request.route_url("organisation_manage", id=organisation.id))
            request.session.flash(_("Your request has been sent to the organisation's "
                                    "representatives."), "success")
            return HTTPSeeOther(location=request.route_path("my_organisations"))
    pending = request.dbsession.execute(
        sa.select(MembershipRequest, Organisation)
        .join(Organisation, Organisation.id == MembershipRequest.organisation_id)
        .where(MembershipRequest.user_id == user.id).order_by(Organisation.name)).all()
    return {"memberships": memberships_of(request, user), "pending": pending,
            "invitations": invitations_for(request, user), "form": form,
            "form_id": "join-form", "action": request.route_path("my_organisations"),
            "submit": _("Ask to join"), "kind_labels": KIND_LABELS,
            "breadcrumbs": [(_("My organisations"), None)]}


@view_config(route_name="organisation_leave", request_method="POST", permission=AUTHENTICATED)
def leave(request):
    user = request.identity
    try:
        org_id = int(request.matchdict["id"])
    except ValueError:
        raise HTTPNotFound() from None
    # Leaving withdraws the consent to the membership as well (as easy as giving it).
    mine = request.dbsession.scalar(sa.select(Membership).where(
        Membership.organisation_id == org_id, Membership.user_id == user.id))
    if mine is not None and mine.is_representative and len(representatives(
            request, request.dbsession.get(Organisation, org_id))) <= 1:
        request.session.flash(_("You are the organisation's only representative. Hand the "
                                "organisation over to another member before you leave."),
                              "error")
        return HTTPSeeOther(location=request.route_path("my_organisations"))
    # Withdrawing the consent ends the membership and records it (hooks), as easy as giving.
    withdraw(request, Subject.of_user(user), MEMBERSHIP_PURPOSE.key, "form",
             object=consent_object(org_id))
    request.dbsession.flush()
    left = request.dbsession.execute(sa.delete(Membership).where(
        Membership.organisation_id == org_id, Membership.user_id == user.id)
        .returning(Membership.is_representative, Membership.is_editor)).first()
    if left is not None:
        record(request, org_id, user.id, "left",
               "representative" if left[0] else ("editor" if left[1] else "member"))
    request.dbsession.execute(sa.delete(MembershipRequest).where(
        MembershipRequest.organisation_id == org_id, MembershipRequest.user_id == user.id))
    request.session.flash(_("Done: you are no longer a member, and no request of yours is "
                            "waiting."), "success")
    return HTTPSeeOther(location=request.route_path("my_organisations"))


# -- managing an organisation -----------------------------------------------------------------

def manage_values(request, organisation, add_form=None):
    members = request.dbsession.execute(
        sa.select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation.id, Membership.active())
        .order_by(User.name)).all()
    invited = request.dbsession.scalars(
        sa.select(Membership).where(Membership.organisation_id == organisation.id,
                                    Membership.state != "active")
        .order_by(Membership.email)).all()
    waiting = request.dbsession.execute(
        sa.select(MembershipRequest, User).join(User, User.id == MembershipRequest.user_id)
        .where(MembershipRequest.organisation_id == organisation.id)
        .order_by(MembershipRequest.created_at)).all()
    from hub.organizations.workspace import ROLE_LABELS, history_html

    return {"organisation": organisation, "members": members, "waiting": waiting,
            "invited": invited, "now": utcnow(),
            "add_form": add_form or add_member_form(request),
            "add_submit": _("Send the invitation"), "kind_labels": KIND_LABELS,
            "roles": ROLE_LABELS, "history": history_html(request, organisation, 50),
            "is_member": any(u.id == request.identity.id for _m, u in members),
            "breadcrumbs": [(_("My organisations"), request.route_path("my_organisations")),
                            (organisation.name, request.route_path(
                                "organisation_workspace", id=organisation.id)),
                            (_("Members"), None)]}


def add_member_form(request) -> Form:
    return Form(request, [
        Field("email", _("E-mail of the person"), "email", maxlength=254,
              hint=_("We send the person an invitation. They become a member only when "
                     "they accept it; without an account they register first.")),
        Field("role", _("Role"), "select", options=(
            ("member", _("Member")),
            ("editor", _("Editor: edits the profile, drafts events and news")),
            ("representative", _("Representative: also manages members and roles")))),
    ], values={"role": "member"}, id_prefix="invite")


@view_config(route_name="organisation_manage", renderer="hub:templates/organizations/manage.pt",
             permission=AUTHENTICATED, request_method="GET")
def manage(request):
    return manage_values(request, managed_organisation(request))


@view_config(route_name="organisation_members", renderer="hub:templates/organizations/manage.pt",
             request_method="POST", permission=AUTHENTICATED)
def add_member(request):
    """Invite a person by e-mail; they become a member only by accepting."""
    organisation = managed_organisation(request)
    form = add_member_form(request)
    values = form.read()
    if form.ok and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", values["email"]):
        form.error("email", _("Enter an e-mail address like name@example.cz."))
    if not form.ok:
        request.response.status = 422
        return manage_values(request, organisation, add_form=form)
    if invite(request, organisation, values["email"], values["role"] == "representative",
              editor=values["role"] == "editor") == "member":
        request.session.flash(_("${email} is already a member.",
                                mapping={"email": values["email"]}))
    else:
        request.session.flash(_("The invitation has been sent to ${email}. The person becomes "
                                "a member when they accept it.",
                                mapping={"email": values["email"]}), "success")
    return HTTPSeeOther(location=request.route_path("organisation_manage", id=organisation.id))


@view_config(route_name="organisation_member", request_method="POST", permission=AUTHENTICATED)
def change_member(request):
    organisation = managed_organisation(request)
    membership = request.dbsession.scalar(sa.select(Membership).where(
        Membership.organisation_id == organisation.id,
        Membership.user_id == _int(request.matchdict["user_id"])))
    if membership is None:
        raise HTTPNotFound()
    action = request.POST.get("action")
    back = HTTPSeeOther(location=request.route_path("organisation_manage", id=organisation.id))
    if action not in ("representative", "editor", "member", "remove", "hand_over"):
        raise HTTPNotFound()
    me = request.identity
    last_rep = membership.is_representative and len(representatives(request, organisation)) <= 1
    if action in ("remove", "member", "editor") and last_rep \
            and not request.has_permission(STAFF):
        request.session.flash(_("An organisation needs at least one representative. Make "
                                "someone else a representative first."), "error")
        return back
    user_id = membership.user_id
    if action == "hand_over":
        # The organisation hands itself over: the chosen member becomes a representative
        # and the representative who hands over becomes an ordinary member.
        mine = request.dbsession.scalar(sa.select(Membership).where(
            Membership.organisation_id == organisation.id, Membership.user_id == me.id,
            Membership.active(), Membership.is_representative.is_(True)))
        if mine is None or user_id == me.id:
            request.session.flash(_("Only a representative can hand the organisation over, "
                                    "and only to another member."), "error")
            return back
        membership.set_role("representative")
        mine.set_role("member")
        record(request, organisation.id, user_id, "handed_over", "representative")
        record(request, organisation.id, me.id, "role_changed", "member")
        _tell_new_role(request, organisation, user_id, "representative")
        request.session.flash(_("The organisation has been handed over. You are now an "
                                "ordinary member."), "success")
        return HTTPSeeOther(location=request.route_path("my_organisations"))
    if action == "remove":
        record(request, organisation.id, user_id, "removed", membership.role)
        request.dbsession.delete(membership)
        _tell_removed(request, organisation, user_id)
    elif membership.role != action:
        membership.set_role(action)
        record(request, organisation.id, user_id, "role_changed", action)
        _tell_new_role(request, organisation, user_id, action)
    request.session.flash(_("The membership has been changed."), "success")
    if user_id == me.id and action != "representative" \
            and not request.has_permission(STAFF):
        return HTTPSeeOther(location=request.route_path("my_organisations"))
    return back


def _tell_new_role(request, organisation, user_id: int, role: str) -> None:
    from hub.organizations.workspace import ROLE_LABELS

    if user_id == request.identity.id:
        return
    user = request.dbsession.get(User, user_id)
    label = localizer_for(request.registry, user.language).translate(ROLE_LABELS[role])
    notify(request, user, MEMBERSHIP_KIND,
           _("Your role in ${organisation}: ${role}",
             mapping={"organisation": organisation.name, "role": label}),
           url=request.route_url("my_organisations"))


def _tell_removed(request, organisation, user_id: int) -> None:
    # Someone who removes themselves knows it already.
    if user_id == request.identity.id:
        return
    user = request.dbsession.get(User, user_id)
    notify(request, user, MEMBERSHIP_KIND,
           _("You are no longer a member of ${organisation}",
             mapping={"organisation": organisation.name}),
           _("You have been removed from the members of ${organisation}. If you think this "
             "is a mistake, write to the organisation or to the hub's staff.",
             mapping={"organisation": organisation.name}),
           url=request.route_url("my_organisations"))


@view_config(route_name="organisation_request", request_method="POST", permission=AUTHENTICATED)
def decide_request(request):
    organisation = managed_organisation(request)
    asked = request.dbsession.scalar(sa.select(MembershipRequest).where(
        MembershipRequest.organisation_id == organisation.id,
        MembershipRequest.id == _int(request.matchdict["request_id"])))
    if asked is None:
        raise HTTPNotFound()
    user = request.dbsession.get(User, asked.user_id)
    action = request.POST.get("action")
    if action == "approve":
        if insert_once(request, Membership(organisation_id=organisation.id, user_id=user.id)):
            record(request, organisation.id, user.id, "joined")
        notify(request, user, MEMBERSHIP_KIND,
               _("You are now a member of ${organisation}",
                 mapping={"organisation": organisation.name}),
               url=request.route_url("my_organisations"))
        request.session.flash(_("${name} is now a member.", mapping={"name": user.name}),
                              "success")
    elif action == "decline":
        notify(request, user, MEMBERSHIP_KIND,
               _("Your request to join ${organisation} was declined",
                 mapping={"organisation": organisation.name}))
        request.session.flash(_("The request has been declined."), "success")
    else:
        raise HTTPNotFound()
    request.dbsession.execute(sa.delete(MembershipRequest).where(
        MembershipRequest.id == asked.id))
    return HTTPSeeOther(location=request.route_path("organisation_manage", id=organisation.id))


def _int(value) -> int:
    try:
        return int(value)
    except ValueError:
        raise HTTPNotFound() from None


def includeme(config):
    config.add_route("my_organisations", "/my/organisations")
    config.add_route("organisation_leave", "/my/organisations/{id}/leave")
    config.add_route("organisation_workspace", "/organisation/{id}")
    config.add_route("organisation_profile", "/organisation/{id}/profile")
    config.add_route("organisation_manage", "/organisation/{id}/manage")
    config.add_route("organisation_members", "/organisation/{id}/members")
    config.add_route("organisation_member", "/organisation/{id}/members/{user_id}")
    config.add_route("organisation_request", "/organisation/{id}/requests/{request_id}")
    config.add_route("organisation_invitation_cancel",
                     "/organisation/{id}/invitations/{invitation_id}/cancel")
    config.add_route("organisation_invitation", "/organisation/invitation/{token}")
    config.add_route("my_invitation", "/my/organisations/invitations/{id}")
    config.scan("hub.organizations.views")
    config.scan("hub.organizations.invitations")
    config.scan("hub.organizations.workspace")
    config.include("hub.organizations.public")
    config.include("hub.organizations.news")
    config.include("hub.organizations.relay")
    config.include("hub.organizations.groups")
