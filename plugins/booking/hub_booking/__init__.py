"""Rooms of the hub: book the hub's meeting rooms, offices and conference hall."""
from hub_booking.hooks import hub_migrations, hub_navigation  # noqa: F401


def includeme(config):
    config.add_translation_dirs("hub_booking:locale/")
    config.add_route("booking.index", "", inherit_slash=True)
    config.scan("hub_booking.views")
