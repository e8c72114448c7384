"""Notifications: inbox, unread badge, mark read, preferences honoured by notify()."""
from email.header import decode_header, make_header

import sqlalchemy as sa
import transaction

from hub.contributions import NotificationKind
from hub.i18n import _
from hub.jobs import background_request
from hub.mail import MailMessage
from hub.notifications import notify
from hub.notifications.models import Notification, NotificationPreference
from hub.testing import html_text


def _notify(registry, user, kind="test.news", **kw):
    request = background_request(registry, tm=transaction.TransactionManager(explicit=True))
    with request.tm:
        notify(request, user, kind, _("Access denied"), _("Page not found"), **kw)


def test_inbox_lists_marks_read_and_counts_unread(client, core_app, dbsession, users):
    registry = core_app.registry
    _notify(registry, users.member, url="https://hub.example.org/somewhere")
    _notify(registry, users.member)
    _notify(registry, users.staff)
    client.login(users.member)
    page = client.get("/notifications")
    text = html_text(page)
    assert page.text.count('class="hub-notification__subject"') == 2  # not the staff's
    assert "Přístup odepřen" in text
    assert "Nepřečtená oznámení: 2" in text
    assert 'class="hub-badge"' in page.text
    first = dbsession.scalars(sa.select(Notification).where(
        Notification.user_id == users.member.id).order_by(Notification.id)).first()
    page.forms[f"notification-read-{first.id}"].submit().follow()
    dbsession.expire_all()
    assert dbsession.get(Notification, first.id).read_at is not None
    page = client.get("/notifications")
    assert "Nepřečtená oznámení: 1" in html_text(page)
    page = page.forms["notifications-read-all-form"].submit().follow()
    assert "přečtená" in html_text(page)
    assert 'class="hub-badge"' not in page.text
    dbsession.expire_all()
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == users.member.id, Notification.read_at.is_(None))) == 0


def test_another_users_notification_is_not_found(client, core_app, dbsession, users):
    _notify(core_app.registry, users.staff)
    note = dbsession.scalars(sa.select(Notification).where(
        Notification.user_id == users.staff.id)).one()
    client.login(users.member)
    client.post_form(f"/notifications/{note.id}/read", {}, status=404)
    dbsession.expire_all()
    assert dbsession.get(Notification, note.id).read_at is None


def test_inbox_needs_sign_in_and_csrf(client, users):
    assert client.get("/notifications", status="*").status_int in (302, 303, 403)
    client.login(users.member)
    client.post("/notifications/read-all", status=400)


def test_preferences_turn_email_off_and_are_honoured(client, core_app, dbsession, users):
    client.login(users.member)
    page = client.get("/notifications/settings")
    form = page.forms["notification-settings-form"]
    assert form["test-news-email"].checked and not form["test-quiet-email"].checked
    assert "hub-announcement-email" in page.text and 'disabled="disabled"' in page.text
    form["test-news-email"] = False
    form.submit().follow()
    pref = dbsession.scalars(sa.select(NotificationPreference).where(
        NotificationPreference.user_id == users.member.id,
        NotificationPreference.kind == "test.news")).one()
    assert pref.inbox and not pref.email
    _notify(core_app.registry, users.member)
    assert dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == users.member.email)).all() == []
    assert dbsession.scalars(sa.select(Notification).where(
        Notification.user_id == users.member.id)).one()


def test_mandatory_kinds_cannot_be_switched_off(client, core_app, dbsession, users):
    client.login(users.member)
    client.post_form("/notifications/settings", {"test-news-inbox": "on"})
    assert dbsession.scalars(sa.select(NotificationPreference).where(
        NotificationPreference.kind == "hub.announcement")).all() == []
    _notify(core_app.registry, users.member, kind="hub.announcement")
    assert dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == users.member.email)).one()


def test_notification_mail_is_html_and_text_in_the_users_language(core_app, bind_registry,
                                                                  dbsession, users):
    registry = bind_registry(core_app.registry)
    users.member.language = "en"
    _notify(registry, users.member, url="https://hub.example.org/x")
    _notify(registry, users.staff, url="https://hub.example.org/y")
    english = dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == users.member.email)).one()
    assert english.subject == "Access denied"
    assert "Page not found" in english.text and "https://hub.example.org/x" in english.text
    assert "/notifications/settings" in english.text
    assert '<a href="https://hub.example.org/x">Open in the hub</a>' in english.html
    assert 'lang="en"' in english.html
    czech = dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == users.staff.email)).one()
    assert czech.subject == "Přístup odepřen" and 'lang="cs"' in czech.html
    assert "Otevřít v Hubu" in czech.html


def test_notification_arrives_by_smtp(make_app, bind_registry, dbsession, users, smtp_sink):
    app = make_app(**{"hub.plugins": "", "mail.backend": "smtp", "mail.host": smtp_sink.host,
                      "mail.port": str(smtp_sink.port)})
    _notify(bind_registry(app.registry), users.member, kind="hub.announcement",
            url="https://hub.example.org/z")
    received = smtp_sink.to(users.member.email)
    assert len(received) == 1
    subject = str(make_header(decode_header(received[0]["Subject"])))
    assert subject == "Přístup odepřen"
    assert received[0].is_multipart()
    types = {part.get_content_type() for part in received[0].walk()}
    assert {"text/plain", "text/html"} <= types


def test_profile_page_links_to_inbox_settings_and_tokens(client, users):
    client.login(users.member)
    page = client.get("/profile")
    assert "Oznámení a přístup k API" in html_text(page)
    for href in ("/notifications", "/notifications/settings", "/profile/tokens"):
        assert f'href="{href}"' in page.text


def test_saving_preferences_twice_at_once_keeps_one_row(committed_app, concurrent):
    from hub.testing import HubTestApp, make_user

    app = committed_app(**{"hub.plugins": ""})
    app.registry["hub.notification_kinds"].setdefault(
        "test.news", NotificationKind("test.news", "News"))
    factory = app.registry["hub.dbsession_factory"]
    with factory() as db:
        user = make_user(db, "race@test.example")
        db.commit()
        user_id = user.id

    def save(i):
        client = HubTestApp(app, extra_environ={"wsgi.url_scheme": "https",
                                                "HTTP_HOST": "hub.example.org"})
        client.login(user)
        fields = {"test-news-inbox": "on"} if i % 2 else {"test-news-email": "on"}
        return client.post_form("/notifications/settings", fields, status="*").status_int

    assert set(concurrent(8, save)) == {303}
    with factory() as db:
        rows = db.scalars(sa.select(NotificationPreference).where(
            NotificationPreference.user_id == user_id,
            NotificationPreference.kind == "test.news")).all()
    assert len(rows) == 1


def test_inbox_off_keeps_only_the_email_and_pages_speak_english(client, core_app, dbsession,
                                                                users):
    client.login(users.member)
    client.post_form("/notifications/settings", {"test-news-email": "on"})
    _notify(core_app.registry, users.member)
    assert dbsession.scalars(sa.select(Notification).where(
        Notification.user_id == users.member.id)).all() == []
    assert dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == users.member.email)).one()
    client.set_cookie("hub_lang", "en")
    assert "You have no notifications yet." in html_text(client.get("/notifications"))
    text = html_text(client.get("/notifications/settings"))
    assert "Where you receive each kind of notification" in text
    assert "Required: cannot be switched off." in text


def test_inbox_times_are_valid_html_datetimes(client, core_app, dbsession, users):
    import re

    _notify(core_app.registry, users.member)
    note = dbsession.scalars(sa.select(Notification).where(
        Notification.user_id == users.member.id)).one()
    note.created_at = note.created_at.replace(microsecond=123456)
    dbsession.flush()
    client.login(users.member)
    values = re.findall(r'<time datetime="([^"]+)"', client.get("/notifications").text)
    assert values
    for value in values:  # seconds at most: HTML refuses six decimal places
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", value), value
