from pyramid.i18n import TranslationStringFactory

_ = TranslationStringFactory("hub_newsletter")


def plugin_hooks(request):
    """The hook relay, also for background requests of jobs (they lack ``request.hooks``)."""
    return request.registry["hub.pm"].hook
