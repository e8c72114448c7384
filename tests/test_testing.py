"""hub.testing for plugins kept elsewhere: built-in settings, guard-rail checks, hook_request."""
import importlib
import sys
from pathlib import Path

from pyramid.response import Response

from hub import hookimpl
from hub.app import make_config
from hub.plugins import PluginInfo
from hub.testing import TEST_SETTINGS, checks

ROOT = Path(__file__).resolve().parents[1]


def test_built_in_settings_are_those_of_the_test_ini():
    from pyramid.paster import get_appsettings

    ini = dict(get_appsettings(str(ROOT / "config" / "test.ini")))
    assert {key: ini.get(key, "").strip() for key in TEST_SETTINGS} == TEST_SETTINGS


def test_a_view_without_permission_is_reported(base_settings):
    config = make_config({**base_settings, "hub.plugins": "greetings"})
    config.add_route("unguarded", "/unguarded")
    config.add_view(lambda request: Response("open"), route_name="unguarded")
    config.commit()
    (problem,) = checks.views_without_permission(config.registry)
    assert "'unguarded' declares no permission" in problem


def test_an_uncovered_personal_table_is_reported(base_settings, monkeypatch):
    import hub_greetings

    def greetings_problems():
        registry = make_config({**base_settings, "hub.plugins": "greetings"}).registry
        return [p for p in checks.uncovered_personal_tables(registry) if "greetings" in p]

    assert greetings_problems() == []

    @hookimpl
    def hub_personal_data_tables():
        return []

    monkeypatch.setattr(hub_greetings, "hub_personal_data_tables", hub_personal_data_tables)
    assert greetings_problems() == [
        "table greetings_entry (hub_greetings) has personal columns author_id but no plugin "
        "lists it in hub_personal_data_tables"]


def test_tables_without_the_plugin_prefix_are_reported(make_app, monkeypatch):
    registry = make_app("greetings").registry
    monkeypatch.setattr(checks, "_table_owners", lambda registry: {
        "greetings_entry": "hub_greetings", "guestbook": "hub_greetings",
        "greetings_settings": "hub", "user": "hub"})
    assert checks.unprefixed_tables(registry) == [
        "core table greetings_settings takes the prefix of a plugin",
        "table guestbook of hub_greetings does not start with greetings_"]


def test_missing_czech_translations_are_reported(tmp_path, monkeypatch):
    package = tmp_path / "hub_untranslated"
    (package / "locale" / "cs" / "LC_MESSAGES").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "locale" / "cs" / "LC_MESSAGES" / "hub_untranslated.po").write_text(
        'msgid ""\nmsgstr "Language: cs\\n"\n\nmsgid "Done"\nmsgstr "Hotovo"\n\n'
        'msgid "Forgotten"\nmsgstr ""\n', encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("hub_untranslated")
    try:
        registry = {"hub.plugins": {"untranslated": PluginInfo("untranslated", module, "d",
                                                                "1")}}
        assert checks.incomplete_catalogues(registry) == [
            "hub_untranslated/locale/cs/LC_MESSAGES/hub_untranslated.po: no translation of "
            "'Forgotten'"]
    finally:
        del sys.modules["hub_untranslated"]


def test_hook_request_acts_as_the_user(hook_request, users, dbsession, make_app):
    from pyramid.threadlocal import get_current_request

    anonymous = hook_request()
    assert anonymous.identity is None and not anonymous.has_permission("greetings:entry:create")
    users.member.language = "en"
    member = hook_request(users.member, app=make_app("greetings"))
    assert member.identity is users.member and member.locale_name == "en"
    assert member.has_permission("greetings:entry:create")
    assert get_current_request() is member and member.dbsession is dbsession
    assert member.registry["hub.plugins"].keys() == {"greetings"}
