"""The core's Czech catalogue is complete."""
from hub.testing import checks


def test_czech_catalogues_have_no_empty_translation(make_app):
    """The core's catalogue and every installed plugin's."""
    from hub.plugins import installed_plugins

    assert checks.incomplete_catalogues(make_app(*sorted(installed_plugins())).registry) == []


def test_people_pages_are_translated(testapp, users):
    testapp.login(users.member)
    for path in ("/profile", "/my/organisations", "/account/2fa", "/account/password"):
        czech = testapp.get(path).text
        testapp.set_cookie("hub_lang", "en")
        english = testapp.get(path).text
        testapp.set_cookie("hub_lang", "cs")
        assert czech != english
    assert "Můj profil" in testapp.get("/profile").text
