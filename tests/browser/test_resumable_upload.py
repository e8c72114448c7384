"""A large file through the resumable field (hub:templates/uploads/field.pt): tus in parts
with progress, the token in the hidden field, the form sent and the file claimed; and the
same form without scripts sends the file itself.

The page is a test-only route on a hub of its own, so the test needs no feature's form."""
import hashlib
import os
import re
import types
from urllib.parse import urlsplit

import pytest

from hub.testing import make_user, served

pytestmark = [pytest.mark.browser]

PAGE = """\
<html metal:use-macro="layout" i18n:domain="hub">
<metal:title fill-slot="title">Upload test</metal:title>
<metal:content fill-slot="content" tal:define="uf load: hub:templates/uploads/field.pt">
  <h1>Upload test</h1>
  <dl tal:condition="result">
    <dt>how</dt><dd id="how">${result.how}</dd>
    <dt>size</dt><dd id="size">${result.size}</dd>
    <dt>sha256</dt><dd id="sha256">${result.sha256}</dd>
    <dt>type</dt><dd id="type">${result.content_type}</dd>
  </dl>
  <form method="post" enctype="multipart/form-data"
        action="${request.route_path('upload_test_page')}">
    <input type="hidden" name="csrf_token" value="${shell.csrf_token}">
    <metal:field use-macro="uf.macros['resumable_file']"></metal:field>
    <button type="submit" class="hub-button">Send</button>
  </form>
</metal:content>
</html>
"""
STAFF = "uploader@browser.example"
DATA = b"%PDF-1.7\n" + os.urandom(6 * 1024 * 1024) + b"\n%%EOF\n"  # two tus parts


def axe_violations(page) -> list:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in result.response["violations"]]


def page_view(request):
    from hub import storage as store
    from hub.uploads import claim

    result = None
    if request.method == "POST":
        token = request.POST.get("upload", "")
        if token:
            stored, how = claim(request, token, namespace="test", max_size=len(DATA),
                                allowed_types=store.DOCUMENTS), "tus"
        else:
            field = request.POST["file"]
            stored, how = store.storage(request).save(
                field.file, namespace="test", filename=field.filename, max_size=len(DATA),
                allowed_types=store.DOCUMENTS), "form"
        result = types.SimpleNamespace(how=how, size=stored.size, sha256=stored.sha256,
                                       content_type=stored.content_type)
    return {"result": result}


@pytest.fixture(scope="module")
def upload_site(base_settings, tmp_path_factory):
    from hub import migrate
    from hub.app import make_config
    from hub.db import make_engine
    from hub.security import STAFF as STAFF_PERMISSION

    folder = tmp_path_factory.mktemp("uploads")
    url = f"sqlite:///{folder / 'hub.sqlite'}"
    (folder / "page.pt").write_text(PAGE, encoding="utf-8")
    engine = make_engine(url)
    config = make_config({**base_settings, "sqlalchemy.url": url, "hub.dbengine": engine,
                          "hub.plugins": "", "hub.uploads.max_size": str(7 * 1024 * 1024)})
    config.add_route("upload_test_page", "/upload-test")
    config.add_view(page_view, route_name="upload_test_page", renderer=str(folder / "page.pt"),
                    permission=STAFF_PERMISSION, request_method=("GET", "POST"))
    migrate.upgrade(config.registry)
    with config.registry["hub.dbsession_factory"]() as db:
        make_user(db, STAFF, "staff")
        db.commit()
    with served(config.make_wsgi_app()) as base:
        yield types.SimpleNamespace(url=base, registry=config.registry)
    engine.dispose()


def test_a_large_file_goes_in_parts_with_progress_and_the_form_claims_it(
        browser, upload_site, sign_in_as):
    context = browser.new_context(locale="cs")
    context.set_default_timeout(20_000)
    sign_in_as(context, upload_site, STAFF)
    seen = []
    # What the live region says and the hidden field holds, as each change happens (the
    # page goes away once the form is sent).
    context.expose_function("hubSeen", lambda status, token: seen.append((status, token)))
    context.add_init_script("""
      document.addEventListener("DOMContentLoaded", () => {
        const status = document.querySelector("[aria-live=polite]");
        if (!status) return;
        new MutationObserver((records) => {
          const token = document.querySelector("input[name=upload]").value;
          for (const r of records) {
            for (const n of r.addedNodes) window.hubSeen(n.textContent, token);
          }
        }).observe(status, {childList: true});
      });
    """)
    page = context.new_page()
    page.goto(upload_site.url + "/upload-test")
    page.wait_for_function("() => window.tus !== undefined")
    assert axe_violations(page) == []
    field = page.get_by_label("Soubor")
    field.set_input_files(files=[{"name": "výroční zpráva.pdf", "mimeType": "application/pdf",
                                  "buffer": DATA}])
    with page.expect_navigation():
        page.get_by_role("button", name="Send").click()
    assert page.locator("#how").inner_text() == "tus"
    assert page.locator("#size").inner_text() == str(len(DATA))
    assert page.locator("#sha256").inner_text() == hashlib.sha256(DATA).hexdigest()
    assert page.locator("#type").inner_text() == "application/pdf"
    statuses = [status for status, _token in seen]
    assert "Nahráno 0 %" in statuses and "Nahráno 100 %" in statuses, statuses
    assert statuses[-1] == "Nahrávání dokončeno. Ukládá se…"
    assert len(seen[-1][1]) == 43  # the token was in the form when it was sent
    context.close()


def test_without_scripts_the_form_sends_the_file(browser, upload_site, sign_in_as):
    context = browser.new_context(locale="cs", java_script_enabled=False)
    sign_in_as(context, upload_site, STAFF)
    page = context.new_page()
    page.goto(upload_site.url + "/upload-test")
    assert page.locator("#field-file-progress").is_hidden()
    page.get_by_label("Soubor").set_input_files(files=[{
        "name": "zpráva.pdf", "mimeType": "application/pdf", "buffer": DATA[:300_000]}])
    with page.expect_navigation():
        page.get_by_role("button", name="Send").click()
    assert page.locator("#how").inner_text() == "form"
    assert page.locator("#sha256").inner_text() == hashlib.sha256(DATA[:300_000]).hexdigest()
    context.close()


def test_after_a_reload_the_same_file_continues_where_it_stopped(
        browser, upload_site, sign_in_as, tmp_path):
    path = tmp_path / "záznam.pdf"
    path.write_bytes(DATA)  # a file on disk keeps its date: tus recognises it again
    context = browser.new_context(locale="cs")
    context.set_default_timeout(20_000)
    sign_in_as(context, upload_site, STAFF)
    page = context.new_page()
    sent = []
    page.on("request", lambda r: sent.append((r.method, r.headers.get("upload-offset")))
            if re.search(r"/uploads(/|$)", urlsplit(r.url).path) else None)
    second_part = str(5 * 1024 * 1024)
    connection = {"lost": True}

    def lose_second_part(route):
        if connection["lost"] and route.request.headers.get("upload-offset") == second_part:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/uploads/*", lose_second_part)
    page.goto(upload_site.url + "/upload-test")
    page.wait_for_function("() => window.tus !== undefined")
    page.get_by_label("Soubor").set_input_files(str(path))
    with page.expect_request(lambda r: r.headers.get("upload-offset") == second_part):
        page.get_by_role("button", name="Send").click()
    page.reload()
    connection["lost"] = False
    sent.clear()

    page.wait_for_function("() => window.tus !== undefined")
    page.get_by_label("Soubor").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="Send").click()
    assert page.locator("#sha256").inner_text() == hashlib.sha256(DATA).hexdigest()
    # No new upload: where it stood was asked, and only the rest was sent.
    assert ("POST", None) not in sent and ("HEAD", None) in sent, sent
    assert [offset for method, offset in sent if method == "PATCH"] == [str(5 * 1024 * 1024)], sent
    context.close()


def test_an_upload_can_be_paused_and_resumed(browser, upload_site, sign_in_as):
    context = browser.new_context(locale="cs")
    context.set_default_timeout(20_000)
    sign_in_as(context, upload_site, STAFF)
    page = context.new_page()
    held = []

    def hold_first_part(route):
        if not held and route.request.method == "PATCH":
            held.append(route)  # answered only after the pause
        else:
            route.continue_()

    page.route("**/uploads/*", hold_first_part)
    page.goto(upload_site.url + "/upload-test")
    page.wait_for_function("() => window.tus !== undefined")
    page.get_by_label("Soubor").set_input_files(files=[{
        "name": "pauza.pdf", "mimeType": "application/pdf", "buffer": DATA}])
    with page.expect_request(lambda r: r.method == "PATCH"):
        page.get_by_role("button", name="Send").click()
    pause = page.get_by_role("button", name="Pozastavit nahrávání")
    pause.focus()
    page.keyboard.press("Enter")
    status = page.locator("#field-file-status")
    assert status.inner_text() == "Nahrávání je pozastavené na 0 %."
    assert page.locator("#field-file-token").input_value() == ""
    assert axe_violations(page) == []  # with the progress bar and the button shown
    resume = page.get_by_role("button", name="Pokračovat v nahrávání")
    with page.expect_navigation():
        resume.click()
    assert page.locator("#sha256").inner_text() == hashlib.sha256(DATA).hexdigest()
    context.close()


def test_a_refused_upload_says_why_at_the_field(browser, upload_site, sign_in_as):
    context = browser.new_context(locale="cs")
    context.set_default_timeout(20_000)
    sign_in_as(context, upload_site, STAFF)
    page = context.new_page()
    page.goto(upload_site.url + "/upload-test")
    page.wait_for_function("() => window.tus !== undefined")
    field = page.get_by_label("Soubor")
    field.set_input_files(files=[{"name": "velký.pdf", "mimeType": "application/pdf",
                                  "buffer": DATA + b"x" * (1024 * 1024)}])
    page.get_by_role("button", name="Send").click()
    message = page.locator("#field-file-upload-error")
    message.wait_for(state="visible")
    assert "Soubor je větší než 7 MB." in message.inner_text()
    assert field.get_attribute("aria-invalid") == "true"
    assert "field-file-upload-error" in field.get_attribute("aria-describedby")
    assert page.evaluate("() => document.activeElement.id") == "field-file"
    assert page.url.endswith("/upload-test")  # the form was not sent
    assert axe_violations(page) == []
    context.close()
