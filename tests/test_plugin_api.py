"""Plugin contract versioning: a plugin states the plugin API range it supports."""
import pytest

import hub
from hub.plugins import PluginError, check_plugin_api, supports


@pytest.mark.parametrize("declared, api, expected", [
    (">=1.0,<2", "1.0", True),
    (">=1.0,<2", "1.7", True),
    (">=1.0,<2", "2.0", False),
    (">=1.2", "1.1", False),
    ("==1", "1.0", True),
    ("<1", "1.0", False),
])
def test_ranges(declared, api, expected):
    assert supports(declared, api) is expected


BUNDLED = ("booking", "events", "elearning", "crm", "newsletter", "news", "counselling",
           "greetings", "schools")


def test_bundled_plugins_declare_a_range_and_installed_ones_fit_this_core():
    from hub.plugins import installed_plugins

    for name, ep in installed_plugins().items():
        declared = getattr(ep.load(), "PLUGIN_API", None)
        assert declared is not None or name not in BUNDLED, f"{name} declares no PLUGIN_API"
        assert declared is None or supports(declared, hub.PLUGIN_API), name


def test_start_up_refuses_an_incompatible_plugin(base_settings, monkeypatch):
    import hub_theme_schools
    from hub.app import make_config

    monkeypatch.setattr(hub_theme_schools, "PLUGIN_API", ">=2.0,<3")
    with pytest.raises(PluginError) as refused:
        make_config({**base_settings, "hub.plugins": "schools"})
    message = str(refused.value)
    assert "'schools' (hub-theme-schools) supports plugin API >=2.0,<3" in message
    assert f"offers plugin API {hub.PLUGIN_API}" in message


def test_a_range_that_is_not_one_stops_start_up():
    with pytest.raises(PluginError, match="not a version range"):
        check_plugin_api("greetings", "hub-greetings", "one point oh")
