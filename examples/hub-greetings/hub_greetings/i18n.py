from pyramid.i18n import TranslationStringFactory

_ = TranslationStringFactory("hub_greetings")
