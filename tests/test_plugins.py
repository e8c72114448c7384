"""The plugin mechanism: discovery, enabling by configuration, hook validation."""
import sys
import types

import pytest

from hub import hookimpl
from hub.app import make_config
from hub.plugins import PluginError, PluginInfo, installed_plugins, make_plugin_manager

BUNDLED = {"booking", "events", "elearning", "crm", "newsletter", "news"}


def test_bundled_and_example_plugins_are_discovered_through_entry_points():
    found = installed_plugins()
    assert BUNDLED | {"greetings"} <= set(found)
    assert found["booking"].value == "hub_booking"


def test_every_enabled_plugin_contributes_a_menu_item_and_a_page(testapp):
    page = testapp.get("/")
    for name in BUNDLED:
        assert f'href="/{name}"' in page.text
        assert testapp.get(f"/{name}").status_int == 200


def test_a_disabled_plugin_contributes_nothing(make_app, make_testapp):
    client = make_testapp(make_app("events", "elearning"))
    home = client.get("/")
    assert 'href="/events"' in home.text and 'href="/booking"' not in home.text
    client.get("/booking", status=404)
    assert set(client.app.registry["hub.plugins"]) == {"events", "elearning"}


def test_third_party_plugin_is_enabled_by_configuration_and_renders(make_app, make_testapp,
                                                                      dbsession, users):
    client = make_testapp(make_app("greetings"))
    assert 'href="/greetings"' in client.get("/").text
    client.login(users.member)
    page = client.get("/greetings")
    form = page.forms["greetings-form"]
    form["text"] = "Hello from a third-party plugin"
    form.submit(headers={"Origin": client.origin}).follow()
    assert "Hello from a third-party plugin" in client.get("/greetings").text


def test_unknown_plugin_stops_start_up_listing_installed_ones(base_settings):
    with pytest.raises(PluginError) as err:
        make_config({**base_settings, "hub.plugins": "booking bookign"})
    message = str(err.value)
    assert "bookign" in message and "Installed plugins:" in message and "booking" in message


def test_misspelled_hook_implementation_stops_start_up():
    bad = types.ModuleType("hub_misspelled")

    @hookimpl
    def hub_navigaton(request, menu):  # the typo is the point of this test
        return []

    bad.hub_navigaton = hub_navigaton
    info = PluginInfo("misspelled", bad, "hub-misspelled", "0")
    with pytest.raises(PluginError, match="hub_navigaton"):
        make_plugin_manager({"misspelled": info})


def test_missing_dependency_is_a_clear_error(base_settings, monkeypatch):
    import hub_newsletter

    @hookimpl
    def hub_dependencies():
        return ["crm"]

    monkeypatch.setattr(hub_newsletter, "hub_dependencies", hub_dependencies, raising=False)
    with pytest.raises(PluginError, match="'newsletter' requires crm"):
        make_config({**base_settings, "hub.plugins": "newsletter"})
    config = make_config({**base_settings, "hub.plugins": "newsletter crm"})
    # dependencies come first, whatever the order in the configuration
    assert config.registry["hub.plugin_order"] == ["crm", "newsletter"]


def test_unknown_plugin_setting_is_rejected(base_settings):
    from hub.settings import SettingsError

    with pytest.raises(SettingsError, match="booking.colour"):
        make_config({**base_settings, "hub.plugins": "booking", "booking.colour": "red"})


def test_route_prefix_is_configurable_per_plugin(make_app, make_testapp):
    client = make_testapp(make_app("events", **{"events.route_prefix": "/akce"}))
    assert 'href="/akce"' in client.get("/").text
    client.get("/akce", status=200)
    client.get("/events", status=404)


def test_one_plugin_manager_per_application(make_app):
    one, two = make_app("events"), make_app("booking")
    assert one.registry["hub.pm"] is not two.registry["hub.pm"]
    assert one.registry["hub.pm"].get_plugin("booking") is None
    assert sys.modules["hub.core_hooks"] in one.registry["hub.pm"].get_plugins()


def test_another_hub_assembly_has_only_its_two_modules(base_settings, make_testapp):
    from pyramid.paster import get_appsettings

    from hub.app import make_config

    settings = dict(get_appsettings("config/another-hub.ini"))
    settings.update({k: base_settings[k] for k in ("sqlalchemy.url", "hub.jobs.backend")})
    app = make_config(settings).make_wsgi_app()
    client = make_testapp(app)
    home = client.get("/")
    assert "Vzdělávací hub" in home.text
    assert 'href="/akce"' in home.text and 'href="/kurzy"' in home.text
    assert 'href="/booking"' not in home.text and 'href="/crm"' not in home.text
    client.get("/booking", status=404)


def test_the_whole_portal_passes_the_guard_rail_checks(make_app):
    """Every bundled plugin together: permissions, personal data, table names, Czech
    catalogues and the API document (what each plugin's own suite checks alone)."""
    from hub import checks
    from hub.plugins import installed_plugins

    assert checks.problems(make_app(*sorted(installed_plugins())).registry) == []
