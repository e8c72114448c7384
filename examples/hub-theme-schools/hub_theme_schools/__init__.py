"""The schools hub's theme: templates that replace the core's (``overrides/``), its logo
and icon (``static/``) and the demo content of a hub for schools (``demo-data.toml``, named
by ``hub.demo_data``)."""
PLUGIN_API = ">=1.0,<2"


def includeme(config):
    config.add_translation_dirs("hub_theme_schools:locale/")
