"""The page shell: layout, menus, language, error pages, health check."""
import sqlalchemy as sa

from hub.contributions import NavItem, Widget
from hub.markers import hookimpl
from hub.security import AUTHENTICATED, PUBLIC, STAFF
from hub.testing import html_text


def test_home_page_has_the_layout_in_czech_by_default(testapp):
    page = testapp.get("/")
    assert page.text.startswith("<!DOCTYPE html>")
    assert '<html lang="cs"' in page.text
    assert 'href="#content"' in page.text and 'id="content"' in page.text
    assert "Prohlášení o přístupnosti" in page.text
    assert 'aria-current="page">Domů<' in page.text


def test_language_switch_keeps_the_page_and_translates_it(testapp):
    page = testapp.get("/events")
    form = page.forms[0]
    assert form.action == "/language"
    response = form.submit("language", value="en")
    assert response.location.endswith("/events")
    english = response.follow()
    assert '<html lang="en"' in english.text
    assert "Accessibility statement" in english.text and "Home" in english.text


def test_language_choice_of_a_signed_in_user_is_stored(testapp, users, dbsession):
    testapp.login(users.member)
    testapp.post_form("/language", {"language": "en", "next": "/my"}, status=303)
    dbsession.refresh(users.member)
    assert users.member.language == "en"
    testapp.cookies.pop("hub_lang")
    assert '<html lang="en"' in testapp.get("/my").text


def test_language_switch_refuses_foreign_redirects(testapp):
    response = testapp.post_form("/language", {"language": "en", "next": "//evil.example/"})
    assert response.location == "https://hub.example.org/"


def test_navigation_is_filtered_by_permission_and_marks_the_current_item(app, registry,
                                                                        testapp, users):
    class Extra:
        @hookimpl
        def hub_navigation(request, menu):
            if menu == "admin":
                return [NavItem("Staff only", route="home", permission=STAFF)]
            if menu == "main":
                return [NavItem("Members only", route="dashboard", permission=AUTHENTICATED)]
            return None

    pm = registry["hub.pm"]
    pm.register(Extra, name="extra-nav")
    try:
        anonymous = testapp.get("/").text
        assert "Staff only" not in anonymous and "Members only" not in anonymous
        testapp.login(users.member)
        member = testapp.get("/my").text
        assert "Members only" in member and "Staff only" not in member
        assert 'aria-current="page">Members only<' in member
        testapp.login(users.staff)
        assert "Staff only" in testapp.get("/").text
    finally:
        pm.unregister(name="extra-nav")


def test_menus_are_built_once_per_roles_and_rebuilt_when_their_tables_change(
        make_app, make_testapp, bind_registry, dbsession, users):
    import transaction

    from hub.organizations.models import Organisation

    app = make_app(**{"hub.site_name": "Menus kept"})  # an app of its own: a fresh cache
    registry = bind_registry(app.registry)
    calls = []

    class FromDatabase:
        @hookimpl
        def hub_navigation(request, menu):
            if menu != "footer":
                return None
            calls.append(menu)
            names = request.dbsession.scalars(
                sa.select(Organisation.name).where(Organisation.slug.like("menu-%")))
            return [NavItem(name, url="/organisations", permission=PUBLIC) for name in names]

    registry["hub.pm"].register(FromDatabase, name="menu-from-database")
    registry["hub.shell_tables"].add("organisation")
    client = make_testapp(app)
    try:
        dbsession.add(Organisation(name="Menu One", slug="menu-one"))
        transaction.commit()
        assert "Menu One" in client.get("/").text
        assert "Menu One" in client.get("/accessibility").text
        assert len(calls) == 1  # the second page used the kept menu
        client.login(users.member)
        client.get("/")
        assert len(calls) == 2  # other roles, another menu
        dbsession.add(Organisation(name="Menu Two", slug="menu-two"))
        transaction.commit()
        assert "Menu Two" in client.get("/").text
    finally:
        registry["hub.pm"].unregister(name="menu-from-database")


def test_home_page_is_assembled_from_widgets(registry, testapp):
    class Extra:
        @hookimpl
        def hub_dashboard_widgets(request):
            return [Widget("hello", "Hello block", lambda r: "<p>plain <b>text</b></p>",
                           where="home", permission=PUBLIC)]

    registry["hub.pm"].register(Extra, name="extra-widget")
    try:
        page = testapp.get("/")
        assert "Hello block" in page.text
    finally:
        registry["hub.pm"].unregister(name="extra-widget")


def test_a_shared_widget_is_rendered_once_per_language_and_roles(registry, testapp, users,
                                                                   dbsession):
    import transaction

    from hub.organizations.models import Organisation

    renders = []

    def render(request):
        renders.append(request.locale_name)
        count = len(request.dbsession.scalars(sa.select(Organisation.id)).all())
        return f"{count} organisations"

    class Extra:
        @hookimpl
        def hub_dashboard_widgets(request):
            return [Widget("counted", "Counted", render, where="home", permission=PUBLIC,
                           cache_tables=("organisation",))]

    registry["hub.pm"].register(Extra, name="extra-cached-widget")
    try:
        first = testapp.get("/").text
        assert testapp.get("/").text == first and len(renders) == 1
        testapp.get("/", headers={"Accept-Language": "en"}, extra_environ={
            "HTTP_COOKIE": "hub_lang=en"})
        assert len(renders) == 2  # another language
        testapp.login(users.member)
        testapp.get("/")
        assert len(renders) == 3  # other roles
        testapp.logout()
        dbsession.add(Organisation(name="Nová organizace", slug="nova-organizace-widget"))
        transaction.commit()
        assert testapp.get("/").text != first  # the table changed: rendered anew
        assert len(renders) == 4
    finally:
        registry["hub.pm"].unregister(name="extra-cached-widget")


def test_a_personal_widget_is_kept_per_person(registry, testapp, users):
    renders = []

    def render(request):
        renders.append(request.identity.id)
        return f"Hello {request.identity.name}"

    class Extra:
        @hookimpl
        def hub_dashboard_widgets(request):
            return [Widget("greeting", "Greeting", render, permission=AUTHENTICATED,
                           cache_tables=("user",), cache_per_user=True)]

    registry["hub.pm"].register(Extra, name="extra-personal-widget")
    try:
        testapp.login(users.member)
        assert users.member.name in testapp.get("/my").text
        testapp.get("/my")
        testapp.login(users.representative)
        page = testapp.get("/my").text
        assert users.representative.name in page and users.member.name not in page
        assert renders == [users.member.id, users.representative.id]
    finally:
        registry["hub.pm"].unregister(name="extra-personal-widget")


def test_slot_snippets_are_escaped_unless_marked_safe(registry, testapp):
    from markupsafe import Markup

    class Extra:
        @hookimpl
        def hub_slot(request, name, context):
            if name == "before_content":
                return Markup("<p class='safe-snippet'>ok</p>")
            if name == "head":
                return "<script>alert(1)</script>"
            return None

    registry["hub.pm"].register(Extra, name="extra-slot")
    try:
        page = testapp.get("/")
        assert "<p class='safe-snippet'>ok</p>" in page.text
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;" in page.text
    finally:
        registry["hub.pm"].unregister(name="extra-slot")


def test_not_found_page_in_both_languages(testapp):
    page = testapp.get("/no-such-page", status=404)
    assert "Stránka nenalezena" in page.text and "<nav" in page.text
    testapp.set_cookie("hub_lang", "en")
    assert "Page not found" in testapp.get("/no-such-page", status=404).text


def test_anonymous_visitors_are_sent_to_sign_in(testapp):
    response = testapp.get("/my", status=302)
    assert response.location.endswith("/login?next=%2Fmy")


def test_forbidden_page_in_the_layout_in_both_languages(testapp, users):
    testapp.login(users.member)
    page = testapp.get("/admin/users", status=403)
    assert "Přístup odepřen" in page.text and "<footer" in page.text
    testapp.set_cookie("hub_lang", "en")
    assert "Access denied" in testapp.get("/admin/users", status=403).text


def test_server_error_page_is_rendered_in_the_layout(registry, testapp):
    class Broken:
        @hookimpl
        def hub_dashboard_widgets(request):
            raise RuntimeError("boom")

    registry["hub.pm"].register(Broken, name="broken-widgets")
    try:
        page = testapp.get("/", status=500)
        assert "Něco se pokazilo" in page.text and "boom" not in page.text
        assert "<footer" in page.text
    finally:
        registry["hub.pm"].unregister(name="broken-widgets")


def test_server_error_page_after_a_failed_flush(registry, testapp, users):
    """A database error leaves the session unusable: the error page must still render."""
    from hub.organizations.models import Organisation

    class Clashing:
        @hookimpl
        def hub_dashboard_widgets(request):
            # Before anything asked for the page's language.
            request.dbsession.add(Organisation(name="Dvojník", slug="test-spolek"))  # taken
            request.dbsession.flush()

    registry["hub.pm"].register(Clashing, name="clashing-widgets")
    try:
        testapp.login(users.member)
        page = testapp.get("/my", status=500)
        assert "Něco se pokazilo" in page.text and "<footer" in page.text
    finally:
        registry["hub.pm"].unregister(name="clashing-widgets")


def test_dashboard_for_a_signed_in_user(testapp, users):
    testapp.login(users.member)
    assert users.member.name in html_text(testapp.get("/my"))


def test_health_check_reports_the_database(testapp):
    assert testapp.get("/healthz").json == {"status": "ok", "database": "ok",
                                            "migrations": "ok"}


def test_accessibility_statement_is_linked_from_every_page(testapp):
    for url in ("/", "/events", "/no-such-page"):
        page = testapp.get(url, status="*")
        assert 'href="/accessibility"' in page.text
    statement = testapp.get("/accessibility")
    assert "99/2019" in statement.text


def test_search_collects_results_from_every_plugin(registry, testapp):
    from hub.contributions import SearchResult

    class Extra:
        @hookimpl
        def hub_search(request, query):
            return [SearchResult("Seminar on " + query, "/events/1", "About <b>x</b>", score=1),
                    SearchResult("Course on " + query, "/elearning/2", score=2)]

    registry["hub.pm"].register(Extra, name="extra-search")
    try:
        page = testapp.get("/search", {"q": "diabetes"})
        text = page.text
        assert text.index("Course on diabetes") < text.index("Seminar on diabetes")
        assert "About &lt;b&gt;x&lt;/b&gt;" in text
        assert testapp.get("/search").status_int == 200
    finally:
        registry["hub.pm"].unregister(name="extra-search")


def test_search_without_results_says_so(testapp):
    testapp.set_cookie("hub_lang", "en")
    page = testapp.get("/search", {"q": "nothing-matches-this"})
    assert "Nothing was found" in page.text and "nothing-matches-this" in page.text


def test_logout_helper_really_signs_the_client_out(testapp, users):
    testapp.login(users.member)
    testapp.get("/my", status=200)
    testapp.logout()
    testapp.get("/my", status=302)


def test_search_accepts_non_ascii_queries(testapp):
    assert testapp.get("/search?q=%C4%8Desk%C3%A9").status_int == 200
    assert testapp.get("/search", {"q": "české"}).status_int == 200


def test_share_metadata_is_rendered_escaped_in_the_head(testapp):
    from hub.sharing import set_share_metadata, share_head

    class Request:
        registry = testapp.app.registry
        environ: dict = {}
        path = "/events/1"
        locale_name = "cs"

    request = Request()
    set_share_metadata(request, 'Seminář "<b>"', "Popis\n akce", image="/static/x.png")
    html = str(share_head(request))
    assert '<meta property="og:title" content="Seminář &#34;&lt;b&gt;&#34;">' in html
    assert 'content="https://hub.example.org/static/x.png"' in html
    assert 'content="Popis akce"' in html
    assert '<link rel="canonical" href="https://hub.example.org/events/1">' in html
    assert "og:title" not in testapp.get("/").text  # only pages that describe themselves


def test_a_page_with_an_error_summary_says_so_first_in_its_title(testapp):
    import re

    def title(page):
        return re.search(r"<title>([^<]*)</title>", page.text).group(1)

    page = testapp.get("/login")
    assert not title(page).startswith("Chyba")
    failed = page.forms[0 if page.forms[0].action != "/language" else 1].submit(status="*")
    assert 'class="hub-error-summary"' in failed.text
    assert title(failed) == "Chyba: " + title(page)
    assert 'src="/static/forms.js' in failed.text  # the script that moves the focus there


def test_filtered_paged_and_searched_lists_have_titles_of_their_own(testapp, users):
    import html
    import re

    def title(url, **params):
        page = testapp.get(url, params)
        return html.unescape(re.search(r"<title>([^<]*)</title>", page.text).group(1))

    site = testapp.app.registry.settings["hub.site_name"]
    assert title("/search") == f"Hledat | {site}"
    assert title("/search", q="cukrovka") == f"Hledat – hledání „cukrovka“ | {site}"
    testapp.login(users.admin)
    assert title("/admin/users") == f"Uživatelé | {site}"
    assert title("/admin/users", q="nov", page="2") == \
        f"Uživatelé – hledání „nov“ – strana 2 | {site}"
    assert title("/admin/users", role="staff").startswith("Uživatelé – Tým hubu |")
    assert title("/admin/organisations", page="3").startswith("Organizace – strana 3 |")
    assert title("/admin/mail", status="failed", page="2") != title("/admin/mail")
    assert title("/notifications", page="2").endswith(f"– strana 2 | {site}")


def test_accessibility_statement_has_what_decree_523_2020_requires(testapp, make_app,
                                                                  make_testapp):
    import pytest

    from hub.settings import SettingsError, apply_core_settings

    page = testapp.get("/accessibility")
    text = html_text(page).replace("\xa0", " ")  # dates carry no-break spaces
    assert "Tento portál je částečně v souladu se zákonem č. 99/2019 Sb." in text
    assert "Toto prohlášení bylo vypracováno dne 7. prosince 2026" in text
    assert "Naposledy bylo přezkoumáno dne 7. prosince 2026" in text
    assert page.html.find("time")["datetime"] == "2026-12-07"
    reasons = [html_text(li) for li in page.html.find("main").find_all("li")
               if li.find("strong")]
    assert len(reasons) >= 2 and all("Důvod:" in r for r in reasons)
    assert page.html.find("a", href="mailto:pristupnost@example.org") is not None
    assert page.html.find("a", href="tel:+420123456789").text == "+420 123 456 789"
    authority = page.html.find("a", href="https://dia.gov.cz/")
    assert authority.text == "Digitální a informační agenturu"
    assert 'href="https://hub.example.org/"' in page.text

    other = make_testapp(make_app(**{"hub.accessibility.status": "full",
                                     "hub.accessibility.prepared": "2025-09-01",
                                     "hub.accessibility.reviewed": "2026-03-15",
                                     "hub.accessibility.phone": ""}))
    other.set_cookie("hub_lang", "en")
    english = other.get("/accessibility")
    text = html_text(english).replace("\xa0", " ")
    assert "This portal is fully compliant with Act No. 99/2019 Coll." in text
    assert "partially" not in text
    assert "prepared on September 1, 2025" in text and "reviewed on March 15, 2026" in text
    assert english.html.find("a", href=lambda h: h and h.startswith("tel:")) is None
    with pytest.raises(SettingsError, match="hub.accessibility.status"):
        apply_core_settings({"hub.accessibility.status": "mostly"})
    with pytest.raises(SettingsError, match="hub.accessibility.reviewed"):
        apply_core_settings({"hub.accessibility.reviewed": "7. 12. 2026"})


def test_compiled_templates_are_kept_on_disk_for_every_process(testapp, tmp_path, monkeypatch):
    """A worker started later loads the templates an earlier one compiled: each process
    no longer pays the memory that compiling costs."""
    from chameleon.template import BaseTemplate
    from chameleon.zpt.template import PageTemplate

    from hub.shell import keep_compiled_templates

    monkeypatch.setattr(BaseTemplate, "loader", BaseTemplate.loader)  # restored after
    keep_compiled_templates(str(tmp_path / "templates"))
    body = '<p tal:content="name">name</p>'
    assert PageTemplate(body)(name="Jana") == "<p>Jana</p>"
    assert list((tmp_path / "templates").glob("*.py"))
    assert testapp.get("/").status_code == 200  # the app's own templates alike

    def compile_again(*_args):
        raise AssertionError("compiled again")

    monkeypatch.setattr(BaseTemplate, "_compile", compile_again)
    assert PageTemplate(body)(name="Petr") == "<p>Petr</p>"
