"""The core's mailbox reader (``hub.mail.inbox``) that plugins taking mail in share."""
import mailbox
from email.message import EmailMessage

from hub.mail.inbox import Mailbox, read_new
from hub.settings import apply_plugin_settings, mailbox_settings


def message(subject: str) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "a@example.org", "hub@example.org", subject
    mail.set_content("text")
    return bytes(mail)


def test_settings_declared_once_give_a_mailbox_of_the_plugins_keys(tmp_path):
    settings = apply_plugin_settings(
        {"demo.box_maildir": str(tmp_path), "demo.box_imap_ssl": "false"},
        {"demo": mailbox_settings("box_", "demo mailbox")}, {"demo"})
    box = Mailbox.from_settings(settings, "demo.box_")
    assert box == Mailbox(maildir=str(tmp_path), imap_ssl=False)


def test_taken_mail_is_removed_and_other_mail_is_kept_seen_and_not_read_again(tmp_path):
    path = tmp_path / "box"
    box = mailbox.Maildir(str(path), create=True)
    for subject in ("take", "nobody", "other"):
        box.add(message(subject))
    seen = []

    def handle(raw):
        subject = raw.split(b"Subject: ")[1].split(b"\n")[0].strip().decode()
        seen.append(subject)
        return {"take": True, "nobody": False}.get(subject)

    assert read_new(Mailbox(maildir=str(path)), handle) == 1
    assert sorted(seen) == ["nobody", "other", "take"]
    (kept,) = [box.get_message(k) for k in box.keys()]
    assert kept["Subject"] == "other" and "S" in kept.get_flags()
    assert read_new(Mailbox(maildir=str(path)), handle) == 0
    assert len(seen) == 3
    assert read_new(Mailbox(), handle) == 0  # nothing configured: nothing read
