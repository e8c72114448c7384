"""The member's answer to a registration proposed on their behalf (the personal link)."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.accounts.models import User
from hub.organizations.models import Organisation
from hub.security import PUBLIC
from hub_events import on_behalf, services
from hub_events.i18n import _
from hub_events.models import Event
from hub_events.services import RegistrationError
from hub_events.views import labels

REGISTERED = {
    "pending": _("Thank you. The organiser will confirm your registration."),
    "confirmed": _("You are registered. A confirmation is on its way by e-mail."),
    "waitlisted": _("The event is full; you are on the waiting list and we will let you "
                    "know when a place frees up."),
}


def _proposal(request):
    proposal = on_behalf.from_token(request.dbsession, request.matchdict["token"])
    if proposal is None:
        raise HTTPNotFound()
    return proposal


def _page(request, proposal, errors=None) -> dict:
    dbsession = request.dbsession
    event = dbsession.get(Event, proposal.event_id)
    proposer = dbsession.get(User, proposal.proposed_by_id) if proposal.proposed_by_id \
        else None
    organisation = dbsession.get(Organisation, proposal.organisation_id) \
        if proposal.organisation_id else None
    return {"event": event, "member": dbsession.get(User, proposal.user_id),
            "proposer": proposer, "organisation": organisation,
            "closed": services.registration_closed_reason(event), "errors": errors or {},
            "labels": labels(request),
            "breadcrumbs": [(_("Educational events"), request.route_path("events.index")),
                            (_("Registration on your behalf"), None)]}


@view_config(route_name="events.proposal", renderer="hub_events:templates/proposal.pt",
             permission=PUBLIC, request_method="GET")
def proposal_page(request):
    """Says who asked and what confirming means; only the buttons (POST) change anything."""
    return _page(request, _proposal(request))


@view_config(route_name="events.proposal", renderer="hub_events:templates/proposal.pt",
             permission=PUBLIC, request_method="POST")
def proposal_answer(request):
    proposal = _proposal(request)
    event_id = proposal.event_id
    action = request.POST.get("action")
    if action == "decline":
        on_behalf.decline(request, proposal)
        request.session.flash(request.shell.translate(_(
            "You are not registered. Nobody else is told about your answer.")), "success")
        return HTTPSeeOther(request.route_path("events.detail", id=event_id))
    if action != "confirm":
        raise HTTPNotFound()
    try:
        registration = on_behalf.confirm(request, proposal,
                                         privacy_accepted=request.POST.get("privacy") == "1")
    except RegistrationError as exc:
        request.tm.doom()
        request.response.status_int = exc.status
        return _page(request, proposal, {exc.field or "general": exc.message})
    request.session.flash(request.shell.translate(
        REGISTERED.get(registration.status, _("You are registered."))), "success")
    return HTTPSeeOther(request.route_path("events.detail", id=event_id))
