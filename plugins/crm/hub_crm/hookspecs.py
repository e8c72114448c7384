"""Hooks the crm plugin calls and other plugins may answer (counselling takes the public's
questions). Implement them with ``@hookimpl(optionalhook=True)``."""
from hub.markers import hookspec


@hookspec
def hub_contact_activity(request, email, user):
    """Timeline entries about a contact that other plugins know by address as well as by
    account (a counselling case asked without signing in): list of dict(when, kind, title,
    url). ``email`` is the contact's address ("" when it has none), ``user`` its account or
    None. Return only what the signed-in user may see."""


@hookspec(firstresult=True)
def hub_crm_questions_url(request):
    """The URL of another plugin's page that takes questions from the public (counselling's
    form), or None. When one answers, the CRM's "Ask the hub" page redirects there and its
    menu item is not shown, so the public has one place to ask."""
