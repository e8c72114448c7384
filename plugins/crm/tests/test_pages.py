from hub.testing import html_text


def test_directory_is_public(client, users):
    page = client.get("/crm")
    assert "Testovací spolek pacientů" in html_text(page)


def test_staff_pages_need_staff(client, users, crm):
    crm.commit()
    for url in ("/crm/staff/contacts", "/crm/staff/segments", "/crm/staff/enquiries",
                "/crm/staff/tasks", "/crm/staff/contacts/new", "/crm/staff/import"):
        client.login(users.member)
        assert client.get(url, expect_errors=True).status_int in (403, 404), url
        client.login(users.staff)
        assert client.get(url).status_int == 200, url
    client.login(users.staff)
    assert client.get("/crm/staff/fields", expect_errors=True).status_int in (403, 404)
    client.login(users.admin)
    for url in ("/crm/staff/fields", "/crm/staff/health-access", "/crm/staff/audit"):
        assert client.get(url).status_int == 200
