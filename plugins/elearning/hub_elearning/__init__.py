"""Online courses: open courses for patient organisations, patients and the public."""
from hub_elearning.hooks import hub_migrations, hub_navigation  # noqa: F401


def includeme(config):
    config.add_translation_dirs("hub_elearning:locale/")
    config.add_route("elearning.index", "", inherit_slash=True)
    config.scan("hub_elearning.views")
