"""Rooms of the hub: book the hub's meeting rooms, offices and conference hall."""
from hub.security import PUBLIC
from hub_booking.hooks import (  # noqa: F401
    hub_activity,
    hub_dashboard_widgets,
    hub_demo_data,
    hub_indicators,
    hub_navigation,
    hub_notification_kinds,
    hub_openapi,
    hub_organisation_workspace,
    hub_periodic_jobs,
    hub_permissions,
    hub_personal_data_erase,
    hub_personal_data_export,
    hub_personal_data_tables,
    hub_profile_sections,
    hub_room_provider,
    hub_search_sources,
    hub_segment_criteria,
    hub_settings_schema,
    hub_translations_missing,
)

# The plugin API versions (hub.PLUGIN_API) this plugin is written for.
PLUGIN_API = ">=1.0,<2"


def includeme(config):
    config.add_translation_dirs("hub_booking:locale/")
    config.add_static_view("static", "hub_booking:static", permission=PUBLIC)
    config.add_route("booking.index", "", inherit_slash=True)
    config.add_route("booking.room", "/rooms/{id}")
    config.add_route("booking.photo", r"/rooms/{id}/photos/{photo:\d+}")
    config.add_route("booking.room_ics", "/rooms/{id}/calendar.ics")
    config.add_route("booking.book", "/rooms/{id}/book")
    config.add_route("booking.mine", "/my")
    config.add_route("booking.feed_create", "/my/feed")
    config.add_route("booking.feed", "/feed/{token}.ics")
    config.add_route("booking.reservation", "/reservations/{id}")
    config.add_route("booking.edit", "/reservations/{id}/edit")
    config.add_route("booking.cancel", "/reservations/{id}/cancel")
    config.add_route("booking.decide", "/reservations/{id}/decide")
    config.add_route("booking.manage", "/manage")
    config.add_route("booking.overview", "/manage/overview")
    config.add_route("booking.stats", "/manage/statistics.csv")
    config.add_route("booking.statistics", "/manage/statistics")
    config.add_route("booking.quotas", "/manage/quotas")
    config.add_route("booking.room_new", "/manage/rooms/new")
    config.add_route("booking.room_edit", "/manage/rooms/{id}")
    config.add_route("booking.photo_add", "/manage/rooms/{id}/photos")
    config.add_route("booking.photo_delete", r"/manage/rooms/{id}/photos/{photo:\d+}/delete")
    config.add_route("booking.closed_new", "/manage/closures")
    config.add_route("booking.closed_edit", "/manage/closures/{id}")
    config.add_route("booking.closed_delete", "/manage/closures/{id}/delete")
    config.add_api_route("booking.api.rooms", "/booking/rooms")
    config.add_api_route("booking.api.availability", "/booking/rooms/{id}/availability")
    config.add_api_route("booking.api.reservations", "/booking/reservations")
    config.add_api_route("booking.api.reservation", "/booking/reservations/{id}")
    config.add_job("booking.send_reminders", "hub_booking.hooks.send_reminders")
    config.scan("hub_booking.views")
    config.scan("hub_booking.api")
