"""Hooks the newsletter plugin calls and other plugins may answer (the crm plugin offers
its segments as audiences, the events plugin its events for invitations).

Implement them with ``@hookimpl(optionalhook=True)`` so the implementing plugin also starts
without the newsletter plugin. The newsletter's own ``hub_grants_call_invitation`` answers
the grants plugin's hook."""
from hub.markers import hookspec


@hookspec
def hub_upcoming_events(request):
    """Upcoming public events for invitations: list of dict(id, title, starts_at, url)."""


@hookspec
def hub_audiences(request):
    """Audiences the newsletter may send to: list of dict(key, label, purpose, count).
    Keys look like "crm.segment.<id>". ``count`` is None for a segment defined by health
    data (how many are in it is health data too)."""


@hookspec(firstresult=True)
def hub_audience_members(request, key):
    """Members of one audience who have the consent its purpose needs, now: list of
    dict(email, name, first_name, last_name, gender ('f'/'m'/None), language ('cs'/'en'),
    contact_id, preferences_url, consent_record_id (the consent ledger's record relied on)).
    None when the key is not this plugin's."""


@hookspec(firstresult=True)
def hub_audience_consents(request, key, email):
    """Whether `email` may still receive mail for audience `key` (checked at send time so a
    withdrawal during a running send stops the remaining messages). None if unknown key."""


@hookspec(firstresult=True)
def hub_audience_allowed(request, key, addresses):
    """Of ``addresses`` (e-mail addresses), the set that may STILL receive mail for audience
    ``key`` right now: the contact exists (not erased), is in the audience and has not
    withdrawn the consent its purpose needs. Answered with one query per call, not one per
    address, so a sender can check every batch just before sending it. The returned
    addresses are the given strings (compared case-insensitively). None if unknown key."""


@hookspec(firstresult=True)
def hub_audience_used(request, key):
    """A send to audience ``key`` starts (in its transaction): what it relies on, for the
    sender's snapshot: dict(label, purpose (the consent ledger's key), current_text_version,
    definition (the audience's definition at this moment)). The audience's purpose cannot
    change from now on. None if unknown key."""


@hookspec(firstresult=True)
def hub_audience_withdraw_links(request, key, addresses):
    """``{address: url}``: for each of ``addresses`` that may receive mail for audience
    ``key``, the consent ledger's withdraw link of the consent the mail is sent on (one
    query per call; put it in the mail and its List-Unsubscribe header). None if unknown
    key."""
