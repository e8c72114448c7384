"""Pages of the speaker's release: the personal link, and what organisers record."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub import consent, dates
from hub.db import utcnow
from hub.security import PUBLIC
from hub_events import release
from hub_events.i18n import _
from hub_events.models import Event, Talk
from hub_events.permissions import MANAGE
from hub_events.services import normalise_email, valid_email
from hub_events.views import get_event, labels


def _flash(request, message, kind="success"):
    request.session.flash(request.shell.translate(message), kind)


def _talk(request) -> Talk:
    talk = release.talk_from_token(request.dbsession, request.matchdict["token"])
    if talk is None:
        raise HTTPNotFound()
    return talk


def _page(request, talk: Talk, error=None) -> dict:
    event = request.dbsession.get(Event, talk.event_id)
    subject = release.subject_of(talk)
    state = consent.current(request, subject, release.PURPOSE, release.object_of(event.id))
    declared = release.SPEAKER_RELEASE
    language = dates.language(request)
    talks = [t for t in event.talks if normalise_email(t.speaker_email) == subject.email]
    return {"event": event, "talk": talk, "talks": talks, "state": state,
            "given": state is not None and state.given, "error": error,
            "title": declared.title_in(language), "text": declared.text_in(language),
            "text_version": declared.text_version, "labels": labels(request),
            "breadcrumbs": [(_("Educational events"), request.route_path("events.index")),
                            (_("Release of the recording"), None)]}


def _mark_talks(request, talk: Talk, refused_at) -> None:
    """Note the speaker's answer on each of their talks of the event, so organisers tell a
    refusal from no answer yet (the ledger holds consents, not refusals)."""
    for other in request.dbsession.get(Event, talk.event_id).talks:
        if normalise_email(other.speaker_email) == normalise_email(talk.speaker_email):
            other.release_refused_at = refused_at


@view_config(route_name="events.release", renderer="hub_events:templates/release.pt",
             permission=PUBLIC, request_method="GET")
def release_page(request):
    """Shows the exact text; only the buttons (POST) change anything."""
    return _page(request, _talk(request))


@view_config(route_name="events.release", renderer="hub_events:templates/release.pt",
             permission=PUBLIC, request_method="POST")
def release_answer(request):
    talk = _talk(request)
    subject = release.subject_of(talk)
    object_ = release.object_of(talk.event_id)
    action = request.POST.get("action")
    if action == "give":
        try:
            # The link was mailed to this address: following it confirms the address.
            consent.give(request, subject, release.PURPOSE,
                         request.POST.get("text_version", ""), "double_opt_in",
                         object=object_)
        except consent.OutdatedText:
            request.response.status = 409
            return _page(request, talk, error=_(
                "The text changed while you were reading it. Please read the new text and "
                "answer again."))
        _mark_talks(request, talk, refused_at=None)
        _flash(request, _("Thank you. Your consent to publish the recording is recorded."))
    elif action in ("refuse", "withdraw"):
        done = consent.withdraw(request, subject, release.PURPOSE, "link", object=object_)
        if action == "refuse":
            _mark_talks(request, talk, refused_at=utcnow())
        _flash(request, _("Your consent is withdrawn: the recording is no longer public.")
               if done is not None else
               _("Thank you for your answer. The recording will not be published."))
    else:
        raise HTTPNotFound()
    return HTTPSeeOther(request.path)


@view_config(route_name="events.release_manage", permission=MANAGE, request_method="POST")
def release_manage(request):
    """Organisers send the release link, or record a release given or withdrawn on paper
    or by phone (with a note saying so)."""
    event = get_event(request, visible_only=False)
    tid = request.matchdict["tid"]
    talk = request.dbsession.get(Talk, int(tid)) if tid.isdigit() else None
    if talk is None or talk.event_id != event.id:
        raise HTTPNotFound()
    back = HTTPSeeOther(request.route_path("events.edit", id=event.id) + "#programme")
    subject = release.subject_of(talk)
    if subject is None or not valid_email(talk.speaker_email):
        request.tm.doom()
        _flash(request, _("Enter the speaker's e-mail address on the talk first."), "error")
        return back
    action = request.POST.get("action")
    note = request.POST.get("note", "").strip()[:2000]
    if action == "send":
        release.send_request(request, talk)
        _flash(request, _("The link was sent to ${email}.", mapping={"email": talk.speaker_email}))
        return back
    if action not in ("give", "withdraw"):
        raise HTTPNotFound()
    if not note:
        request.tm.doom()
        _flash(request, _("Say in the note how the speaker answered (a signed form, a phone "
                          "call on a date)."), "error")
        return back
    if action == "give":
        consent.give(request, subject, release.PURPOSE, release.SPEAKER_RELEASE.text_version,
                     "staff", by=request.identity, note=note, object=release.object_of(event.id))
        _mark_talks(request, talk, refused_at=None)
        _flash(request, _("The speaker's release is recorded."))
    else:
        consent.withdraw(request, subject, release.PURPOSE, "staff", by=request.identity,
                         note=note, object=release.object_of(event.id))
        _flash(request, _("The withdrawal is recorded; the recording is no longer public."))
    return back
