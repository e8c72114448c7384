"""Counselling: questions from the public answered inside the hub, as cases.

People ask through a public form or the API (signed in or not, with explicit consent,
anonymous apart from a reply address) and get a reference like ``PH-2026-00042`` and an
acknowledgement in their language. Counsellors work a queue by category, status,
assignee and due date, read each case's thread (every read recorded), reply, write
internal notes and hand cases over. Askers follow and answer their cases in My hub or
through the personal link in every mail.
"""
from hub_counselling.hooks import (  # noqa: F401
    hub_consent_changed,
    hub_consent_purposes,
    hub_contact_activity,
    hub_crm_questions_url,
    hub_dashboard_widgets,
    hub_demo_data,
    hub_indicators,
    hub_navigation,
    hub_notification_kinds,
    hub_openapi,
    hub_periodic_jobs,
    hub_permissions,
    hub_personal_data_erase,
    hub_personal_data_export,
    hub_personal_data_tables,
    hub_search_sources,
    hub_settings_schema,
)

# The plugin API versions (hub.PLUGIN_API) this plugin is written for.
PLUGIN_API = ">=1.0,<2"


def includeme(config):
    config.add_translation_dirs("hub_counselling:locale/")
    config.add_route("counselling.ask", "", inherit_slash=True)
    config.add_route("counselling.link", "/case/{token}")
    config.add_route("counselling.mine", "/mine")
    config.add_route("counselling.my_case", r"/mine/{id:\d+}")
    config.add_route("counselling.queue", "/staff")
    config.add_route("counselling.case", r"/staff/{id:\d+}")
    config.add_route("counselling.stats", "/staff/statistics")
    config.add_route("counselling.templates", "/staff/templates")
    config.add_route("counselling.template_delete", r"/staff/templates/{id:\d+}/delete")
    config.add_route("counselling.counsellors", "/staff/counsellors")
    config.add_route("counselling.inbox", "/staff/inbox")
    config.add_route("counselling.faq", "/faq")
    config.add_route("counselling.faq_staff", "/staff/faq")
    config.add_route("counselling.faq_new", r"/staff/{id:\d+}/faq")
    config.add_route("counselling.faq_edit", r"/staff/faq/{id:\d+}")
    config.add_api_route("counselling.api.cases", "/counselling/cases")
    config.add_api_route("counselling.api.case", r"/counselling/cases/{id:\d+}")
    config.add_api_route("counselling.api.replies", r"/counselling/cases/{id:\d+}/replies")
    config.scan("hub_counselling.views")
    config.scan("hub_counselling.staff")
    config.scan("hub_counselling.api")
    config.scan("hub_counselling.faq")
