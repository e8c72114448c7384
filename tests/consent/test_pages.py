"""People's pages (My consents, the withdraw link of e-mails) and the staff's chart."""
import datetime as dt
import re

import sqlalchemy as sa

from hub import hookimpl
from hub.consent import (
    ConsentRecord,
    Purpose,
    Subject,
    current,
    give,
    has_consent,
    withdraw,
    withdraw_link,
)
from hub.consent.report import month_starts, report
from hub.db import utcnow
from hub.testing import html_text

from .conftest import HEALTH, NEWS, RELEASE


def _records(dbsession, **where):
    dbsession.expire_all()
    return dbsession.scalars(sa.select(ConsentRecord).filter_by(**where)
                             .order_by(ConsentRecord.id)).all()


def test_my_consents_gives_and_withdraws_with_one_click_each(testapp, users, ledger,
                                                             dbsession):
    testapp.login(users.member)
    page = testapp.get("/my/consents")
    assert "Moje souhlasy" in page.text
    form = page.forms[f"give-{NEWS.key}"]
    assert form["text_version"].value == NEWS.text_version
    assert NEWS.text["cs"] in page.text  # the whole text is shown before agreeing
    page = form.submit(status=303).follow()
    assert [(r.action, r.source) for r in _records(dbsession, purpose=NEWS.key)] == [
        ("given", "form")]
    assert f"give-{NEWS.key}" not in page.forms  # offered no more: it is in force
    consent = re.search(r'<details>.*?</details>', page.text, re.S).group(0)
    assert NEWS.text["cs"] in consent  # the text agreed to, in a disclosure

    page = page.forms[f"withdraw-{NEWS.key}"].submit(status=303).follow()
    assert [r.action for r in _records(dbsession, purpose=NEWS.key)] == ["given", "withdrawn"]
    assert "Odvolané souhlasy" in page.text and f"give-{NEWS.key}" in page.forms
    # A second withdrawal (another tab) changes nothing and says so.
    testapp.post_form("/my/consents/withdraw", {"purpose": NEWS.key, "object": ""},
                      status=303)
    assert len(_records(dbsession, purpose=NEWS.key)) == 2


def test_special_category_needs_the_explicit_box(testapp, users, ledger, dbsession):
    testapp.login(users.member)
    form = testapp.get("/my/consents").forms[f"give-{HEALTH.key}"]
    page = form.submit(status=422)
    assert "hub-error-summary" in page.text and _records(dbsession, purpose=HEALTH.key) == []
    form = page.forms[f"give-{HEALTH.key}"]
    form["explicit"] = True
    form.submit(status=303)
    assert [r.action for r in _records(dbsession, purpose=HEALTH.key)] == ["given"]


def test_a_changed_text_or_a_made_up_purpose_is_a_form_error(testapp, users, ledger,
                                                             dbsession):
    testapp.login(users.member)
    page = testapp.post_form("/my/consents/give", {"purpose": NEWS.key,
                                                   "text_version": "0123456789abcdef"},
                             status=409)
    assert "hub-error-summary" in page.text
    testapp.post_form("/my/consents/give", {"purpose": "testplugin.unknown",
                                            "text_version": "x"}, status=422)
    testapp.post_form("/my/consents/give", {"purpose": RELEASE.key,
                                            "text_version": RELEASE.text_version}, status=422)
    assert _records(dbsession) == []


def test_scoped_and_address_consents_are_listed_and_withdrawn(testapp, web_request, users,
                                                              ledger, dbsession):
    give(web_request, Subject.of_user(users.member), RELEASE.key, RELEASE.text_version, "form",
         object="talk:7")
    give(web_request, Subject.of_email(users.member.email), NEWS.key, NEWS.text_version,
         "double_opt_in")
    testapp.login(users.member)
    page = testapp.get("/my/consents")
    assert "Zveřejnění záznamu: Talk 7" in html_text(page)
    page.forms[f"withdraw-{RELEASE.key}-talk:7"].submit(status=303)
    page.forms[f"withdraw-{NEWS.key}"].submit(status=303)
    assert not has_consent(web_request, Subject.of_user(users.member), RELEASE.key, "talk:7")
    assert not has_consent(web_request, Subject.of_email(users.member.email), NEWS.key)


def test_a_new_text_is_shown_and_the_old_consent_stays_in_force(app, testapp, web_request,
                                                                 users, ledger, dbsession):
    member = Subject.of_user(users.member)
    give(web_request, member, NEWS.key, NEWS.text_version, "form")
    reworded = Purpose(NEWS.key, NEWS.title, {**NEWS.text, "cs": "Posílejte mi novinky a "
                                              "pozvánky e-mailem.", "en": "News and invitations."})

    class Reworded:
        @hookimpl
        def hub_consent_purposes(self):
            return [reworded]

    pm = app.registry["hub.pm"]
    pm.unregister(name="test-consent-purposes")
    pm.register(Reworded(), name="test-consent-reworded")
    try:
        testapp.login(users.member)
        page = testapp.get("/my/consents")
        assert "Posílejte mi novinky a pozvánky e-mailem." in page.text
        assert has_consent(web_request, member, NEWS.key)  # the earlier text still holds
        assert not has_consent(web_request, member, NEWS.key, current_text_only=True)
        form = page.forms[f"renew-{NEWS.key}"]
        assert form["text_version"].value == reworded.text_version
        form.submit(status=303)
        assert current(web_request, member, NEWS.key).text_version == reworded.text_version
        assert [r.text_version for r in _records(dbsession, purpose=NEWS.key)] == [
            NEWS.text_version, reworded.text_version]
    finally:
        pm.unregister(name="test-consent-reworded")
        pm.register(ledger, name="test-consent-purposes")


def test_my_hub_and_the_profile_lead_to_my_consents(testapp, web_request, users, ledger):
    give(web_request, Subject.of_user(users.member), NEWS.key, NEWS.text_version, "form")
    testapp.login(users.member)
    for path in ("/my", "/profile"):
        page = testapp.get(path)
        assert "Novinky e-mailem" in page.text and 'href="/my/consents"' in page.text
    testapp.set_cookie("hub_lang", "en")
    page = testapp.get("/my/consents")
    assert "My consents" in page.text and NEWS.text["en"] in page.text


def test_pages_need_sign_in_and_csrf(testapp, users, ledger):
    assert testapp.get("/my/consents", status=302).location.startswith(
        "https://hub.example.org/login")
    testapp.login(users.member)
    testapp.post("/my/consents/withdraw", {"purpose": NEWS.key},
                 headers={"Origin": testapp.origin}, status=400)


# -- the withdraw link of e-mails ---------------------------------------------------------------

def test_the_withdraw_link_confirms_on_get_and_withdraws_on_post(testapp, web_request, users,
                                                                 ledger, dbsession):
    reader = Subject.of_email("reader@example.org")
    give(web_request, reader, NEWS.key, NEWS.text_version, "double_opt_in")
    url = withdraw_link(web_request, reader, NEWS.key)
    assert url.startswith("https://hub.example.org/consent/withdraw/")
    assert "reader" not in url  # no address in the link
    path = url[len("https://hub.example.org"):]
    page = testapp.get(path)
    assert "Novinky e-mailem" in page.text and has_consent(web_request, reader, NEWS.key)
    page = page.forms["withdraw-link-form"].submit(status=200)
    assert "odvolán" in page.text
    assert [(r.action, r.source) for r in _records(dbsession, purpose=NEWS.key)] == [
        ("given", "double_opt_in"), ("withdrawn", "link")]
    assert "už byl odvolán" in testapp.get(path).text


def test_one_click_unsubscribe_needs_no_cookie_and_is_idempotent(app, web_request, users,
                                                                 ledger, dbsession,
                                                                 make_testapp):
    member = Subject.of_user(users.member)
    give(web_request, member, NEWS.key, NEWS.text_version, "form")
    path = withdraw_link(web_request, member, NEWS.key)[len("https://hub.example.org"):]
    mail_client = make_testapp(app)  # no cookies at all, as a mail provider posts
    for _attempt in range(2):
        mail_client.post(path, {"List-Unsubscribe": "One-Click"}, status=200)
    assert [r.action for r in _records(dbsession, purpose=NEWS.key)] == ["given", "withdrawn"]
    assert ledger.changes[-1] == (member.key, NEWS.key, "", "withdrawn")


def test_a_forged_link_or_a_post_without_token_is_refused(testapp, web_request, users, ledger,
                                                          dbsession):
    member = Subject.of_user(users.member)
    give(web_request, member, NEWS.key, NEWS.text_version, "form")
    path = withdraw_link(web_request, member, NEWS.key)[len("https://hub.example.org"):]
    payload, signature = path.rsplit("/", 1)[1].split(".")
    forged = f"/consent/withdraw/{payload}.{'0' * len(signature)}"
    assert "není platný" in testapp.get(forged, status=400).text
    testapp.post(forged, {"List-Unsubscribe": "One-Click"}, status=400)
    testapp.post(path, {}, headers={"Origin": testapp.origin}, status=400)  # no CSRF token
    assert has_consent(web_request, member, NEWS.key)


# -- staff --------------------------------------------------------------------------------------

def test_staff_chart_counts_given_and_withdrawn_per_month(testapp, web_request, users, ledger,
                                                          dbsession):
    today = dt.datetime.now(month_starts(dt.date.today(), 1)[0].tzinfo).date()
    this_month, last_month = month_starts(today, 2)[1], month_starts(today, 2)[0]
    early_last = last_month.astimezone(dt.UTC) + dt.timedelta(hours=2)
    early_this = min(this_month.astimezone(dt.UTC) + dt.timedelta(hours=1), utcnow())
    for i, who in enumerate((users.member, users.representative, users.admin)):
        give(web_request, Subject.of_user(who), NEWS.key, NEWS.text_version, "import",
             at=early_last + dt.timedelta(minutes=i))
    withdraw(web_request, Subject.of_user(users.member), NEWS.key, "form", at=early_this)
    web_request.locale_name = "en"
    block = next(b for b in report(web_request, 6, today) if b["key"] == NEWS.key)
    assert [(r["given"], r["withdrawn"]) for r in block["rows"]] == [
        (0, 0), (0, 0), (0, 0), (0, 0), (3, 0), (0, 1)]
    assert (block["given"], block["withdrawn"], block["in_force"]) == (3, 1, 2)
    heights = [b["h"] for b in block["chart"]["bars"] if b["value"]]
    assert max(heights) > 0 and len(heights) == 2

    testapp.login(users.staff)
    testapp.set_cookie("hub_lang", "en")
    page = testapp.get("/admin/consents", {"months": "6"})
    table = page.html.find("table", id=f"table-{NEWS.key}")
    cells = [[c.get_text(strip=True) for c in row.find_all(["th", "td"])]
             for row in table.find("tbody").find_all("tr")]
    assert [c[1:] for c in cells[-2:]] == [["3", "0"], ["0", "1"]]
    assert page.html.find("svg", attrs={"role": "img"}) is not None
    # the chart needs no script: only the shell's own deferred files are loaded
    assert all(src.startswith("/static/") for src in
               re.findall(r'<script src="([^"]+)"', page.text))
    assert "<script>" not in page.text


def test_members_do_not_see_the_staff_chart(testapp, users, ledger):
    testapp.login(users.member)
    testapp.get("/admin/consents", status=403)
