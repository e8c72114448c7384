"""Transactional mail outbox.

``queue_mail`` writes a row in the same transaction as the change that caused the mail;
after commit a job delivers pending rows over SMTP (``mail.backend = smtp``) or, in
development, into ``.eml`` files under ``<hub.data_dir>/mail`` (``mail.backend = files``).
A mail whose transaction rolls back is never sent.

Failed attempts are retried with exponential backoff (2, 4, 8... minutes) by the periodic
job ``hub.mail.retry`` run by ``hub worker``; after ``MAX_ATTEMPTS`` or a permanent SMTP
error (5xx) the message is marked failed and listed for administrators at
``/admin/mail``, which also shows every message (a development mailbox) and can send a
message again.

Settings (ini, ``mail.*``): ``mail.backend`` (``files`` or ``smtp``), ``mail.host``,
``mail.port``, ``mail.tls`` (STARTTLS), ``mail.ssl`` (implicit TLS), ``mail.username``,
``mail.password``, ``mail.sender`` (unset or an address alone: named after
``hub.site_name``), ``mail.domain`` (of Message-IDs), ``mail.timeout``.
"""
from __future__ import annotations

import base64
import datetime as dt
import email.utils
import logging
import re
import smtplib
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hub import metrics
from hub.db import Base, UTCDateTime, utcnow
from hub.i18n import localizer_for

log = logging.getLogger(__name__)

PENDING, SENT, FAILED = "pending", "sent", "failed"
MAX_ATTEMPTS = 6


class MailMessage(Base):
    __tablename__ = "mail_message"
    __table_args__ = (sa.CheckConstraint("status IN ('pending', 'sent', 'failed')",
                                         name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    text: Mapped[str] = mapped_column(sa.Text)
    html: Mapped[str | None] = mapped_column(sa.Text)
    headers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    attachments: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


def _clean_header(value: str) -> str:
    # No header injection through names or subjects.
    return " ".join(str(value).replace("\r", " ").replace("\n", " ").split())


def queue_mail(request, to: str, subject: str, text: str, html: str | None = None,
               attachments: tuple = (), headers: dict | None = None) -> MailMessage:
    """Queue an e-mail; it is delivered after the current transaction commits.

    ``attachments`` are ``(filename, content_type, bytes)`` tuples (an .ics invitation).
    """
    message = MailMessage(
        recipient=_clean_header(to), subject=_clean_header(subject)[:300], text=text, html=html,
        headers={k: _clean_header(v) for k, v in (headers or {}).items()},
        attachments=[{"filename": name, "content_type": ctype,
                      "data": base64.b64encode(data).decode()}
                     for name, ctype, data in attachments],
    )
    request.dbsession.add(message)
    request.dbsession.flush()
    from hub.jobs import enqueue

    enqueue(request, "hub.mail.deliver", message_id=message.id)
    return message


DEFAULT_SENDER_ADDRESS = "hub@example.org"


def sender(settings: dict) -> str | Address:
    """``mail.sender`` as configured; when it is unset or an address alone, the hub's name
    (``hub.site_name``) is the sender's name, so every hub's mail says whose it is."""
    configured = str(settings.get("mail.sender") or "").strip()
    name, address = email.utils.parseaddr(configured)
    if configured and (name or not address):
        return configured
    return Address(display_name=str(settings.get("hub.site_name") or "Hub"),
                   addr_spec=address or DEFAULT_SENDER_ADDRESS)


def build_email(settings: dict, message: MailMessage) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender(settings)
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = email.utils.formatdate(localtime=False)
    mail["Message-ID"] = f"<hub-{message.id}@{settings.get('mail.domain', 'hub.example.org')}>"
    for name, value in (message.headers or {}).items():
        mail[name] = value
    mail.set_content(message.text)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    for item in message.attachments or []:
        maintype, subtype = item["content_type"].split("/", 1)
        mail.add_attachment(base64.b64decode(item["data"]), maintype=maintype, subtype=subtype,
                            filename=item["filename"])
    return mail


def send(settings: dict, mail: EmailMessage) -> None:
    backend = settings.get("mail.backend", "files")
    if backend == "files":
        directory = Path(settings["hub.data_dir"]) / "mail"
        directory.mkdir(parents=True, exist_ok=True)
        name = mail["Message-ID"].strip("<>").replace("@", "_") + ".eml"
        (directory / name).write_bytes(bytes(mail))
        return
    host = settings.get("mail.host", "127.0.0.1")
    port = int(settings.get("mail.port", 25))
    timeout = float(settings.get("mail.timeout", 30))
    implicit_tls = _flag(settings.get("mail.ssl"))
    smtp_class = smtplib.SMTP_SSL if implicit_tls else smtplib.SMTP
    with smtp_class(host, port, timeout=timeout) as smtp:
        if _flag(settings.get("mail.tls")) and not implicit_tls:
            smtp.starttls()
        if settings.get("mail.username"):
            smtp.login(settings["mail.username"], settings.get("mail.password", ""))
        smtp.send_message(mail)


def _flag(value) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


_TEMPLATES: dict = {}


def _template(name: str, text: bool):
    from chameleon.zpt.template import PageTemplateFile, PageTextTemplateFile

    key = (name, text)
    if key not in _TEMPLATES:
        path = Path(__file__).parent.parent / "templates" / "mail" / (f"{name}.txt.pt" if text
                                                              else f"{name}.pt")
        _TEMPLATES[key] = (PageTextTemplateFile if text else PageTemplateFile)(
            str(path), encoding="utf-8")
    return _TEMPLATES[key]


_URL = re.compile(r"https?://[^\s<>\"]+")


def link_parts(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into ``(part, is_url)`` pieces, so that the HTML version of a mail makes
    the addresses in its body clickable (an action link such as "cancel" must not be plain
    text next to a single "open" button). Closing punctuation after an address stays text."""
    parts: list[tuple[str, bool]] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?)")
        if match.start() > position:
            parts.append((text[position:match.start()], False))
        parts.append((url, True))
        position = match.start() + len(url)
    if position < len(text):
        parts.append((text[position:], False))
    return parts


def render_mail(request, name: str, language: str, values: dict) -> tuple[str, str]:
    """Render ``templates/mail/<name>.txt.pt`` and ``<name>.pt`` in ``language``.

    The HTML template translates with ``i18n:translate`` (domain ``hub``) in the recipient's
    language, not the language of the request that caused the mail.
    """
    from translationstring import ChameleonTranslate

    localizer = localizer_for(request.registry, language)
    translate = ChameleonTranslate(localizer.translate)
    body = values.get("body", "")
    context = {"language": language,
               "paragraphs": [link_parts(p) for p in body.split("\n\n") if p.strip()],
               **values}
    text = _template(name, text=True)(**context)
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    text = re.sub(r"\n{3,}", "\n\n", text.strip()) + "\n"  # no gaps for empty lines
    html = _template(name, text=False)(translate=translate, **context)
    return text, html


def deliver(request, message_id: int) -> None:
    """Job: send one queued message; temporary failures are retried with backoff."""
    message = request.dbsession.get(MailMessage, message_id, with_for_update=True)
    if message is None or message.status != PENDING:
        return
    settings = request.registry.settings
    message.attempts += 1
    try:
        send(settings, build_email(settings, message))
    except smtplib.SMTPResponseException as exc:
        permanent = 500 <= exc.smtp_code < 600
        _failed(message, f"{exc.smtp_code} {exc.smtp_error!r}", permanent)
    except (OSError, smtplib.SMTPException) as exc:
        _failed(message, str(exc), permanent=False)
    else:
        message.status = SENT
        message.sent_at = utcnow()
        message.last_error = ""
        metrics.mail_sent()


def _failed(message: MailMessage, error: str, permanent: bool) -> None:
    message.last_error = error[:2000]
    if permanent or message.attempts >= MAX_ATTEMPTS:
        message.status = FAILED
        log.warning("mail %s to %s failed permanently: %s", message.id, message.recipient, error)
    else:
        message.next_attempt_at = utcnow() + dt.timedelta(minutes=2 ** message.attempts)


def retry_pending(request) -> int:
    """Periodic job: deliver pending messages whose retry time has come."""
    ids = request.dbsession.scalars(
        sa.select(MailMessage.id).where(MailMessage.status == PENDING,
                                        MailMessage.next_attempt_at <= utcnow())
        .order_by(MailMessage.id).limit(500)).all()
    for message_id in ids:
        deliver(request, message_id)
    return len(ids)


def retry_message(message: MailMessage) -> None:
    """Put a failed (or waiting) message back in the queue for an attempt now."""
    message.status = PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()


def includeme(config):
    from hub.contributions import PeriodicJob

    config.add_job("hub.mail.deliver", deliver)
    # Every two minutes: backoff steps are whole minutes (2, 4, 8...).
    config.registry.setdefault("hub.core_periodic_jobs", []).append(
        PeriodicJob("hub.mail.retry", retry_pending, minute="*/2"))
    config.include("hub.mail.views")
