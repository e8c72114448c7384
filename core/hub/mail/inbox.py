"""Reading a mailbox the hub receives mail in: a Maildir and/or an IMAP folder.

Plugins that take mail in (the newsletter's bounces, counselling's answers) declare the
mailbox's settings with ``hub.settings.mailbox_settings(prefix, what)`` and read it in a
periodic job::

    box = Mailbox.from_settings(request.registry.settings, "newsletter.bounce_")
    handled = read_new(box, lambda raw: handle_message(request, raw))

``handle(raw)`` gets each new message's bytes and answers ``True`` (it was for the plugin
and changed something), ``False`` (it was for the plugin but named nothing known) or
``None`` (not the plugin's mail). Messages answered ``True`` or ``False`` are removed
(IMAP: deleted and expunged); the others are kept and marked as seen, so they are not read
again. IMAP goes over TLS by default (``imap_ssl``), else STARTTLS: never in clear.
"""
from __future__ import annotations

import imaplib
import logging
import mailbox
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from pyramid.settings import asbool

log = logging.getLogger(__name__)

Handler = Callable[[bytes], "bool | None"]


@dataclass(frozen=True)
class Mailbox:
    """Where a mailbox is: a Maildir path and/or an IMAP server (empty: not configured)."""

    maildir: str = ""
    imap_host: str = ""
    imap_port: int = 0
    imap_ssl: bool = True
    imap_username: str = ""
    imap_password: str = ""
    imap_folder: str = "INBOX"

    @classmethod
    def from_settings(cls, settings, prefix: str) -> Mailbox:
        """The mailbox of the keys ``mailbox_settings`` declares, e.g. ``prefix``
        ``"counselling.mailbox_"`` for ``counselling.mailbox_maildir``…"""
        def get(key, default=""):
            value = settings.get(prefix + key)
            return default if value is None or value == "" else value

        return cls(maildir=str(get("maildir")), imap_host=str(get("imap_host")),
                   imap_port=int(get("imap_port", 0)), imap_ssl=asbool(get("imap_ssl", True)),
                   imap_username=str(get("imap_username")),
                   imap_password=str(get("imap_password")),
                   imap_folder=str(get("imap_folder", "INBOX")))


def read_new(box: Mailbox, handle: Handler) -> int:
    """Hand every new message of the Maildir, then of the IMAP folder, to ``handle``;
    returns how many it answered ``True``."""
    return read_maildir(box.maildir, handle) + read_imap(box, handle)


def read_maildir(path: str, handle: Handler) -> int:
    if not path:
        return 0
    box = mailbox.Maildir(path, factory=None, create=False)
    handled = 0
    for key in list(box.keys()):
        message = box.get_message(key)
        if "S" in message.get_flags():
            continue
        result = handle(box.get_bytes(key))
        if result is None:
            message.set_subdir("cur")
            message.add_flag("S")
            box[key] = message
            continue
        handled += result
        box.remove(key)
    return handled


def read_imap(box: Mailbox, handle: Handler) -> int:
    if not box.imap_host:
        return 0
    port = box.imap_port or (993 if box.imap_ssl else 143)
    if box.imap_ssl:
        imap = imaplib.IMAP4_SSL(box.imap_host, port, ssl_context=ssl.create_default_context())
    else:
        imap = imaplib.IMAP4(box.imap_host, port)
        imap.starttls(ssl_context=ssl.create_default_context())
    handled = 0
    try:
        imap.login(box.imap_username, box.imap_password)
        imap.select(box.imap_folder or "INBOX")
        _status, data = imap.uid("SEARCH", None, "UNSEEN")
        for uid in (data[0] or b"").split():
            _status, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), b"")
            result = handle(raw)
            if result is None:
                imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
                continue
            handled += result
            imap.uid("STORE", uid, "+FLAGS", "(\\Deleted \\Seen)")
        imap.expunge()
    finally:
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            log.debug("IMAP logout failed")
    return handled
