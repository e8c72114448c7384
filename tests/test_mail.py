"""The mail outbox and notify(): mail is written with the change and sent after commit."""
import transaction

from hub.i18n import _
from hub.jobs import background_request
from hub.mail import FAILED, SENT, MailMessage, queue_mail
from hub.notifications import notify
from hub.notifications.models import Notification


def _request(registry):
    return background_request(registry, tm=transaction.TransactionManager(explicit=True))


def test_mail_is_delivered_over_smtp_after_commit(make_app, bind_registry, dbsession,
                                                  smtp_sink):
    app = make_app("events", **{"mail.backend": "smtp", "mail.host": smtp_sink.host,
                                "mail.port": str(smtp_sink.port)})
    registry = bind_registry(app.registry)
    request = _request(registry)
    with request.tm:
        message = queue_mail(request, "anna@example.org", "Hello\r\nBcc: evil@example.org",
                             "Body text", attachments=(("a.ics", "text/calendar", b"BEGIN"),))
        assert smtp_sink.messages == []
    received = smtp_sink.to("anna@example.org")
    assert len(received) == 1
    assert received[0]["Bcc"] is None and received[0]["Subject"] == "Hello Bcc: evil@example.org"
    assert dbsession.get(MailMessage, message.id).status == SENT


def test_rolled_back_mail_is_never_sent(make_app, bind_registry, dbsession, smtp_sink):
    app = make_app("events", **{"mail.backend": "smtp", "mail.host": smtp_sink.host,
                                "mail.port": str(smtp_sink.port)})
    request = _request(bind_registry(app.registry))
    request.tm.begin()
    queue_mail(request, "anna@example.org", "Never", "Never")
    request.tm.abort()
    assert smtp_sink.messages == []


def test_permanent_smtp_failure_is_recorded(make_app, bind_registry, dbsession):
    app = make_app("events", **{"mail.backend": "smtp", "mail.host": "127.0.0.1",
                                "mail.port": "1"})
    request = _request(bind_registry(app.registry))
    with request.tm:
        message_id = queue_mail(request, "anna@example.org", "Hi", "Hi").id
    message = dbsession.get(MailMessage, message_id)
    assert message.status != SENT and message.last_error
    assert message.status in ("pending", FAILED)


def test_notify_uses_the_recipient_language(registry, dbsession, users):
    users.member.language = "en"
    request = _request(registry)
    with request.tm:
        notify(request, users.member, "test.kind", _("Access denied"), url="https://x/1")
    note = dbsession.query(Notification).filter_by(user_id=users.member.id).one()
    assert note.subject == "Access denied"
    mail = dbsession.query(MailMessage).filter_by(recipient=users.member.email).one()
    assert mail.subject == "Access denied" and "https://x/1" in mail.text
    request = _request(registry)
    with request.tm:
        notify(request, users.staff, "test.kind", _("Access denied"))
    staff_note = dbsession.query(Notification).filter_by(user_id=users.staff.id).one()
    assert staff_note.subject == "Přístup odepřen"
