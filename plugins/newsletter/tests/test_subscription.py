"""Public flows: double opt-in with the consent in the ledger, one-click unsubscribe and
the ledger's withdraw link, preferences."""
import sqlalchemy as sa

from hub.consent import ConsentRecord
from hub.mail import MailMessage
from hub.testing import html_text
from hub_newsletter.models import Subscriber, Subscription
from hub_newsletter.purposes import LIST_PURPOSE

from .conftest import add_list, add_subscriber, post

VERSION = LIST_PURPOSE.text_version


def _records(db, email):
    return db.scalars(sa.select(ConsentRecord).where(ConsentRecord.email == email)
                      .order_by(ConsentRecord.id)).all()


def _subscribe(app, nl, status=None, **fields):
    return post(app, "/newsletter", {"email": "Jana.Novakova@Example.cz",
                                     "name": "Jana Nováková", "list": str(nl.id),
                                     "consent": "on", "text_version": VERSION, **fields},
                status=status)


def test_double_opt_in_records_consent_only_after_confirmation(nl_testapp, dbsession):
    nl = add_list(dbsession)
    page = nl_testapp.get("/newsletter")
    assert "Novinky" in page.text and 'checked' not in page.forms["newsletter-subscribe"].text
    assert LIST_PURPOSE.text["cs"] in page.text or LIST_PURPOSE.text["en"] in page.text
    response = _subscribe(nl_testapp, nl)
    assert response.status_code == 303
    subscription = dbsession.scalar(sa.select(Subscription))
    assert subscription.subscriber.email == "jana.novakova@example.cz"
    assert _records(dbsession, "jana.novakova@example.cz") == []
    mail = dbsession.scalar(sa.select(MailMessage).where(
        MailMessage.recipient == "jana.novakova@example.cz"))
    confirm_url = f"/newsletter/confirm/{subscription.confirm_token}"
    assert confirm_url in mail.text
    # GET (a link scanner) changes nothing.
    page = nl_testapp.get(confirm_url)
    assert _records(dbsession, "jana.novakova@example.cz") == []
    page.forms["newsletter-confirm"].submit(headers={"Origin": nl_testapp.origin})
    [record] = _records(dbsession, "jana.novakova@example.cz")
    assert (record.purpose, record.object, record.action, record.source,
            record.text_version) == ("newsletter.list", f"list:{nl.id}", "given",
                                     "double_opt_in", VERSION)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0
    # The token is single-use.
    assert nl_testapp.get(confirm_url, status=404)


def test_a_changed_consent_text_is_asked_again(nl_testapp, dbsession):
    nl = add_list(dbsession)
    response = _subscribe(nl_testapp, nl, text_version="0" * 16, status=409)
    assert LIST_PURPOSE.text["cs"] in response.text or LIST_PURPOSE.text["en"] in response.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0


def test_subscribing_without_consent_or_list_shows_errors_and_stores_nothing(nl_testapp,
                                                                            dbsession):
    nl = add_list(dbsession)
    response = post(nl_testapp, "/newsletter", {"email": "nope", "list": str(nl.id)},
                                    status=422)
    text = html_text(response)
    assert "There is a problem" in text or "Vyskytl se problém" in text
    assert 'aria-describedby="field-email-error"' in response.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Subscriber)) == 0


def test_signed_in_user_with_verified_address_is_subscribed_at_once(nl_testapp, dbsession,
                                                                    users):
    nl = add_list(dbsession)
    nl_testapp.login(users.member)
    post(nl_testapp, "/newsletter", {"email": users.member.email, "list": str(nl.id),
                                          "consent": "on", "text_version": VERSION})
    [record] = _records(dbsession, users.member.email.lower())
    assert record.action == "given" and record.source == "form"
    assert record.recorded_by_id == users.member.id
    subscriber = dbsession.scalar(sa.select(Subscriber))
    assert subscriber.user_id == users.member.id
    # Their newsletter consent is on My consents: the address is verified.
    page = nl_testapp.get("/my/consents")
    assert "Novinky" in page.text


def test_one_click_unsubscribe_needs_no_csrf_is_idempotent_and_get_changes_nothing(
        nl_testapp, dbsession):
    nl = add_list(dbsession)
    subscriber = add_subscriber(dbsession, nl, "petr@example.cz", "Petr Novák")
    url = f"/newsletter/u/{subscriber.token}"
    page = nl_testapp.get(url)
    assert "petr@example.cz" in page.text
    dbsession.refresh(subscriber)
    assert subscriber.opted_out_at is None
    # RFC 8058: the mail provider's POST, no cookie, no CSRF token.
    response = nl_testapp.post(url, "List-Unsubscribe=One-Click",
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    dbsession.refresh(subscriber)
    assert subscriber.opted_out_at is not None
    assert [(r.action, r.source) for r in _records(dbsession, "petr@example.cz")] == [
        ("given", "double_opt_in"), ("withdrawn", "link")]
    assert nl_testapp.post(url, "List-Unsubscribe=One-Click").status_code == 200
    nl_testapp.post("/newsletter/u/tampered" + subscriber.token[1:], status=400)


def test_preferences_page_changes_lists_and_records_consent(nl_testapp, dbsession):
    news = add_list(dbsession)
    events = add_list(dbsession, "pozvanky", "Pozvánky")
    subscriber = add_subscriber(dbsession, news, "eva@example.cz", "Eva Malá")
    page = nl_testapp.get(f"/newsletter/preferences/{subscriber.token}")
    form = page.forms["newsletter-preferences"]
    boxes = form.fields["list"]
    for box in boxes:
        box.checked = box._value == str(events.id)
    form.submit(headers={"Origin": nl_testapp.origin})
    state = {(r.object, r.action, r.source) for r in _records(dbsession, "eva@example.cz")}
    assert (f"list:{news.id}", "withdrawn", "form") in state
    assert (f"list:{events.id}", "given", "form") in state
    page = nl_testapp.get(f"/newsletter/preferences/{subscriber.token}")
    checked = [b._value for b in page.forms["newsletter-preferences"].fields["list"]
               if b.checked]
    assert checked == [str(events.id)]
    nl_testapp.get("/newsletter/preferences/not-a-token", status=400)


def test_repeated_requests_do_not_flood_the_mailbox(nl_testapp, dbsession):
    nl = add_list(dbsession)
    for _ in range(3):
        _subscribe(nl_testapp, nl)
    mails = dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == "jana.novakova@example.cz")).all()
    assert len(mails) == 1
