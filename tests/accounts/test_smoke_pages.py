import pytest


@pytest.mark.parametrize("path", ["/login", "/register", "/account/reset", "/terms",
                                  "/register/done"])
def test_public_account_pages_render(testapp, path):
    page = testapp.get(path)
    assert "<h1" in page.text


@pytest.mark.parametrize("path", ["/profile", "/my/organisations", "/account/password",
                                  "/account/2fa", "/profile/delete", "/my"])
def test_member_pages_render(testapp, users, path):
    testapp.login(users.member)
    page = testapp.get(path)
    assert "<h1" in page.text


def test_staff_pages_render(testapp, users):
    testapp.login(users.admin)
    for path in ["/admin/users", f"/admin/users/{users.member.id}", "/admin/organisations",
                 "/admin/organisations/new", f"/organisation/{users.organisation.id}/manage"]:
        assert "<h1" in testapp.get(path).text
