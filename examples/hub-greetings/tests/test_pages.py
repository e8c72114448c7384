"""The page: everyone reads, members write, bad input is explained."""
from hub.testing import html_text


def test_everyone_reads_the_entries(testapp, add_entry):
    add_entry("The first entry")
    page = testapp.get("/greetings")
    assert "The first entry" in html_text(page)
    assert 'id="greetings-form"' not in page.text
    assert "/login?next=" in page.text


def test_a_member_writes_an_entry(testapp, users):
    testapp.login(users.member)
    form = testapp.get("/greetings").forms["greetings-form"]
    form["text"] = "  Hello from a member  "
    page = testapp.post_form("/greetings", {"text": form["text"].value}, status=303).follow()
    text = html_text(page)
    assert "Hello from a member" in text and "Děkujeme, váš zápis byl přidán." in text


def test_an_empty_or_long_entry_is_refused_with_the_reason(testapp, users):
    testapp.login(users.member)
    page = testapp.post_form("/greetings", {"text": "   "}, status=422)
    assert "hub-error-summary" in page.text and 'aria-invalid="true"' in page.text
    assert "Napište text zápisu." in html_text(page)
    page = testapp.post_form("/greetings", {"text": "x" * 501}, status=422)
    assert "Použijte nejvýše 500 znaků." in html_text(page)


def test_anonymous_people_cannot_write(testapp):
    testapp.post_form("/greetings", {"text": "Anonymous"}, status=403)


def test_the_page_speaks_english(testapp):
    testapp.set_cookie("hub_lang", "en")
    assert "No entries yet." in html_text(testapp.get("/greetings"))
