"""Public flows: double opt-in with recorded consent, one-click unsubscribe, preferences."""
import sqlalchemy as sa

from hub.mail import MailMessage
from hub.testing import html_text
from hub_newsletter.models import Subscriber, Subscription

from .conftest import add_list, add_subscriber, post


def _subscribe(app, nl, **fields):
    return post(app, "/newsletter", {"email": "Jana.Novakova@Example.cz",
                                          "name": "Jana Nováková", "list": str(nl.id),
                                          "consent": "on", **fields})


def test_double_opt_in_records_consent_only_after_confirmation(nl_testapp, dbsession):
    nl = add_list(dbsession)
    page = nl_testapp.get("/newsletter")
    assert "Novinky" in page.text and 'checked' not in page.forms["newsletter-subscribe"].text
    response = _subscribe(nl_testapp, nl)
    assert response.status_code == 303
    subscription = dbsession.scalar(sa.select(Subscription))
    assert subscription.status == "pending" and subscription.consent_at is None
    assert subscription.subscriber.email == "jana.novakova@example.cz"
    mail = dbsession.scalar(sa.select(MailMessage).where(
        MailMessage.recipient == "jana.novakova@example.cz"))
    confirm_url = f"/newsletter/confirm/{subscription.confirm_token}"
    assert confirm_url in mail.text
    # GET (a link scanner) changes nothing.
    page = nl_testapp.get(confirm_url)
    dbsession.refresh(subscription)
    assert subscription.status == "pending"
    page.forms["newsletter-confirm"].submit(headers={"Origin": nl_testapp.origin},
                                            extra_environ={"REMOTE_ADDR": "192.0.2.7"})
    dbsession.refresh(subscription)
    assert subscription.status == "confirmed"
    assert subscription.consent_source == "newsletter-form"
    assert subscription.consent_text_version == 1 and subscription.consent_at is not None
    assert subscription.consent_ip == "192.0.2.7"
    # The token is single-use.
    assert nl_testapp.get(confirm_url, status=404)


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
                                          "consent": "on"})
    subscription = dbsession.scalar(sa.select(Subscription))
    assert subscription.status == "confirmed" and subscription.consent_source == "account"
    assert subscription.subscriber.user_id == users.member.id


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
    assert subscriber.subscriptions[0].status == "unsubscribed"
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
    status = {s.list_id: s for s in dbsession.scalars(sa.select(Subscription).where(
        Subscription.subscriber_id == subscriber.id))}
    assert status[news.id].status == "unsubscribed"
    assert status[events.id].status == "confirmed"
    assert status[events.id].consent_source == "preferences"
    nl_testapp.get("/newsletter/preferences/not-a-token", status=400)


def test_repeated_requests_do_not_flood_the_mailbox(nl_testapp, dbsession):
    nl = add_list(dbsession)
    for _ in range(3):
        _subscribe(nl_testapp, nl)
    mails = dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == "jana.novakova@example.cz")).all()
    assert len(mails) == 1
