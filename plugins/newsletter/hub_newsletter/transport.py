"""SMTP transport of bulk mail (or .eml files in development), and how a message can
fail."""
from __future__ import annotations

import logging
import re
import smtplib
from pathlib import Path

from hub_newsletter.mail_settings import setting

log = logging.getLogger(__name__)


class TemporaryFailure(Exception):
    """The message was certainly not accepted; it may be retried."""


class PermanentFailure(Exception):
    def __init__(self, message: str, recipient_refused: bool = False):
        super().__init__(message)
        self.recipient_refused = recipient_refused


class UncertainFailure(Exception):
    """The connection broke while the message was being transferred: it may have arrived."""


class Transport:
    """One SMTP connection reused for a batch (or .eml files in development).

    A message goes in two steps so that the sending loop can record it between them:
    :meth:`open` (MAIL, RCPT and DATA: nothing can arrive yet) and :meth:`transfer` (the
    message itself). Where the server offers PIPELINING (RFC 2920), the three commands go
    in one write, so a message costs two round trips instead of four.
    """

    def __init__(self, settings: dict):
        self.settings = settings
        self.backend = setting(settings, "backend", "mail.backend", "files")
        self.smtp: smtplib.SMTP | None = None
        self.pipelining = False
        self.in_data = False  # the server waits for a message's text

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        host = str(setting(s, "smtp_host", "mail.host", "127.0.0.1"))
        port = int(setting(s, "smtp_port", "mail.port", 25))
        try:
            smtp = smtplib.SMTP(host, port, timeout=30)
            if str(setting(s, "smtp_tls", "mail.tls", "false")).lower() == "true":
                smtp.starttls()
            smtp.ehlo_or_helo_if_needed()
            username = setting(s, "smtp_username", "mail.username")
            if username:
                smtp.login(str(username), str(setting(s, "smtp_password", "mail.password", "")))
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"cannot connect to {host}:{port}: {exc}") from exc
        self.pipelining = smtp.has_extn("pipelining")
        return smtp

    def send(self, envelope_from: str, to: str, data: bytes, name: str) -> None:
        """Send one message (``data``: CRLF line ends); ``name`` names the .eml file."""
        self.open(envelope_from, to)
        self.transfer(data, name)

    def open(self, envelope_from: str, to: str) -> None:
        """Start a message to one recipient; afterwards the server waits for its text.

        Raises :class:`TemporaryFailure` or :class:`PermanentFailure`: nothing was sent.
        """
        if self.backend == "files":
            return
        if self.smtp is None:
            self.smtp = self._connect()
        smtp = self.smtp
        commands = (f"MAIL FROM:<{envelope_from}>", f"RCPT TO:<{to}>", "DATA")
        try:
            if self.pipelining:
                smtp.send("".join(c + "\r\n" for c in commands))
                mail, rcpt, data = smtp.getreply(), smtp.getreply(), smtp.getreply()
            else:
                mail = smtp.docmd(commands[0])
                rcpt = smtp.docmd(commands[1]) if mail[0] == 250 else (503, b"")
                data = smtp.docmd(commands[2]) if rcpt[0] in (250, 251) else (503, b"")
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise TemporaryFailure(str(exc)) from exc
        refusal = (mail if mail[0] != 250 else rcpt if rcpt[0] not in (250, 251)
                   else data if data[0] != 354 else None)
        if refusal is None:
            self.in_data = True
            return
        if data[0] == 354:
            self._drop()  # a server waiting for a message nobody may receive: hang up
        else:
            self._reset()
        code, reply = refusal
        if 400 <= code < 500:
            raise TemporaryFailure(f"{code} {reply!r}")
        raise PermanentFailure(f"{code} {reply!r}", recipient_refused=refusal is rcpt)

    def transfer(self, data: bytes, name: str) -> None:
        """The message of the opened transaction (``data``: CRLF line ends).

        Raises :class:`TemporaryFailure` or :class:`PermanentFailure` when the server
        refused it, :class:`UncertainFailure` when the connection broke (it may have
        arrived).
        """
        if self.backend == "files":
            directory = Path(self.settings["hub.data_dir"]) / "newsletter"
            directory.mkdir(parents=True, exist_ok=True)
            (directory / (name + ".eml")).write_bytes(data)
            return
        text = LINE_STARTING_WITH_PERIOD.sub(b"..", data)  # RFC 5321 4.5.2
        if not text.endswith(b"\r\n"):
            text += b"\r\n"
        self.in_data = False
        try:
            self.smtp.send(text + b".\r\n")
            code, reply = self.smtp.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise UncertainFailure(str(exc)) from exc
        if code == 250:
            return
        if 400 <= code < 500:
            raise TemporaryFailure(f"{code} {reply!r}")
        raise PermanentFailure(f"{code} {reply!r}")

    def abandon(self) -> None:
        """Give up an opened message without sending it. Only hanging up ends a DATA
        command without a message; the server then discards the transaction."""
        self._drop()

    def _reset(self) -> None:
        try:
            self.smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _drop(self) -> None:
        self.in_data = False
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    def close(self) -> None:
        if self.in_data:
            self._drop()  # QUIT would be taken for a line of the message
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                log.debug("SMTP connection already closed")
            self.smtp = None


LINE_STARTING_WITH_PERIOD = re.compile(rb"(?m)^\.")
