"""Greetings: short entries that signed-in people write and everyone reads.

The page is at the plugin's prefix (``/greetings`` unless the ini's
``greetings.route_prefix`` says otherwise), the API at ``/api/v1/greetings/entries``.
"""
from hub_greetings.hooks import (  # noqa: F401
    hub_dashboard_widgets,
    hub_navigation,
    hub_openapi,
    hub_permissions,
    hub_personal_data_erase,
    hub_personal_data_export,
    hub_personal_data_tables,
)

# The plugin API versions (hub.PLUGIN_API) this plugin is written for.
PLUGIN_API = ">=1.0,<2"


def includeme(config):
    config.add_translation_dirs("hub_greetings:locale/")
    config.add_route("greetings.index", "", inherit_slash=True)
    config.add_api_route("greetings.api.entries", "/greetings/entries")
    config.scan("hub_greetings.views")
    config.scan("hub_greetings.api")
