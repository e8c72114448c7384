"""Educational events.

Lectures, seminars, workshops and conferences, with registration, waiting lists,
check-in, certificates and recordings.
"""
from hub.security import PUBLIC
from hub_events.hooks import (  # noqa: F401
    hub_activity,
    hub_consent_changed,
    hub_consent_purposes,
    hub_dashboard_widgets,
    hub_demo_data,
    hub_event_recordings,
    hub_for_you,
    hub_indicators,
    hub_media_usage,
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
    hub_search_sources,
    hub_segment_criteria,
    hub_settings_schema,
    hub_translations_missing,
    hub_upcoming_events,
    hub_working_group_sources,
)

# The plugin API versions (hub.PLUGIN_API) this plugin is written for.
PLUGIN_API = ">=1.0,<2"


def includeme(config):
    config.add_translation_dirs("hub_events:locale/")
    config.add_static_view("static", "hub_events:static", permission=PUBLIC)
    config.add_route("events.index", "", inherit_slash=True)
    config.add_route("events.archive", "/archive")
    config.add_route("events.calendar", "/calendar")
    config.add_route("events.feed", "/calendar.ics")
    config.add_route("events.mine", "/mine")
    config.add_route("events.link", "/r/{purpose}/{token}")
    config.add_route("events.release", "/release/{token}")
    config.add_route("events.proposal", "/proposal/{token}")
    config.add_route("events.detail", r"/{id:\d+}")
    config.add_route("events.ics", r"/{id:\d+}/event.ics")
    config.add_route("events.recording_captions",
                     r"/{id:\d+}/recording/captions/{lang:(cs|en)}.vtt")
    config.add_route("events.recording_file", r"/{id:\d+}/recording/{name}")
    config.add_route("events.register", r"/{id:\d+}/register")
    config.add_route("events.register_member", r"/{id:\d+}/register-member")
    config.add_route("events.cancel", r"/{id:\d+}/cancel")
    config.add_route("events.needs", r"/{id:\d+}/needs")
    config.add_route("events.accept", r"/{id:\d+}/accept")
    config.add_route("events.feedback", r"/{id:\d+}/feedback")
    config.add_route("events.certificate", r"/{id:\d+}/certificate.pdf")
    config.add_route("events.manage", "/manage")
    config.add_route("events.new", "/manage/new")
    config.add_route("events.edit", r"/manage/{id:\d+}")
    config.add_route("events.clone", r"/manage/{id:\d+}/clone")
    config.add_route("events.talks", r"/manage/{id:\d+}/talks")
    config.add_route("events.release_manage", r"/manage/{id:\d+}/talks/{tid:\d+}/release")
    config.add_route("events.registrations", r"/manage/{id:\d+}/registrations")
    config.add_route("events.decide", r"/manage/{id:\d+}/registrations/{rid:\d+}")
    config.add_route("events.export", r"/manage/{id:\d+}/registrations.csv")
    config.add_route("events.checkin", r"/manage/{id:\d+}/checkin")
    config.add_route("events.message", r"/manage/{id:\d+}/message")
    config.add_route("events.review", r"/manage/{id:\d+}/review")
    config.add_route("events.org_new", r"/organisation/{org_id:\d+}/new")
    config.add_route("events.org_edit", r"/organisation/{org_id:\d+}/{id:\d+}")
    config.add_api_route("events.api.events", "/events")
    config.add_api_route("events.api.mine", "/events/registrations")
    config.add_api_route("events.api.event", r"/events/{id:\d+}")
    config.add_api_route("events.api.registrations", r"/events/{id:\d+}/registrations")
    config.add_api_route("events.api.publish", r"/events/{id:\d+}/publish")
    config.add_job("events.expire_offers", "hub_events.services.expire_offers")
    config.scan("hub_events.views")
    config.scan("hub_events.manage")
    config.scan("hub_events.release_views")
    config.scan("hub_events.on_behalf_views")
    config.scan("hub_events.api")
    config.scan("hub_events.organisations")
    config.scan("hub_events.recordings")
