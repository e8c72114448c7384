"""The consent ledger: who agreed to what, in which words, when, how, and who withdrew.

Plugins declare purposes with ``hub_consent_purposes`` and record and read consents with
the functions below instead of keeping flags of their own. History is never rewritten:
records are only ever added (the database refuses changes), and the current state of a
consent is its latest record. People see and withdraw their consents at ``/my/consents``
(also linked from My hub and the profile), through the API (``/api/v1/me/consents``) and
with the withdraw link of every e-mail sent on a purpose (``withdraw_link``,
``unsubscribe_headers``). Staff see given and withdrawn consents per month at
``/admin/consents``.

    purposes(registry) / purpose(registry, key)              -> Purpose
    give(request, subject, key, text_version, source, ...)   -> ConsentRecord | None
    withdraw(request, subject, key, source, ...)             -> ConsentRecord | None
    current(request, subject, key, object="")                -> State | None
    has_consent(request, subject, key, object="")            -> bool
    consents_of(request, subjects) / history_of(request, subjects)
    states_of_user(request, user)  one state per purpose for a signed-in person
    holders(key, object="")                                  -> sqlalchemy Select
    withdraw_link(request, subject, key, object="")          -> absolute URL
    withdraw_link_maker(request, key) -> make(subject_key, object="") for many mails
    unsubscribe_headers(request, subject, key, object="")    -> mail headers
    erase_subjects(request, subjects)
"""
from __future__ import annotations

from hub.consent.models import ACTIONS, LEGAL_BASES, SOURCES, ConsentRecord, ConsentText
from hub.consent.purposes import Purpose, purposes, text_version
from hub.consent.services import (
    ConsentError,
    OutdatedText,
    State,
    Subject,
    UnknownPurpose,
    consents_of,
    current,
    describe,
    erase_subjects,
    give,
    has_consent,
    history_of,
    holders,
    purpose,
    state_by_key,
    states_of_user,
    subject_of,
    subjects_of_user,
    unsubscribe_headers,
    withdraw,
    withdraw_link,
    withdraw_link_maker,
)

__all__ = ["ACTIONS", "LEGAL_BASES", "SOURCES", "ConsentError", "ConsentRecord", "ConsentText",
           "OutdatedText", "Purpose", "State", "Subject", "UnknownPurpose", "consents_of",
           "current", "describe", "erase_subjects", "give", "has_consent", "history_of",
           "holders", "purpose", "purposes", "state_by_key", "states_of_user", "subject_of",
           "subjects_of_user", "text_version", "unsubscribe_headers", "withdraw",
           "withdraw_link", "withdraw_link_maker"]


def includeme(config):
    # Declared purposes are checked now: a duplicate key stops start-up, not a later page.
    purposes(config.registry)
    config.add_route("consent.mine", "/my/consents")
    config.add_route("consent.give", "/my/consents/give")
    config.add_route("consent.withdraw", "/my/consents/withdraw")
    config.add_route("consent.link", "/consent/withdraw/{token}")
    config.add_route("consent.admin", "/admin/consents")
    config.add_api_route("consent.api.purposes", "/consent/purposes")
    config.add_api_route("consent.api.mine", "/me/consents")
    config.add_api_route("consent.api.one", "/me/consents/{purpose}")
    config.scan("hub.consent.views")
    config.scan("hub.consent.report")
    config.scan("hub.consent.api")
