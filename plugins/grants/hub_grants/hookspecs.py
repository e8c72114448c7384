"""Hooks the grants plugin offers to other plugins."""
from hub.markers import hookspec


@hookspec(firstresult=True)
def hub_grants_call_invitation(request, call):
    """Prepare an invitation to apply to ``call`` (a ``hub_grants.models.Call``, published)
    and return the address of the page where staff finish and send it (a newsletter
    campaign drafted with the call's title, dates and link), or ``None``. Called in the
    request's transaction when staff press "Prepare an invitation" on the call's page; the
    button is shown only when a plugin implements this hook. Implement it with
    ``@hookimpl(optionalhook=True)``."""
