"""Languages: Czech by default, English complete; the visitor's choice is kept in a cookie
and, for a signed-in user, in the account (so e-mails use it too)."""
from __future__ import annotations

from pyramid.i18n import TranslationStringFactory, get_localizer, make_localizer
from pyramid.interfaces import ITranslationDirectories

_ = TranslationStringFactory("hub")

LANGUAGE_COOKIE = "hub_lang"
LANGUAGE_NAMES = {"cs": "Čeština", "en": "English"}


_NO_MATCH = object()


def negotiate_locale(request) -> str:
    settings = request.registry.settings
    available = settings["hub.available_locales"]
    if request.environ.get("PATH_INFO", "").startswith("/api/") \
            and "Accept-Language" in request.headers:
        # An API client says per request which language it wants (content and messages).
        asked = request.accept_language.lookup(available, default=_NO_MATCH)
        if asked is not _NO_MATCH:
            return asked
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in available:
        return chosen
    if request.environ.get("hub.degraded"):
        return settings["hub.default_locale"]  # an error page: the database may be unusable
    user = getattr(request, "identity", None)
    if user is not None and getattr(user, "language", None) in available:
        return user.language
    return settings["hub.default_locale"]


def localizer_for(registry, locale: str):
    """A localizer for ``locale`` outside a request (e-mails, jobs)."""
    cache = registry.setdefault("hub.localizers", {})
    if locale not in cache:
        dirs = registry.queryUtility(ITranslationDirectories, default=[])
        cache[locale] = make_localizer(locale, dirs)
    return cache[locale]


def translate(request, message, mapping=None) -> str:
    return get_localizer(request).translate(message, mapping=mapping)


def includeme(config):
    config.set_locale_negotiator(negotiate_locale)
    config.add_translation_dirs("hub:locale/")
