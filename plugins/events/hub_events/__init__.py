"""Educational events.

Lectures, seminars, workshops and conferences, with registration and recordings.
"""
from hub_events.hooks import hub_migrations, hub_navigation  # noqa: F401


def includeme(config):
    config.add_translation_dirs("hub_events:locale/")
    config.add_route("events.index", "", inherit_slash=True)
    config.scan("hub_events.views")
