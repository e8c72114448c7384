"""A hub's own look from configuration: the Patient Hub and config/another-hub.ini."""
from pathlib import Path

import pytest
from pyramid.paster import get_appsettings

from hub.settings import SettingsError
from hub.testing import html_text

ROOT = Path(__file__).resolve().parents[1]
THEME_KEYS = ("hub.site_name", "hub.site_name_genitive", "hub.logo", "hub.favicon",
              "hub.tokens", "hub.header_text", "hub.footer_text", "hub.footer_links",
              "hub.overrides", "hub.demo_plugins")


@pytest.fixture
def another_hub(make_app, make_testapp):
    settings = get_appsettings(str(ROOT / "config" / "another-hub.ini"))
    plugins = settings["hub.plugins"].split()
    app = make_app(*plugins, **{k: settings[k] for k in THEME_KEYS if k in settings})
    return make_testapp(app)


def test_the_patient_hub_keeps_its_look(testapp):
    page = testapp.get("/")
    assert "Pacientský Hub" in page.text
    assert "Ministerstvo zdravotnictví" in html_text(page)
    assert "/theme.css" not in page.text and "/theme-logo" not in page.text
    assert "pacientské organizace" in html_text(page)


def test_another_hub_has_its_name_colours_logo_texts_and_home_page(another_hub):
    page = another_hub.get("/")
    text = html_text(page)
    assert "Vzdělávací hub" in text and "Pacientský Hub" not in text
    assert "Vzdělávání pro školy" in text
    assert "Ministerstvo školství, mládeže a tělovýchovy" in text
    assert "Ministerstvo zdravotnictví" not in text
    assert page.html.select_one('.hub-footer a[href="https://www.example.org/kontakty"]')
    # The home page comes from the theme's override of hub:templates/home.pt.
    assert "Kurzy a akce pro učitele" in text and "pacientské organizace" not in text
    css = another_hub.get("/theme.css")
    assert css.content_type == "text/css"
    assert "--hub-primary: #2f6b1c;" in css.text
    logo = another_hub.get("/theme-logo")
    assert logo.content_type == "image/svg+xml" and b"<svg" in logo.body
    icon = another_hub.get("/favicon.ico")
    assert icon.body == (ROOT / "examples/hub-theme-schools/hub_theme_schools/static/"
                         "favicon.ico").read_bytes()


def test_another_hub_in_english(another_hub):
    from hub.i18n import LANGUAGE_COOKIE

    another_hub.set_cookie(LANGUAGE_COOKIE, "en")
    text = html_text(another_hub.get("/"))
    assert "Learning for schools" in text and "Ministry of Education" in text
    assert "Courses and events for teachers" in text


def test_mail_texts_use_the_genitive(make_app):
    from hub.theme import theme_of

    theme = theme_of(make_app("events", **{"hub.site_name": "Vzdělávací hub",
                                           "hub.site_name_genitive": "Vzdělávacího hubu"})
                     .registry)
    assert theme.name("cs", "genitive") == "Vzdělávacího hubu"
    assert theme.name("en", "genitive") == "Vzdělávací hub"


@pytest.mark.parametrize("key, value", [
    ("hub.tokens", "primary red; } body { display: none"),
    ("hub.tokens", "unknown #fff"),
    ("hub.footer_links", "Kontakty without an address"),
    ("hub.logo", "hub:static/no-such-logo.svg"),
    ("hub.overrides", "no_such_package:templates/"),
    ("hub.demo_data", "hub:data/no-such-demo-data.toml"),
])
def test_bad_theme_settings_stop_start_up(base_settings, key, value):
    from hub.app import make_config

    with pytest.raises(SettingsError):
        make_config({**base_settings, "hub.plugins": "", key: value})
