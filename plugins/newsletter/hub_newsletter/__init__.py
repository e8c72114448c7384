"""Newsletters: news and invitations from the hub by e-mail."""
from hub_newsletter.hooks import hub_migrations, hub_navigation  # noqa: F401


def includeme(config):
    config.add_translation_dirs("hub_newsletter:locale/")
    config.add_route("newsletter.index", "", inherit_slash=True)
    config.scan("hub_newsletter.views")
