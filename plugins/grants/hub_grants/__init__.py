"""Grants: the hub's small grant scheme for patient organisations, as an auditable cycle.

Staff publish calls (bilingual, with eligibility, budget, co-financing, timeline, weighted
criteria, required documents, typed questions and a FAQ). Representatives of eligible
organisations draft applications with a budget and files (``hub.storage``) and submit
them before the deadline (Prague time, checked on the server); a confirmation mail
carries the PDF of what was submitted. Appointed reviewers declare conflicts of interest
before they see an application and score each criterion independently; staff see the
ranking and record the committee's decision, which is mailed to the applicant. Awarded
grants are published. Every state change is in ``grants_event``.
"""
from hub_grants.hooks import (  # noqa: F401
    hub_dashboard_widgets,
    hub_demo_data,
    hub_indicators,
    hub_navigation,
    hub_notification_kinds,
    hub_openapi,
    hub_organisation_workspace,
    hub_permissions,
    hub_personal_data_erase,
    hub_personal_data_export,
    hub_personal_data_tables,
    hub_profile_sections,
    hub_roles,
    hub_search_sources,
    hub_translations_missing,
)

# The plugin API versions (hub.PLUGIN_API) this plugin is written for.
PLUGIN_API = ">=1.0,<2"

UPLOAD_LIMIT = 11 * 1024 * 1024


def includeme(config):
    config.add_translation_dirs("hub_grants:locale/")
    config.add_route("grants.index", "", inherit_slash=True)
    config.add_route("grants.call", r"/calls/{id:\d+}")
    config.add_route("grants.apply", r"/calls/{id:\d+}/apply")
    config.add_route("grants.awarded", "/awarded")
    config.add_route("grants.mine", "/applications")
    config.add_route("grants.application", r"/applications/{id:\d+}")
    config.add_route("grants.application_pdf", r"/applications/{id:\d+}/pdf")
    config.add_route("grants.attachments", r"/applications/{id:\d+}/attachments")
    config.add_route("grants.attachment", r"/applications/{id:\d+}/attachments/{aid:\d+}")
    config.add_route("grants.attachment_delete",
                     r"/applications/{id:\d+}/attachments/{aid:\d+}/delete")
    config.add_route("grants.reviews", "/reviews")
    config.add_route("grants.review", r"/reviews/{id:\d+}")
    config.add_route("grants.staff", "/staff")
    config.add_route("grants.call_new", "/staff/calls/new")
    config.add_route("grants.call_edit", r"/staff/calls/{id:\d+}/edit")
    config.add_route("grants.call_staff", r"/staff/calls/{id:\d+}")
    config.add_route("grants.decision", r"/staff/applications/{id:\d+}")
    config.add_route("grants.grant", r"/applications/{id:\d+}/grant")
    config.add_route("grants.agreement_pdf", r"/applications/{id:\d+}/agreement.pdf")
    config.add_route("grants.report", r"/applications/{id:\d+}/reports/{kind:interim|final}")
    config.add_route("grants.report_files",
                     r"/applications/{id:\d+}/reports/{kind:interim|final}/files")
    config.add_route("grants.report_file",
                     r"/applications/{id:\d+}/reports/{kind:interim|final}/files/{fid:\d+}")
    config.add_route("grants.report_file_delete",
                     r"/applications/{id:\d+}/reports/{kind:interim|final}/files/{fid:\d+}"
                     "/delete")
    config.add_route("grants.grant_staff", r"/staff/applications/{id:\d+}/grant")
    config.set_body_limit("grants.attachments", UPLOAD_LIMIT)
    config.set_body_limit("grants.report_files", UPLOAD_LIMIT)
    config.add_api_route("grants.api.calls", "/grants/calls")
    config.add_api_route("grants.api.applications", r"/grants/calls/{id:\d+}/applications")
    config.add_api_route("grants.api.submit", r"/grants/applications/{id:\d+}/submit")
    config.add_api_route("grants.api.reviews", r"/grants/applications/{id:\d+}/reviews")
    config.add_api_route("grants.api.decision", r"/grants/applications/{id:\d+}/decision")
    config.add_api_route("grants.api.awarded", "/grants/awarded")
    config.scan("hub_grants.views")
    config.scan("hub_grants.review")
    config.scan("hub_grants.staff")
    config.scan("hub_grants.api")
    config.scan("hub_grants.award_views")
