"""The profile page: own data, plugin sections, no mass assignment."""
from hub.accounts.models import User
from hub.contributions import ProfileSection
from hub.markers import hookimpl
from hub.testing import html_text


def test_profile_shows_own_data_and_plugin_sections(registry, testapp, users):
    class Extra:
        @hookimpl
        def hub_profile_sections(request, user):
            return [ProfileSection("extra", "My bookings", lambda r, u: f"<p>{u.name}</p>")]

    registry["hub.pm"].register(Extra, name="extra-profile")
    try:
        testapp.login(users.representative)
        page = testapp.get("/profile")
    finally:
        registry["hub.pm"].unregister(name="extra-profile")
    text = html_text(page)
    assert users.representative.email in text and users.organisation.name in text
    assert "My bookings" in text
    assert "&lt;p&gt;" in page.text  # a plain string from a plugin is escaped


def test_edit_name_and_language_only(testapp, users, dbsession):
    testapp.login(users.member)
    form = testapp.get("/profile").forms["profile-form"]
    form["name"] = ""
    assert "hub-error-summary" in form.submit().text
    testapp.post_form("/profile", {"name": "Marie Nová", "language": "en", "role": "admin",
                                   "email": "evil@example.cz", "is_active": "0"})
    dbsession.expire_all()
    user = dbsession.get(User, users.member.id)
    assert (user.name, user.language, user.role, user.email) == (
        "Marie Nová", "en", "member", "member@test.example")
    assert "My profile" in testapp.get("/profile").text  # the page follows the language


def test_profile_needs_sign_in(testapp):
    assert testapp.get("/profile").location.startswith("https://hub.example.org/login?next=")
