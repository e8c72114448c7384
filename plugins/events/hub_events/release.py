"""Speakers' release of recordings, kept in the core's consent ledger.

An event's recording (its video, captions and transcript, and the talks' video links) is
one object of the scoped purpose ``events.speaker_release``: ``recording:<event id>``. Each
speaker of the programme is a subject known by the e-mail address on the talk; one record
per speaker and recording. Staff send the speaker a personal link (a mail through the
core's outbox); the speaker reads the exact text and agrees or refuses, and can withdraw
later from the same link, from "My consents" (with an account on that address) or by
asking staff, who record it with a note. A recording is published only while every
speaker's release is in force; a withdrawal, wherever it comes from, reaches
``consent_changed`` and unpublishes the recording at once, and the hook
``hub_events_recording_withdrawn`` tells other plugins to unpublish their copies.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

import sqlalchemy as sa

from hub import consent
from hub.db import utcnow
from hub.i18n import localizer_for
from hub.mail import queue_mail
from hub_events.i18n import _
from hub_events.models import Event, Talk

PURPOSE = "events.speaker_release"


def _describe(request, object_: str) -> str | None:
    event = request.dbsession.get(Event, event_id_of(object_) or 0)
    return event.title if event is not None else None


SPEAKER_RELEASE = consent.Purpose(
    PURPOSE,
    title={"cs": "Zveřejnění záznamu mé přednášky",
           "en": "Publishing the recording of my talk"},
    text={
        "cs": "Souhlasím, aby hub zveřejnil záznam mé přednášky na této akci (video, titulky "
              "a přepis) na svých stránkách, kde si ho může pustit kdokoli, a aby ho online "
              "kurzy hubu použily jako lekci. U záznamu bude uvedeno moje jméno. Souhlas "
              "mohu kdykoli odvolat odkazem z e-mailu, na stránce Moje souhlasy nebo "
              "požádáním pořadatele; záznam i jeho kopie v kurzech pak hned zmizí ze "
              "stránek hubu. Kopie, které si někdo pořídil, dokud byl záznam zveřejněný, "
              "hub vzít zpět nemůže.",
        "en": "I agree that the hub publishes the recording of my talk at this event (video, "
              "captions and transcript) on its website, where anyone can watch it, and that "
              "the hub's online courses use it as a lesson. My name is shown with the "
              "recording. I can withdraw this consent at any time with the link in the "
              "e-mail, on the My consents page or by asking the organiser; the recording "
              "and its copies in courses are then taken off the hub's pages at once. Copies "
              "someone made while the recording was public cannot be recalled by the hub.",
    },
    scoped=True, describe=_describe, order=60)


def object_of(event_id: int) -> str:
    return f"recording:{event_id}"


def event_id_of(object_: str) -> int | None:
    kind, _sep, ident = (object_ or "").partition(":")
    return int(ident) if kind == "recording" and ident.isdigit() else None


def subject_of(talk: Talk) -> consent.Subject | None:
    return consent.Subject.of_email(talk.speaker_email) if talk.speaker_email else None


def released_keys(request, event_id: int) -> set[str]:
    """Subject keys of the speakers whose release of the event's recording is in force."""
    holders = consent.holders(PURPOSE, object_of(event_id)).subquery()
    return set(request.dbsession.scalars(sa.select(holders.c.subject_key)))


def talk_states(request, event: Event) -> dict[int, consent.State | None]:
    """The ledger's state of each talk's release (``None``: never given)."""
    states = {}
    for talk in event.talks:
        subject = subject_of(talk)
        states[talk.id] = (consent.current(request, subject, PURPOSE, object_of(event.id))
                           if subject is not None else None)
    return states


def publish_problem(request, event: Event | None):
    """Why the recording of ``event`` cannot be public now, or ``None`` when it can."""
    if event is None or not event.talks:
        return _("Add the talks and their speakers to the programme and ask each speaker "
                 "for the release before publishing the recording.")
    if any(t.do_not_record for t in event.talks):
        return _("A talk is marked \"do not record\": the recording cannot be published.")
    released = released_keys(request, event.id)
    missing = [t for t in event.talks
               if subject_of(t) is None or subject_of(t).key not in released]
    if missing:
        names = ", ".join(t.speaker or t.title for t in missing)
        return _("Every speaker must release the recording before it is published. "
                 "Missing: ${names}.", mapping={"names": names})
    return None


def unpublish(request, event_id: int) -> None:
    """Take the recording off the hub's pages, and tell other plugins to drop copies."""
    event = request.dbsession.get(Event, event_id)
    if event is not None and event.recording_published:
        event.recording_published = False
        request.dbsession.flush()
    request.hooks.hub_events_recording_withdrawn(request=request, event_id=event_id)


def consent_changed(request, purpose, record) -> None:
    if purpose.key == PURPOSE and record.action == "withdrawn":
        event_id = event_id_of(record.object)
        if event_id is not None:
            unpublish(request, event_id)


# -- the personal link -------------------------------------------------------------------

def link_token(talk: Talk) -> str:
    """``<talk id>.<signature>`` bound to the speaker's address: a link sent to an earlier
    address stops working when staff change it."""
    message = f"release:{talk.speaker_email}".encode()
    signature = hmac.new(talk.release_key.encode(), message, hashlib.sha256).hexdigest()[:40]
    return f"{talk.id}.{signature}"


def talk_from_token(dbsession, token: str) -> Talk | None:
    ident, _sep, signature = (token or "").partition(".")
    if not ident.isdigit() or len(ident) > 12 or not signature:
        return None
    talk = dbsession.get(Talk, int(ident))
    if talk is None or not talk.release_key or not talk.speaker_email:
        return None
    expected = link_token(talk).partition(".")[2]
    return talk if secrets.compare_digest(expected, signature) else None


def send_request(request, talk: Talk) -> None:
    """Mail the speaker the personal link (queued; delivered after the commit)."""
    if not talk.release_key:
        talk.release_key = secrets.token_urlsafe(32)
    talk.release_requested_at = utcnow()
    event = request.dbsession.get(Event, talk.event_id)
    from hub_events.services import format_when

    url = request.route_url("events.release", token=link_token(talk))
    site = request.registry.settings.get("hub.site_name", "")
    parts, subjects = [], []
    # The speaker's language is not known: the message is in Czech, then in English.
    for language in ("cs", "en"):
        localizer = localizer_for(request.registry, language)
        mapping = {"event": event.translated("title", language),
                   "when": format_when(event.starts_at, language),
                   "talk": talk.translated("title", language), "name": talk.speaker,
                   "site": site, "url": url}
        subjects.append(localizer.translate(
            _("Your consent to publish the recording: ${event}", mapping=mapping)))
        parts.append(localizer.translate(_(
            "Hello ${name},\n\nthe recording of your talk \"${talk}\" at ${event} (${when}) "
            "can be published on ${site} only with your consent. Please read the text and "
            "agree or refuse here:\n\n${url}\n\nThe same link lets you withdraw your consent "
            "later; the recording is then taken off the website at once.",
            mapping=mapping)))
    queue_mail(request, talk.speaker_email, " / ".join(subjects), "\n\n---\n\n".join(parts))
