"""CRM: contacts, organisations, consent and segments for the hub team; the public directory.

Patient organisations and other stakeholders, and how to reach them.
"""
from hub.security import PUBLIC
from hub_crm.hooks import (  # noqa: F401
    hub_audience_allowed,
    hub_audience_consents,
    hub_audience_members,
    hub_audience_used,
    hub_audience_withdraw_links,
    hub_audiences,
    hub_consent_changed,
    hub_consent_purposes,
    hub_dashboard_widgets,
    hub_demo_data,
    hub_navigation,
    hub_notification_kinds,
    hub_openapi,
    hub_organisation_profile_url,
    hub_organisation_public_url,
    hub_periodic_jobs,
    hub_permissions,
    hub_personal_data_erase,
    hub_personal_data_export,
    hub_personal_data_tables,
    hub_profile_sections,
    hub_search,
    hub_search_sources,
    hub_settings_schema,
)

# The plugin API versions (hub.PLUGIN_API) this plugin is written for.
PLUGIN_API = ">=1.0,<2"


def includeme(config):
    from hub_crm.retention import retention_job

    config.add_translation_dirs("hub_crm:locale/")
    config.add_static_view("static", "hub_crm:static", permission=PUBLIC)
    config.add_job("crm.retention", retention_job)
    config.add_job("crm.import", "hub_crm.imports.import_job")
    # Public directory and self-service
    config.add_route("crm.index", "", inherit_slash=True)
    config.add_route("crm.organisation", "/organisations/{slug}")
    config.add_route("crm.organisation_edit", "/organisations/{slug}/edit")
    config.add_route("crm.person", "/people/{id:\\d+}")
    config.add_route("crm.ask", "/ask")
    config.add_route("crm.preferences", "/preferences/{token}")
    config.add_route("crm.my_preferences", "/my-preferences")
    # Staff
    config.add_route("crm.contacts", "/staff/contacts")
    config.add_route("crm.contact_new", "/staff/contacts/new")
    config.add_route("crm.contact", "/staff/contacts/{id:\\d+}")
    config.add_route("crm.contact_edit", "/staff/contacts/{id:\\d+}/edit")
    config.add_route("crm.contact_health", "/staff/contacts/{id:\\d+}/health")
    config.add_route("crm.contact_consent", "/staff/contacts/{id:\\d+}/consent")
    config.add_route("crm.contact_activity", "/staff/contacts/{id:\\d+}/activity")
    config.add_route("crm.contact_relationship", "/staff/contacts/{id:\\d+}/relationships")
    config.add_route("crm.contact_merge", "/staff/contacts/{id:\\d+}/merge")
    config.add_route("crm.export", "/staff/export")
    config.add_route("crm.import", "/staff/import")
    config.add_route("crm.import_map", "/staff/import/{id:\\d+}")
    config.add_route("crm.segments", "/staff/segments")
    config.add_route("crm.segment_new", "/staff/segments/new")
    config.add_route("crm.segment", "/staff/segments/{id:\\d+}")
    config.add_route("crm.segment_edit", "/staff/segments/{id:\\d+}/edit")
    config.add_route("crm.enquiries", "/staff/enquiries")
    config.add_route("crm.enquiry", "/staff/enquiries/{id:\\d+}")
    config.add_route("crm.tasks", "/staff/tasks")
    config.add_route("crm.task_done", "/staff/tasks/{id:\\d+}/done")
    config.add_route("crm.fields", "/staff/fields")
    config.add_route("crm.field_edit", "/staff/fields/{id:\\d+}/edit")
    config.add_route("crm.field_delete", "/staff/fields/{id:\\d+}/delete")
    config.add_route("crm.import_status", "/staff/import/{id:\\d+}/status")
    config.add_route("crm.health_access", "/staff/health-access")
    config.add_route("crm.audit", "/staff/audit")
    config.include("hub_crm.api")
    config.scan("hub_crm.views")
    config.scan("hub_crm.directory_views")
    config.scan("hub_crm.self_service_views")
    config.scan("hub_crm.followup_views")
    config.scan("hub_crm.segment_views")
    config.scan("hub_crm.import_export_views")
    config.scan("hub_crm.admin_views")
    config.scan("hub_crm.api")
