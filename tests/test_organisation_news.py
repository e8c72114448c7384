"""Organisation news: written by the organisation's representatives and editors, public on
its profile only once hub staff publish it; returned with a comment; notifications both
ways; a representative acts for their own organisation only."""
import sqlalchemy as sa

from hub.notifications.models import Notification
from hub.organizations.models import Membership
from hub.organizations.network_models import OrganisationNews
from hub.testing import html_text


def news(dbsession, org):
    dbsession.expire_all()
    return list(dbsession.scalars(sa.select(OrganisationNews).where(
        OrganisationNews.organisation_id == org.id).order_by(OrganisationNews.id)))


def notified(dbsession, user, kind="organisations.news"):
    return [n.subject for n in dbsession.scalars(sa.select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind))]


def write(testapp, org, title="Nová poradna v Brně", body="Od ledna radíme i v Brně.",
          submit=True, status=303):
    form = testapp.get(f"/organisation/{org.id}/news/new").forms["news-form"]
    form["title"], form["body"] = title, body
    if submit:
        form["submit_for_review"] = True
    return form.submit(status=status)


def test_a_post_is_public_only_after_the_staff_publish_it(testapp, users, dbsession):
    org = users.organisation
    testapp.login(users.representative)
    page = testapp.get(f"/organisation/{org.id}")
    assert "Aktuality" in html_text(page) and "Napsat příspěvek" in html_text(page)
    write(testapp, org)
    (post,) = news(dbsession, org)
    assert post.state == "submitted" and post.author_id == users.representative.id
    assert notified(dbsession, users.staff) == [
        "Aktualita ke schválení: Nová poradna v Brně (Testovací spolek pacientů)"]
    # Submitted is not public: not on the profile (the directory's page, with the CRM).
    testapp.logout()
    profile = testapp.get(f"/organisations/{org.id}").follow()
    assert f"/crm/organisations/{org.slug}" in profile.request.path
    assert "Nová poradna v Brně" not in profile.text
    # A submitted post is no longer edited by the organisation.
    testapp.login(users.representative)
    form = testapp.get(f"/organisation/{org.id}/news/{post.id}")
    assert "news-form" not in form.forms
    testapp.post_form(f"/organisation/{org.id}/news/{post.id}",
                      {"title": "Změna", "body": "x"}).follow()
    assert news(dbsession, org)[0].title == "Nová poradna v Brně"

    testapp.login(users.staff)
    queue = testapp.get("/admin/organisation-news")
    assert "Nová poradna v Brně" in queue.text
    testapp.post_form(f"/admin/organisation-news/{post.id}", {"action": "publish"}).follow()
    assert news(dbsession, org)[0].state == "published"
    assert notified(dbsession, users.representative) == [
        "Vaše aktualita je zveřejněna: Nová poradna v Brně"]
    testapp.logout()
    profile = html_text(testapp.get(f"/crm/organisations/{org.slug}"))
    assert "Aktuality organizace" in profile and "Od ledna radíme i v Brně." in profile


def test_staff_return_a_post_with_a_comment_and_the_organisation_edits_it(testapp, users,
                                                                          dbsession):
    org = users.organisation
    testapp.login(users.representative)
    write(testapp, org)
    (post,) = news(dbsession, org)
    testapp.login(users.staff)
    # Returning needs a comment.
    testapp.post_form(f"/admin/organisation-news/{post.id}", {"action": "return"}, status=422)
    assert news(dbsession, org)[0].state == "submitted"
    testapp.post_form(f"/admin/organisation-news/{post.id}",
                      {"action": "return", "comment": "Doplňte adresu poradny."}).follow()
    post = news(dbsession, org)[0]
    assert (post.state, post.review_comment) == ("draft", "Doplňte adresu poradny.")
    assert notified(dbsession, users.representative) == [
        "Vaše aktualita byla vrácena: Nová poradna v Brně"]
    testapp.login(users.representative)
    page = testapp.get(f"/organisation/{org.id}/news/{post.id}")
    assert "Doplňte adresu poradny." in page.text
    form = page.forms["news-form"]
    form["body"] = "Od ledna radíme v Brně, Husova 5."
    form["submit_for_review"] = True
    form.submit().follow()
    assert news(dbsession, org)[0].state == "submitted"


def test_a_draft_stays_with_the_organisation_and_bad_input_is_refused(testapp, users,
                                                                      dbsession):
    org = users.organisation
    testapp.login(users.representative)
    write(testapp, org, submit=False)
    assert news(dbsession, org)[0].state == "draft"
    assert notified(dbsession, users.staff) == []
    page = write(testapp, org, title="", body="x" * 2001, status=422)
    assert "Vyplňte toto pole." in html_text(page)
    assert len(news(dbsession, org)) == 1


def test_an_editor_writes_news_and_a_representative_acts_for_their_own_organisation_only(
        testapp, users, dbsession):
    org, other = users.organisation, users.other_organisation
    member = dbsession.scalar(sa.select(Membership).where(
        Membership.organisation_id == org.id, Membership.user_id == users.member.id))
    testapp.login(users.member)  # an ordinary member writes nothing
    testapp.get(f"/organisation/{org.id}/news/new", status=404)
    member.set_role("editor")
    dbsession.flush()
    write(testapp, org)
    (post,) = news(dbsession, org)
    # The other organisation's representative reaches none of it.
    testapp.login(users.other_representative)
    testapp.get(f"/organisation/{org.id}/news/new", status=404)
    testapp.get(f"/organisation/{org.id}/news/{post.id}", status=404)
    testapp.post_form(f"/organisation/{org.id}/news/{post.id}/delete", {}, status=404)
    # Nor through their own organisation's address.
    testapp.get(f"/organisation/{other.id}/news/{post.id}", status=404)
    # Reviewing is the staff's.
    testapp.post_form(f"/admin/organisation-news/{post.id}", {"action": "publish"},
                      status=403)
    testapp.login(users.representative)
    testapp.post_form(f"/admin/organisation-news/{post.id}", {"action": "publish"},
                      status=403)
    testapp.post_form(f"/organisation/{org.id}/news/{post.id}/delete", {}).follow()
    assert news(dbsession, org) == []


def test_without_the_directory_the_core_shows_the_profile(make_app, make_testapp, users,
                                                          dbsession):
    org = users.organisation
    dbsession.add(OrganisationNews(organisation_id=org.id, title="Den otevřených dveří",
                                   body="Přijďte.", state="published",
                                   published_at=sa.func.now()))
    dbsession.flush()
    testapp = make_testapp(make_app("events"))
    page = html_text(testapp.get(f"/organisations/{org.id}"))
    assert org.name in page and "Den otevřených dveří" in page
    # Writing to the organisation needs a signed-in sender.
    assert "přihlaste se" in page


def test_in_english_a_post_is_written_reviewed_and_returned(testapp, users, dbsession):
    org = users.organisation
    users.representative.language = "en"
    dbsession.flush()
    testapp.set_cookie("hub_lang", "en")
    testapp.login(users.representative)
    workspace = html_text(testapp.get(f"/organisation/{org.id}"))
    assert "Short posts on the organisation's public profile." in workspace
    assert "No posts yet." in workspace and "Write a post" in workspace
    page = html_text(testapp.get(f"/organisation/{org.id}/news/new"))
    assert f"New post of {org.name}" in page
    assert "Send it to the hub staff for review now" in page
    saved = write(testapp, org, title="A new counselling office").follow()
    assert "The post has been sent to the hub staff." in html_text(saved)
    (post,) = news(dbsession, org)
    testapp.login(users.staff)
    queue = html_text(testapp.get("/admin/organisation-news"))
    assert "Waiting for review" in queue and "Return to the organisation" in queue
    testapp.post_form(f"/admin/organisation-news/{post.id}",
                      {"action": "return", "comment": "Add the address."}).follow()
    # The representative is told in their own language, whatever the staff's is.
    assert notified(dbsession, users.representative) == [
        "Your news was returned: A new counselling office"]
    testapp.login(users.representative)
    page = html_text(testapp.get(f"/organisation/{org.id}/news/{post.id}"))
    assert "The hub staff returned the post" in page and "State: Draft" in page


def test_returning_a_post_without_a_comment_marks_the_comment_field(testapp, users, dbsession):
    org = users.organisation
    testapp.login(users.representative)
    write(testapp, org)
    (post,) = news(dbsession, org)
    testapp.login(users.staff)
    page = testapp.post_form(f"/admin/organisation-news/{post.id}",
                             {"action": "return", "comment": "  "}, status=422)
    message = "Než příspěvek vrátíte, napište organizaci, co má změnit."
    summary = page.html.select_one(".hub-error-summary")
    assert summary["tabindex"] == "-1"
    assert summary.select_one(f"a[href='#comment-{post.id}']").get_text(strip=True) == message
    field = page.html.select_one(f"#comment-{post.id}")
    assert field["aria-invalid"] == "true"
    assert field["aria-describedby"] == f"comment-{post.id}-error"
    assert message in page.html.select_one(f"#comment-{post.id}-error").get_text()
    assert page.html.title.get_text().startswith("Chyba: ")
    post = news(dbsession, org)[0]
    assert (post.state, post.review_comment) == ("submitted", "")
    assert notified(dbsession, users.representative) == []

    # Taking a published post down needs the reason too, in its own field.
    testapp.post_form(f"/admin/organisation-news/{post.id}", {"action": "publish"}).follow()
    page = testapp.post_form(f"/admin/organisation-news/{post.id}", {"action": "return"},
                             status=422)
    assert page.html.select_one(f"#takedown-{post.id}")["aria-invalid"] == "true"
    assert page.html.select_one(f".hub-error-summary a[href='#takedown-{post.id}']")
    assert news(dbsession, org)[0].state == "published"
