"""Invitations to an organisation: a representative invites by e-mail, the person answers.

Nobody becomes a member without agreeing: the invitation link (sent through the outbox,
valid for ``INVITATION_DAYS``) opens a page with the organisation, what membership means
and the text of the consent ``organisations.membership`` (scoped to the organisation).
A person without an account registers with the invited address and answers from My
organisations. Until then the representative sees "invited" and can cancel; an invitation
counts as a membership nowhere (see ``Membership``).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.accounts.models import User
from hub.consent import OutdatedText, Purpose, Subject, give
from hub.db import utcnow
from hub.i18n import _, localizer_for
from hub.mail import queue_mail
from hub.notifications import notify
from hub.organizations.models import (
    INVITATION_DAYS,
    Membership,
    MembershipRequest,
    Organisation,
)
from hub.security import AUTHENTICATED, PUBLIC

MEMBERSHIP_KIND = "organisations.membership"


def _describe(request, object_: str) -> str | None:
    kind, _sep, number = object_.partition(":")
    if kind != "organisation" or not number.isdigit():
        return None
    return request.dbsession.scalar(sa.select(Organisation.name)
                                    .where(Organisation.id == int(number)))


MEMBERSHIP_PURPOSE = Purpose(
    "organisations.membership",
    title={"cs": "Členství v organizaci", "en": "Membership of an organisation"},
    text={"cs": "Souhlasím, že se v hubu stanu členem nebo členkou této organizace. Její "
                "zástupci uvidí mé jméno a e-mailovou adresu, mohou mě přihlašovat na akce a "
                "psát mi o činnosti organizace. Členství vidí i tým hubu. Z organizace mohu "
                "kdykoli vystoupit na stránce Moje organizace nebo tento souhlas odvolat na "
                "stránce Moje souhlasy; členství tím hned skončí.",
          "en": "I agree to become a member of this organisation in the hub. Its "
                "representatives will see my name and e-mail address, may register me for "
                "events and write to me about the organisation's work. Hub staff see the "
                "membership too. I can leave the organisation on My organisations or "
                "withdraw this consent on My consents at any time; the membership then ends "
                "at once."},
    scoped=True, describe=_describe, order=40)


def consent_object(organisation_id: int) -> str:
    return f"organisation:{organisation_id}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise(address: str) -> str:
    return address.strip().lower()


def invite(request, organisation: Organisation, email: str, representative: bool,
           editor: bool = False) -> str:
    """Invite ``email`` to ``organisation`` and mail the link; returns "invited" or
    "member" (the address belongs to a member already: nothing is sent)."""
    db = request.dbsession
    email = normalise(email)
    account = db.scalar(sa.select(User).where(User.email == email, User.is_active.is_(True)))
    if account is not None and db.scalar(sa.select(Membership.id).where(
            Membership.organisation_id == organisation.id,
            Membership.user_id == account.id)) is not None:
        return "member"
    token = secrets.token_urlsafe(32)
    values = dict(state="invited", invitee_id=account.id if account else None,
                  invited_by_id=request.identity.id, is_representative=representative,
                  is_editor=editor and not representative,
                  token_digest=_digest(token), created_at=utcnow(), answered_at=None,
                  expires_at=utcnow() + dt.timedelta(days=INVITATION_DAYS))
    # Inviting again renews the invitation (a new link; the old one stops working). The
    # row is locked, so two representatives inviting at once make one invitation.
    found = db.scalar(sa.select(Membership).where(
        Membership.organisation_id == organisation.id, Membership.email == email)
        .with_for_update())
    if found is None:
        from hub.organizations.views import insert_once

        found = Membership(organisation_id=organisation.id, email=email, **values)
        if not insert_once(request, found):
            found = db.scalar(sa.select(Membership).where(
                Membership.organisation_id == organisation.id, Membership.email == email))
    for key, value in values.items():
        setattr(found, key, value)
    db.flush()
    _mail_invitation(request, organisation, email, account, token)
    return "invited"


def _mail_invitation(request, organisation, email, account, token) -> None:
    language = account.language if account is not None else request.locale_name
    localizer = localizer_for(request.registry, language)
    url = request.route_url("organisation_invitation", token=token)
    mapping = {"organisation": organisation.name, "name": request.identity.name,
               "days": INVITATION_DAYS, "url": url}
    lines = [
        _("${name} invites you to become a member of ${organisation} in the hub.",
          mapping=mapping),
        _("Open this link to see what membership means and to accept or decline (valid for "
          "${days} days):", mapping=mapping),
        url,
        _("You become a member only if you accept. If you do not have an account yet, create "
          "one with this e-mail address first. If you do not want to join, ignore this "
          "e-mail."),
    ]
    queue_mail(request, email,
               localizer.translate(_("Invitation to ${organisation}", mapping=mapping)),
               "\n\n".join(localizer.translate(line) for line in lines))


def invitations_for(request, user) -> list[tuple[Membership, Organisation]]:
    """Open invitations addressed to ``user`` (by account, or by a verified address)."""
    if user is None:
        return []
    by_address = (Membership.email == user.email) if user.email_verified_at else sa.false()
    return request.dbsession.execute(
        sa.select(Membership, Organisation)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.state == "invited", Membership.expires_at > utcnow(),
               sa.or_(Membership.invitee_id == user.id, by_address))
        .order_by(Organisation.name)).all()


def _is_for(invitation: Membership, user) -> bool:
    if invitation.invitee_id is not None:
        return invitation.invitee_id == user.id
    return invitation.email == normalise(user.email)


def _page(request, invitation: Membership | None, by_token: bool, errors=None):
    """The values of the answer page, with a status that says why it cannot be answered."""
    user = request.identity
    problem = None
    if invitation is None or invitation.state != "invited":
        problem = "gone"
    elif invitation.status() == "expired":
        problem = "expired"
    elif user is not None and not _is_for(invitation, user):
        problem = "other_person"
    if problem is not None:
        request.response.status = {"gone": 404, "expired": 410, "other_person": 403}[problem]
    organisation = (request.dbsession.get(Organisation, invitation.organisation_id)
                    if invitation is not None and problem != "gone" else None)
    language = request.locale_name
    return {
        "problem": problem, "invitation": invitation, "organisation": organisation,
        "consent_title": MEMBERSHIP_PURPOSE.title_in(language),
        "consent_text": MEMBERSHIP_PURPOSE.text_in(language),
        "consent_version": MEMBERSHIP_PURPOSE.text_version,
        "errors": errors or {},
        "login_url": request.route_path("login", _query={"next": request.path}),
        "register_url": request.route_path("register"),
        "breadcrumbs": [(_("My organisations"), request.route_path("my_organisations")),
                        (_("Invitation"), None)]}


def _by_token(request) -> Membership | None:
    token = request.matchdict["token"]
    if not 20 <= len(token) <= 100:
        return None
    return request.dbsession.scalar(sa.select(Membership).where(
        Membership.token_digest == _digest(token)))


@view_config(route_name="organisation_invitation",
             renderer="hub:templates/organizations/invitation.pt", permission=PUBLIC)
def invitation_by_link(request):
    """The link from the e-mail: anybody may read it; only the invited person answers."""
    invitation = _by_token(request)
    if request.method == "POST":
        return _answer(request, invitation, by_token=True)
    return _page(request, invitation, by_token=True)


@view_config(route_name="my_invitation", renderer="hub:templates/organizations/invitation.pt",
             permission=AUTHENTICATED)
def my_invitation(request):
    """The same page reached from My organisations (no link needed when signed in)."""
    number = request.matchdict["id"]
    invitation = request.dbsession.get(Membership, int(number)) if number.isdigit() else None
    if invitation is None or not _is_for(invitation, request.identity) or (
            invitation.invitee_id is None and not request.identity.email_verified_at):
        raise HTTPNotFound()
    if request.method == "POST":
        return _answer(request, invitation, by_token=False)
    return _page(request, invitation, by_token=False)


def _answer(request, invitation, by_token: bool):
    user = request.identity
    values = _page(request, invitation, by_token)
    if user is None:
        # Answering needs the account (the consent is recorded for it).
        return HTTPSeeOther(location=values["login_url"])
    if values["problem"] is not None:
        request.tm.doom()
        return values
    organisation = values["organisation"]
    action = request.POST.get("action")
    if action == "decline":
        invitation.state, invitation.token_digest = "declined", None
        invitation.answered_at = utcnow()
        _tell_representatives(request, invitation, organisation, user, accepted=False)
        request.session.flash(_("You have declined the invitation."), "success")
        return HTTPSeeOther(location=request.route_path("my_organisations"))
    if action != "accept":
        raise HTTPNotFound()
    if request.POST.get("consent") != "on":
        request.response.status = 422
        values["errors"] = {"consent": _("Tick the box to agree, or decline the invitation.")}
        return values
    try:
        give(request, Subject.of_user(user), MEMBERSHIP_PURPOSE.key,
             request.POST.get("consent_text_version", ""), "form",
             object=consent_object(organisation.id))
    except OutdatedText:
        request.tm.doom()
        request.response.status = 409
        values["errors"] = {"consent": _("The text has changed meanwhile. Read it again and "
                                         "tick the box if you agree.")}
        return values
    db = request.dbsession
    already = db.scalar(sa.select(Membership).where(
        Membership.organisation_id == organisation.id, Membership.user_id == user.id))
    if already is not None:
        # A member already (an approved request): the invitation is simply used up.
        db.delete(invitation)
    else:
        invitation.state, invitation.user_id = "active", user.id
        invitation.email = invitation.invitee_id = invitation.token_digest = None
        invitation.expires_at, invitation.answered_at = None, utcnow()
        from hub.organizations.access import record

        record(request, organisation.id, user.id, "joined", invitation.role)
    db.execute(sa.delete(MembershipRequest).where(
        MembershipRequest.organisation_id == organisation.id,
        MembershipRequest.user_id == user.id))
    db.flush()
    _tell_representatives(request, invitation, organisation, user, accepted=True)
    request.session.flash(_("You are now a member of ${organisation}.",
                            mapping={"organisation": organisation.name}), "success")
    return HTTPSeeOther(location=request.route_path("my_organisations"))


def _tell_representatives(request, invitation, organisation, user, accepted: bool) -> None:
    from hub.organizations.views import representatives

    mapping = {"name": user.name, "organisation": organisation.name}
    subject = (_("${name} accepted the invitation to ${organisation}", mapping=mapping)
               if accepted else
               _("${name} declined the invitation to ${organisation}", mapping=mapping))
    for rep in representatives(request, organisation):
        notify(request, rep, MEMBERSHIP_KIND, subject, mapping=mapping,
               url=request.route_url("organisation_manage", id=organisation.id))


@view_config(route_name="organisation_invitation_cancel", request_method="POST",
             permission=AUTHENTICATED)
def cancel(request):
    """A representative withdraws an invitation (open, expired or declined)."""
    from hub.organizations.views import managed_organisation

    organisation = managed_organisation(request)
    number = request.matchdict["invitation_id"]
    invitation = request.dbsession.scalar(sa.select(Membership).where(
        Membership.id == (int(number) if number.isdigit() else -1),
        Membership.organisation_id == organisation.id, Membership.state != "active"))
    if invitation is None:
        raise HTTPNotFound()
    request.dbsession.delete(invitation)
    request.session.flash(_("The invitation has been cancelled."), "success")
    return HTTPSeeOther(location=request.route_path("organisation_manage", id=organisation.id))
