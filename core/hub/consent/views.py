"""People's pages: "My consents" and the withdraw link of e-mails."""
from __future__ import annotations

from pyramid.csrf import check_csrf_origin, check_csrf_token
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from hub.accounts.forms import local_datetime
from hub.consent import services
from hub.consent.purposes import purposes
from hub.consent.services import (
    ConsentError,
    OutdatedText,
    Subject,
    consents_of,
    describe,
    history_of,
    states_of_user,
    subjects_of_user,
)
from hub.dates import language
from hub.i18n import _
from hub.security import AUTHENTICATED, PUBLIC

SOURCE_LABELS = {
    "form": _("On a page of the hub"),
    "double_opt_in": _("Confirmed from a link in an e-mail"),
    "staff": _("Recorded by hub staff"),
    "import": _("Imported from another system"),
    "api": _("Through the API"),
    "migration": _("Carried over from an earlier record"),
    "link": _("With the link in an e-mail"),
    "erasure": _("The account was deleted"),
}
ACTION_LABELS = {"given": _("Given"), "withdrawn": _("Withdrawn")}


def my_consents(request, user) -> dict:
    """What "My consents" shows: consents in force, withdrawn ones, offers and history."""
    lang = language(request)
    subjects = subjects_of_user(user)
    given, withdrawn, in_force = [], [], set()
    for state in states_of_user(request, user):
        item = {"state": state, **describe(request, state.purpose, state.object,
                                           state.text_version)}
        declared = item["declared"]
        item["new_version"] = declared.text_version if declared is not None and \
            declared.text_version != state.text_version else None
        item["new_text"] = declared.text_in(lang) if item["new_version"] else ""
        if state.given:
            in_force.add((state.purpose, state.object))
            given.append(item)
        else:
            withdrawn.append(item)
    offers = [p for p in purposes(request.registry).values()
              if not p.scoped and (p.key, "") not in in_force]
    history = [{"record": r, **describe(request, r.purpose, r.object, r.text_version)}
               for r in reversed(history_of(request, subjects))]
    return {"given": given, "withdrawn": withdrawn, "offers": offers, "history": history,
            "language": lang}


def _page_values(request, error=None, unticked: str = "") -> dict:
    """``unticked``: the purpose whose explicit-consent box was left empty (that box is the
    wrong field of the failed submission)."""
    return {**my_consents(request, request.identity), "error": error, "unticked": unticked,
            "source_labels": SOURCE_LABELS, "action_labels": ACTION_LABELS,
            "when": lambda value: local_datetime(request, value),
            "breadcrumbs": [(_("My hub"), request.route_path("dashboard")),
                            (_("My consents"), None)]}


@view_config(route_name="consent.mine", request_method="GET",
             renderer="hub:consent/templates/mine.pt", permission=AUTHENTICATED)
def mine(request):
    return _page_values(request)


def _refuse(request, status: int, message, unticked: str = ""):
    request.response.status = status
    return _page_values(request, error=message, unticked=unticked)


@view_config(route_name="consent.give", request_method="POST",
             renderer="hub:consent/templates/mine.pt", permission=AUTHENTICATED)
def give(request):
    key = request.POST.get("purpose", "")
    declared = purposes(request.registry).get(key)
    if declared is None or declared.scoped:
        return _refuse(request, 422, _("Choose one of the offered consents."))
    if declared.special_category and request.POST.get("explicit") != "on":
        return _refuse(request, 422, _("Tick the box to confirm your explicit consent, or "
                                       "leave this consent out."), unticked=key)
    subject = Subject.of_user(request.identity)
    try:
        services.give(request, subject, key, request.POST.get("text_version", ""), "form")
    except OutdatedText:
        return _refuse(request, 409, _("The text of this consent changed while you were "
                                       "reading it. Read the new text and agree again if "
                                       "you wish."))
    request.session.flash(request.shell.translate(
        _("Thank you. Your consent to \"${title}\" is recorded.",
          mapping={"title": declared.label(request)})), "success")
    return HTTPSeeOther(location=request.route_path("consent.mine"))


@view_config(route_name="consent.withdraw", request_method="POST",
             renderer="hub:consent/templates/mine.pt", permission=AUTHENTICATED)
def withdraw(request):
    key = request.POST.get("purpose", "")
    object_ = request.POST.get("object", "")
    title = None
    # Withdraw for every identity of the person: the account and the verified address.
    for state in consents_of(request, subjects_of_user(request.identity)):
        if state.purpose == key and state.object == object_ and state.given:
            services.withdraw(request, services.subject_of(request, state), key, "form",
                              object=object_)
            title = describe(request, key, object_, state.text_version)["title"]
    if title is None:
        # Already withdrawn (a second click, another tab): nothing to do, say so.
        request.session.flash(request.shell.translate(
            _("This consent was not in force; nothing changed.")), "info")
    else:
        request.session.flash(request.shell.translate(
            _("Your consent to \"${title}\" is withdrawn.", mapping={"title": title})),
            "success")
    return HTTPSeeOther(location=request.route_path("consent.mine"))


# -- the withdraw link of e-mails (no sign-in) -------------------------------------------------

def _link_values(request, done: bool = False) -> dict:
    read = services.read_link_token(request, request.matchdict["token"])
    values = {"valid": read is not None, "done": done, "in_force": False, "title": "",
              "breadcrumbs": [(_("Withdraw consent"), None)]}
    if read is None:
        request.response.status = 400
        return values
    state = services.state_by_key(request, *read)
    if state is not None:
        values["title"] = describe(request, state.purpose, state.object,
                                   state.text_version)["title"]
        values["in_force"] = state.given
    return values


@view_config(route_name="consent.link", request_method="GET",
             renderer="hub:consent/templates/link.pt", permission=PUBLIC)
def link_page(request):
    return _link_values(request)


# RFC 8058 one-click: mail providers POST "List-Unsubscribe=One-Click" without cookies, so
# no CSRF token can exist; the signed token in the address authorises the request, and it
# can only withdraw (idempotent). The confirmation form of the page carries a CSRF token.
@view_config(route_name="consent.link", request_method="POST",
             renderer="hub:consent/templates/link.pt", permission=PUBLIC, require_csrf=False)
def link_withdraw(request):
    if request.POST.get("List-Unsubscribe") != "One-Click":
        check_csrf_token(request)
        check_csrf_origin(request)
    read = services.read_link_token(request, request.matchdict["token"])
    if read is not None:
        key, purpose_key, object_ = read
        try:
            services.withdraw_by_link(request, key, purpose_key, object_)
        except ConsentError:
            read = None  # nothing of this purpose was ever recorded: the link is not valid
    return _link_values(request, done=read is not None)
