"""Hooks the crm plugin offers to other plugins (the newsletter plugin sends to audiences)."""
from hub.markers import hookspec


@hookspec
def hub_audiences(request):
    """Audiences other plugins may send to: list of dict(key, label, purpose, count).
    Keys look like "crm.segment.<id>"."""


@hookspec(firstresult=True)
def hub_audience_members(request, key):
    """Members of one audience who have the consent its purpose needs, now: list of
    dict(email, name, first_name, last_name, gender ('f'/'m'/None), language ('cs'/'en'),
    contact_id). None when the key is not this plugin's."""


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
