"""The accessibility feedback form (§9 of Act No. 99/2019 Coll.) and its handling by staff."""
import re
import time

import pytest
import sqlalchemy as sa

from hub.feedback import views
from hub.feedback.models import AccessibilityFeedback
from hub.notifications.models import Notification


def _form(client, url="/accessibility/feedback", **params):
    page = client.get(url, params=params)
    token = re.search(r'name="started" value="([^"]+)"', page.text).group(1)
    return page, token


def _backdated(client, seconds=60):
    """A form token issued ``seconds`` ago, as if a person had spent that long writing."""
    client.get("/accessibility/feedback")
    issued = int(time.time()) - seconds
    import hashlib
    import hmac
    token = client.csrf_token
    signature = hmac.new(token.encode(), str(issued).encode(), hashlib.sha256).hexdigest()[:32]
    return f"{issued}.{signature}"


def _count(dbsession):
    return dbsession.scalar(sa.select(sa.func.count()).select_from(AccessibilityFeedback))


def test_statement_links_to_the_form_and_the_form_is_prefilled(testapp):
    statement = testapp.get("/accessibility")
    assert 'href="/accessibility/feedback"' in statement.text
    page, _token = _form(testapp, page="/events")
    assert 'value="/events"' in page.text
    assert 'name="website"' in page.text and "hidden" in page.text
    for label in ("Adresa stránky", "V čem je problém?", "Váš e-mail pro odpověď"):
        assert label in page.text


def test_anyone_reports_a_problem_and_staff_are_notified(testapp, users, dbsession):
    token = _backdated(testapp)
    response = testapp.post_form("/accessibility/feedback", {
        "page_url": "https://hub.example.org/events", "description": "The map has no text.",
        "contact_email": "visitor@example.org", "started": token}, status=303)
    assert response.location.endswith("/accessibility")
    item = dbsession.scalars(sa.select(AccessibilityFeedback)).one()
    assert (item.page_url, item.description, item.contact_email, item.status, item.user_id) == (
        "https://hub.example.org/events", "The map has no text.", "visitor@example.org", "new",
        None)
    notified = set(dbsession.scalars(sa.select(Notification.user_id).where(
        Notification.kind == "hub.accessibility_feedback")))
    assert {users.staff.id, users.admin.id} <= notified
    assert users.member.id not in notified
    assert "Děkujeme" in testapp.get("/accessibility").text


def test_a_signed_in_member_reports_without_e_mail(testapp, users, dbsession):
    testapp.login(users.member)
    page, _ = _form(testapp)
    assert 'value="member@test.example"' in page.text  # the account's address is offered
    testapp.post_form("/accessibility/feedback", {
        "page_url": "/courses", "description": "Video without captions.", "contact_email": "",
        "started": _backdated(testapp)}, status=303)
    item = dbsession.scalars(sa.select(AccessibilityFeedback)).one()
    assert item.user_id == users.member.id and item.contact_email is None


@pytest.mark.parametrize("fields, message", [
    ({"page_url": "", "description": "x"}, "Adresa stránky: Vyplňte toto pole."),
    ({"page_url": "/events", "description": ""}, "V čem je problém?: Vyplňte toto pole."),
    ({"page_url": "javascript:alert(1)", "description": "x"}, "https://"),
    ({"page_url": "/events", "description": "x", "contact_email": "nope"}, "@example.cz"),
    ({"page_url": "/events", "description": "x" * 5001}, "5000"),
])
def test_bad_input_is_explained_and_kept(testapp, dbsession, fields, message):
    response = testapp.post_form("/accessibility/feedback",
                                 {"contact_email": "", **fields, "started": _backdated(testapp)},
                                 status=422)
    assert message in response.text
    assert "hub-error-summary" in response.text
    if fields["description"] and len(fields["description"]) < 100:
        assert fields["description"] in response.text  # nothing typed is lost
    assert _count(dbsession) == 0


def test_spam_defences(testapp, dbsession):
    data = {"page_url": "/events", "description": "Buy pills", "contact_email": ""}
    # The hidden field only robots fill in: looks like success, nothing is kept.
    testapp.post_form("/accessibility/feedback",
                      {**data, "website": "http://spam.example", "started": _backdated(testapp)},
                      status=303)
    # Sent back at once (no person types that fast) or with a forged/missing timestamp.
    _page, fresh = _form(testapp)
    response = testapp.post_form("/accessibility/feedback", {**data, "started": fresh},
                                 status=422)
    assert "příliš rychle" in response.text
    testapp.post_form("/accessibility/feedback", {**data, "started": "1.forged"}, status=422)
    testapp.post_form("/accessibility/feedback", data, status=422)
    assert _count(dbsession) == 0


def test_reports_per_sender_are_limited(testapp, dbsession):
    data = {"page_url": "/events", "description": "Problem", "contact_email": ""}
    for _i in range(views.HOURLY_LIMIT):
        testapp.post_form("/accessibility/feedback", {**data, "started": _backdated(testapp)},
                          status=303)
    response = testapp.post_form("/accessibility/feedback",
                                 {**data, "started": _backdated(testapp)}, status=429)
    assert "limit" in response.text and "Problem" in response.text
    assert _count(dbsession) == views.HOURLY_LIMIT


def test_the_form_needs_a_csrf_token(testapp, dbsession):
    testapp.post("/accessibility/feedback", {"page_url": "/x", "description": "y",
                                             "started": _backdated(testapp)},
                 headers={"Origin": "https://hub.example.org"}, status=400)
    assert _count(dbsession) == 0


def test_staff_list_filter_and_answer(testapp, users, dbsession):
    item = AccessibilityFeedback(page_url="/events", description="Low contrast\nsecond line",
                                 contact_email="v@example.org", client_key="k")
    dbsession.add(item)
    dbsession.flush()
    testapp.get("/admin/accessibility-feedback", status=302)  # anonymous: sign in first
    testapp.login(users.member)
    testapp.get("/admin/accessibility-feedback", status=403)
    testapp.get(f"/admin/accessibility-feedback/{item.id}", status=403)
    testapp.logout().login(users.staff)
    listing = testapp.get("/admin/accessibility-feedback", headers={"Accept-Language": "en"})
    assert "v@example.org" in listing.text and f"/admin/accessibility-feedback/{item.id}" in \
        listing.text
    assert "v@example.org" not in testapp.get("/admin/accessibility-feedback",
                                              params={"status": "answered"}).text
    detail = testapp.get(f"/admin/accessibility-feedback/{item.id}")
    assert "<p>second line</p>" in detail.text
    testapp.post_form(f"/admin/accessibility-feedback/{item.id}",
                      {"status": "bogus", "reply_note": ""}, status=422)
    testapp.post_form(f"/admin/accessibility-feedback/{item.id}",
                      {"status": "answered", "reply_note": "Fixed the contrast."}, status=303)
    dbsession.refresh(item)
    assert (item.status, item.reply_note, item.updated_by_id) == (
        "answered", "Fixed the contrast.", users.staff.id)
    assert "v@example.org" in testapp.get("/admin/accessibility-feedback",
                                          params={"status": "answered"}).text
    testapp.get("/admin/accessibility-feedback/999999", status=404)


def test_personal_data_export_and_erase(app, users, dbsession):
    from hub.jobs import background_request

    mine = AccessibilityFeedback(page_url="/a", description="d", user_id=users.member.id,
                                 contact_email="member@test.example", client_key="k")
    by_address = AccessibilityFeedback(page_url="/b", description="d",
                                       contact_email="MEMBER@test.example", client_key="k")
    other = AccessibilityFeedback(page_url="/c", description="d", contact_email="x@example.org",
                                  client_key="k")
    dbsession.add_all([mine, by_address, other])
    dbsession.flush()
    request = background_request(app.registry)
    request.dbsession = dbsession
    hooks = app.registry["hub.pm"].hook
    assert "accessibility_feedback" in [t for ts in hooks.hub_personal_data_tables() for t in ts]
    exported = [part for part in hooks.hub_personal_data_export(request=request, user=users.member)
                if part]
    records = [r for part in exported for title, rs in part.items()
               if str(title) == "Accessibility feedback" for r in rs]
    assert sorted(r["page_url"] for r in records) == ["/a", "/b"]
    hooks.hub_personal_data_erase(request=request, user=users.member)
    dbsession.flush()
    for row in (mine, by_address):
        dbsession.refresh(row)
        assert (row.user_id, row.contact_email, row.client_key) == (None, None, "")
    dbsession.refresh(other)
    assert other.contact_email == "x@example.org"


def test_a_report_full_of_markup_is_shown_escaped_to_staff(testapp, users, dbsession):
    canary = '"><script>window.__xss=1</script><img src=x onerror=window.__xss=1>'
    testapp.post_form("/accessibility/feedback", {
        "page_url": "/events?" + canary, "description": canary,
        "contact_email": "", "started": _backdated(testapp)}, status=303)
    item = dbsession.scalars(sa.select(AccessibilityFeedback)).one()
    testapp.login(users.staff)
    for url in ("/admin/accessibility-feedback", f"/admin/accessibility-feedback/{item.id}",
                "/notifications"):
        page = testapp.get(url)
        assert "<script>window.__xss" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;window.__xss" in page.text, url
