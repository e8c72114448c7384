"""Directory of organisations.

Patient organisations and other stakeholders, and how to reach them.
"""
from hub_crm.hooks import hub_migrations, hub_navigation  # noqa: F401


def includeme(config):
    config.add_translation_dirs("hub_crm:locale/")
    config.add_route("crm.index", "", inherit_slash=True)
    config.scan("hub_crm.views")
