"""Newsletters: news and invitations from the hub by e-mail, exactly once per person."""
from hub_newsletter.grants_invitation import hub_grants_call_invitation  # noqa: F401
from hub_newsletter.hooks import (  # noqa: F401
    hub_activity,
    hub_bulk_mail,
    hub_consent_purposes,
    hub_dashboard_widgets,
    hub_demo_data,
    hub_indicators,
    hub_media_usage,
    hub_navigation,
    hub_notification_kinds,
    hub_openapi,
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
)

# The plugin API versions (hub.PLUGIN_API) this plugin is written for.
PLUGIN_API = ">=1.0,<2"


def includeme(config):
    from hub_newsletter import bounces, sending, services

    config.add_translation_dirs("hub_newsletter:locale/")
    config.add_static_view("static", "hub_newsletter:static", permission="public")
    config.add_route("newsletter.index", "", inherit_slash=True)
    config.add_route("newsletter.confirm", "/confirm/{token}")
    config.add_route("newsletter.unsubscribe", "/u/{token}")
    config.add_route("newsletter.preferences", "/preferences/{token}")
    config.add_route("newsletter.open", "/o/{id}/pixel.gif")
    config.add_route("newsletter.click", "/c/{id}")
    config.add_route("newsletter.archive", "/archive")
    config.add_route("newsletter.archive_item", "/archive/{id}")
    config.add_route("newsletter.admin", "/admin")
    config.add_route("newsletter.list_new", "/admin/lists/new")
    config.add_route("newsletter.list_edit", "/admin/lists/{id}")
    config.add_route("newsletter.campaign_new", "/admin/campaigns/new")
    config.add_route("newsletter.campaign", "/admin/campaigns/{id}")
    config.add_route("newsletter.campaign_edit", "/admin/campaigns/{id}/edit")
    config.add_route("newsletter.campaign_preview", "/admin/campaigns/{id}/preview")
    config.add_route("newsletter.templates", "/admin/templates")
    config.add_route("newsletter.template_new", "/admin/templates/new")
    config.add_route("newsletter.template_edit", "/admin/templates/{id}")
    config.add_route("newsletter.template_duplicate", "/admin/templates/{id}/duplicate")
    config.add_route("newsletter.template_delete", "/admin/templates/{id}/delete")
    for action in ("submit", "approve", "send", "pause", "resume", "cancel", "test"):
        config.add_route(f"newsletter.campaign_{action}", f"/admin/campaigns/{{id}}/{action}")
    config.add_api_route("newsletter.api.lists", "/newsletter/lists")
    config.add_api_route("newsletter.api.subscriptions", "/newsletter/subscriptions")
    config.add_api_route("newsletter.api.campaigns", "/newsletter/campaigns")
    config.add_api_route("newsletter.api.campaign", "/newsletter/campaigns/{id}")
    config.add_api_route("newsletter.api.templates", "/newsletter/templates")
    config.add_api_route("newsletter.api.template", "/newsletter/templates/{id}")
    config.add_api_route("newsletter.api.bounces", "/newsletter/bounces")
    config.add_job("newsletter.send", sending.send_campaign)
    config.add_job("newsletter.start_due", services.start_due_campaigns)
    config.add_job("newsletter.process_bounces", bounces.process_bounces)
    config.scan("hub_newsletter.views")
    config.scan("hub_newsletter.manage")
    config.scan("hub_newsletter.api")
    config.scan("hub_newsletter.template_views")
    config.scan("hub_newsletter.template_api")
