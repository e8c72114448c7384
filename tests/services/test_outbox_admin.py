"""Administrators see the outbox (a development mailbox), failures, and can send again."""
import transaction

from hub.jobs import background_request
from hub.mail import FAILED, PENDING, SENT, MailMessage, queue_mail, retry_pending
from hub.testing import html_text


def _queue(registry, subject="Ahoj", to="anna@example.org"):
    request = background_request(registry, tm=transaction.TransactionManager(explicit=True))
    with request.tm:
        return queue_mail(request, to, subject, "Tělo zprávy <b>",
                          attachments=(("a.ics", "text/calendar", b"BEGIN"),)).id


def test_only_admins_see_the_outbox(client, users):
    client.login(users.staff)
    client.get("/admin/mail", status=403)
    client.logout().login(users.admin)
    assert "Odchozí pošta" in html_text(client.get("/admin/mail"))


def test_list_filter_and_read_one_message(client, core_app, dbsession, users):
    message_id = _queue(core_app.registry, subject="Pozvánka <script>")
    client.login(users.admin)
    page = client.get("/admin/mail")
    assert "Pozvánka &lt;script&gt;" in page.text and "anna@example.org" in page.text
    assert "Pozvánka" in html_text(client.get("/admin/mail?status=sent"))
    assert "Pozvánka" not in html_text(client.get("/admin/mail?status=failed"))
    client.get("/admin/mail?status=nonsense&page=abc", status=200)
    page = client.get(f"/admin/mail/{message_id}")
    text = html_text(page)
    assert "Tělo zprávy" in text and "a.ics" in text and "&lt;b&gt;" in page.text
    assert "mail-retry-form" not in page.text  # sent already
    client.get("/admin/mail/999999", status=404)


def test_failed_message_is_listed_and_sent_again(make_app, make_testapp, dbsession, users,
                                                 smtp_sink):
    broken = make_app(**{"hub.plugins": "", "mail.backend": "smtp", "mail.host": "127.0.0.1",
                         "mail.port": "1"})
    client = make_testapp(broken)
    message_id = _queue(broken.registry)
    message = dbsession.get(MailMessage, message_id)
    assert message.status == PENDING and message.attempts == 1 and message.last_error
    message.status = FAILED
    dbsession.flush()
    client.login(users.admin)
    assert "anna@example.org" in html_text(client.get("/admin/mail?status=failed"))
    working = make_app(**{"hub.plugins": "", "mail.backend": "smtp",
                          "mail.host": smtp_sink.host, "mail.port": str(smtp_sink.port)})
    client = make_testapp(working).login(users.admin)
    page = client.get(f"/admin/mail/{message_id}")
    page.forms["mail-retry-form"].submit().follow()
    dbsession.expire_all()
    assert dbsession.get(MailMessage, message_id).status == SENT
    assert len(smtp_sink.to("anna@example.org")) == 1


def test_retry_job_sends_due_messages_with_backoff(make_app, bind_registry, dbsession,
                                                   smtp_sink):
    broken = make_app(**{"hub.plugins": "", "mail.backend": "smtp", "mail.host": "127.0.0.1",
                         "mail.port": "1"})
    message_id = _queue(bind_registry(broken.registry))
    message = dbsession.get(MailMessage, message_id)
    first_retry = message.next_attempt_at
    request = background_request(broken.registry, tm=transaction.TransactionManager(explicit=True))
    with request.tm:
        assert retry_pending(request) == 0  # not due yet: backoff
    message.next_attempt_at = message.created_at
    dbsession.flush()
    working = make_app(**{"hub.plugins": "", "mail.backend": "smtp",
                          "mail.host": smtp_sink.host, "mail.port": str(smtp_sink.port)})
    request = background_request(bind_registry(working.registry),
                                 tm=transaction.TransactionManager(explicit=True))
    with request.tm:
        assert retry_pending(request) == 1
    dbsession.expire_all()
    assert dbsession.get(MailMessage, message_id).status == SENT
    assert first_retry > message.created_at


def test_admins_see_undelivered_mail_on_my_hub(client, core_app, dbsession, users):
    message = dbsession.get(MailMessage, _queue(core_app.registry))
    client.login(users.admin)
    assert "Nedoručené e-maily" not in html_text(client.get("/my"))
    message.status = FAILED
    dbsession.flush()
    text = html_text(client.get("/my"))
    assert "Nedoručené e-maily" in text and "doručit: 1" in text
    client.logout().login(users.member)
    assert "Nedoručené e-maily" not in html_text(client.get("/my"))
