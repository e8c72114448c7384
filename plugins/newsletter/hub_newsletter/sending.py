"""Bulk sending, exactly once per recipient.

The rules (see README "Exactly once"):

- Recipients are written as ``newsletter_delivery`` rows before anything is sent;
  ``UNIQUE(campaign_id, address)`` makes a second row for one address impossible.
- A worker claims a batch of ``pending`` rows (PostgreSQL: ``FOR UPDATE SKIP LOCKED``;
  SQLite: the write lock taken at ``BEGIN IMMEDIATE``) and stamps them with its id and a
  lease. Claims only avoid contention: correctness comes from the next step.
- Per message, ``pending → sending`` is a conditional UPDATE committed *before* the SMTP
  call (only one worker can win it) and ``sending → sent`` is committed after. Consent is
  re-checked in the same transaction as ``pending → sending``.
- A row left in ``sending`` by a crash is never retried automatically: at most one
  message per crashed worker is in doubt, and it is reported as such, never duplicated.
- Temporary SMTP failures (4xx, connection refused) put the row back to ``pending`` with
  a retry time; permanent ones (5xx) mark it ``failed`` and, for a refused recipient,
  the address as hard-bounced.

Bulk mail goes over SMTP from here (``newsletter.smtp_*``, defaulting to the core's
``mail.*``), not through the core's transactional outbox.
"""
from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import logging
import smtplib
import time
import uuid
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import sqlalchemy as sa
from chameleon import PageTemplateFile
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.i18n import localizer_for
from hub_newsletter import content
from hub_newsletter.i18n import _, plugin_hooks
from hub_newsletter.models import Campaign, Delivery, Subscriber, Subscription, campaign_list
from hub_newsletter.salutation import salutation, split_name

log = logging.getLogger(__name__)
# smtplib sends bytes as they are: lines must already end in CRLF.
SMTP_POLICY = email.policy.compat32.clone(linesep="\r\n")

MAIL_TEMPLATE = PageTemplateFile(str(Path(__file__).parent / "templates" / "mail" /
                                     "newsletter.pt"))


class TemporaryFailure(Exception):
    """The message was certainly not accepted; it may be retried."""


class PermanentFailure(Exception):
    def __init__(self, message: str, recipient_refused: bool = False):
        super().__init__(message)
        self.recipient_refused = recipient_refused


class UncertainFailure(Exception):
    """The connection broke while the message was being transferred: it may have arrived."""


# -- settings -----------------------------------------------------------------------------

def setting(settings: dict, key: str, core_key: str | None = None, default=None):
    value = settings.get(f"newsletter.{key}")
    if value in (None, "") and core_key:
        value = settings.get(core_key)
    return default if value in (None, "") else value


def domain(settings: dict) -> str:
    return str(setting(settings, "domain", "mail.domain", "hub.example.org"))


def message_id(settings: dict, delivery_id: int, campaign_id: int) -> str:
    """Deterministic: the same delivery always has the same Message-ID (dedupe downstream)."""
    return f"<newsletter-{campaign_id}-{delivery_id}@{domain(settings)}>"


def verp_address(settings: dict, delivery_id: int, token: str) -> str:
    """Return path naming the delivery, so a bounce tells which message failed.

    The subscriber's token prefix makes forged bounces for other people impractical.
    """
    local, _sep, host = str(setting(settings, "bounce_address", None,
                                    f"bounces@{domain(settings)}")).partition("@")
    return f"{local}+{delivery_id}-{token[:10]}@{host}"


# -- personalisation ------------------------------------------------------------------------

def recipient_values(request, campaign: Campaign, subscriber, address: str) -> dict:
    name = subscriber.name if subscriber else ""
    first = (subscriber.first_name if subscriber else "") or split_name(name)[0]
    last = (subscriber.last_name if subscriber else "") or split_name(name)[1]
    gender = subscriber.gender if subscriber else None
    token = subscriber.token if subscriber else ""
    values = {
        "salutation": salutation(first, last, gender, campaign.salutation, campaign.language),
        "first_name": first, "last_name": last, "name": name or f"{first} {last}".strip(),
        "email": address,
        "unsubscribe_url": request.route_url("newsletter.unsubscribe", token=token,
                                             _query={"c": campaign.id}) if token else "",
        "preferences_url": request.route_url("newsletter.preferences", token=token)
        if token else "",
        "event_title": campaign.event_title, "event_url": campaign.event_url,
        "event_date": format_event_date(campaign),
    }
    return values


def format_event_date(campaign: Campaign) -> str:
    if campaign.event_starts_at is None:
        return ""
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    local = campaign.event_starts_at.astimezone(ZoneInfo("Europe/Prague"))
    return format_datetime(local, "d. MMMM y, H:mm" if campaign.language == "cs"
                           else "d MMMM y, H:mm", locale=campaign.language)


def archive_values(campaign: Campaign) -> dict:
    """Neutral values for the public archive and previews: no personal data."""
    greeting = "Vážení čtenáři" if campaign.language == "cs" else "Dear readers"
    return {"salutation": greeting, "first_name": "", "last_name": "", "name": "",
            "email": "", "unsubscribe_url": "", "preferences_url": "",
            "event_title": campaign.event_title, "event_url": campaign.event_url,
            "event_date": format_event_date(campaign)}


SANS = "font-family:Arial,Helvetica,sans-serif;"
LAYOUT_STYLES = {
    # The gov.cz look: a blue band with the site's name.
    "gov": {"font": SANS, "frame": "border-top:6px solid #2362a2;",
            "header": "padding:20px 32px;background:#2362a2;color:#ffffff;font-size:20px;"
                      "font-weight:bold;" + SANS},
    # Light: white header, blue name and rule (prints well, quieter).
    "light": {"font": SANS, "frame": "border:1px solid #c7d4e2;",
              "header": "padding:20px 32px;color:#2362a2;font-size:20px;font-weight:bold;"
                        "border-bottom:3px solid #2362a2;" + SANS},
    # Plain letter: no header band, a serif text face, for personal letters.
    "plain": {"font": "font-family:Georgia,'Times New Roman',serif;", "frame": "",
              "header": "padding:16px 32px 0;color:#3b4a5a;font-size:14px;" + SANS},
}


def render(request, campaign: Campaign, values: dict, blocks=None) -> tuple[str, str, str]:
    """``(subject, text, html)`` of one message."""
    blocks = blocks if blocks is not None else content.parse_body(campaign.body)
    localizer = localizer_for(request.registry, campaign.language)
    subject = content.substitute(campaign.subject, values)
    footer = {
        "why": localizer.translate(_("You receive this e-mail because you subscribed to "
                                     "news from ${site}.",
                                     mapping={"site": request.registry.settings[
                                         "hub.site_name"]})),
        "unsubscribe": localizer.translate(_("Unsubscribe")),
        "preferences": localizer.translate(_("Manage subscriptions")),
    }
    text = content.plain_text(blocks, values)
    if values.get("unsubscribe_url"):
        text += (f"\n\n-- \n{footer['why']}\n{footer['unsubscribe']}: "
                 f"{values['unsubscribe_url']}\n{footer['preferences']}: "
                 f"{values['preferences_url']}\n")
    html = MAIL_TEMPLATE(
        subject=subject, preheader=campaign.preheader, language=campaign.language,
        s=LAYOUT_STYLES.get(campaign.layout or "gov", LAYOUT_STYLES["gov"]),
        site_name=request.registry.settings["hub.site_name"],
        blocks=content.personalised_blocks(blocks, values), values=values, footer=footer,
        event=campaign.event_title and {"title": campaign.event_title,
                                        "url": campaign.event_url,
                                        "date": values.get("event_date", "")},
        event_label=localizer.translate(_("Event details and registration")),
    )
    return subject, text, html


def build_message(request, campaign: Campaign, delivery_id: int, subscriber, address: str,
                  values: dict | None = None, blocks=None, subject_prefix: str = ""):
    """The MIME message (text + HTML alternative), built with the fast compat32 classes:
    bulk sending spends most of its time here."""
    settings = request.registry.settings
    values = values or recipient_values(request, campaign, subscriber, address)
    subject, text, html = render(request, campaign, values, blocks)
    subject = subject_prefix + " ".join(subject.split())
    mail = MIMEMultipart("alternative")
    sender_name, sender_address = email.utils.parseaddr(str(setting(
        settings, "sender", "mail.sender", "Pacientský Hub <hub@example.org>")))
    mail["From"] = email.utils.formataddr((sender_name, sender_address), charset="utf-8")
    mail["To"] = address
    mail["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")
    mail["Date"] = email.utils.formatdate(localtime=False)
    mail["Message-ID"] = message_id(settings, delivery_id, campaign.id)
    if values.get("unsubscribe_url"):
        # RFC 2369 + RFC 8058: one-click unsubscribe by POST to the https URL.
        bounce = setting(settings, "bounce_address", None, f"bounces@{domain(settings)}")
        mailto = f"mailto:{bounce}?subject=unsubscribe-{subscriber.token}"
        mail["List-Unsubscribe"] = f"<{values['unsubscribe_url']}>, <{mailto}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail["List-Id"] = f"<newsletter.{domain(settings)}>"
    mail["Precedence"] = "bulk"
    mail["Auto-Submitted"] = "auto-generated"
    mail.attach(MIMEText(text, "plain", "utf-8"))
    mail.attach(MIMEText(html, "html", "utf-8"))
    return mail


# -- transport ------------------------------------------------------------------------------

class Transport:
    """One SMTP connection reused for a batch (or .eml files in development)."""

    def __init__(self, settings: dict):
        self.settings = settings
        self.backend = setting(settings, "backend", "mail.backend", "files")
        self.smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        host = str(setting(s, "smtp_host", "mail.host", "127.0.0.1"))
        port = int(setting(s, "smtp_port", "mail.port", 25))
        try:
            smtp = smtplib.SMTP(host, port, timeout=30)
            if str(setting(s, "smtp_tls", "mail.tls", "false")).lower() == "true":
                smtp.starttls()
            username = setting(s, "smtp_username", "mail.username")
            if username:
                smtp.login(str(username), str(setting(s, "smtp_password", "mail.password", "")))
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"cannot connect to {host}:{port}: {exc}") from exc
        return smtp

    def send(self, mail: Message, envelope_from: str) -> None:
        if self.backend == "files":
            directory = Path(self.settings["hub.data_dir"]) / "newsletter"
            directory.mkdir(parents=True, exist_ok=True)
            name = mail["Message-ID"].strip("<>").replace("@", "_") + ".eml"
            (directory / name).write_bytes(bytes(mail))
            return
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            self.smtp.sendmail(envelope_from, [mail["To"]], mail.as_bytes(policy=SMTP_POLICY))
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            if 400 <= code < 500:
                raise TemporaryFailure(f"{code} {reply!r}") from exc
            raise PermanentFailure(f"{code} {reply!r}", recipient_refused=True) from exc
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise TemporaryFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise UncertainFailure(str(exc)) from exc

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                log.debug("SMTP connection already closed")
            self.smtp = None


# -- consent at send time ---------------------------------------------------------------------

def may_receive(request, db: Session, campaign: Campaign, list_ids: list[int],
                subscriber: Subscriber | None, address: str) -> bool:
    """Checked for every message right before it is sent, never from a cached answer."""
    if subscriber is None or not subscriber.can_receive:
        return False
    if list_ids and db.scalar(sa.select(Subscription.id).where(
            Subscription.subscriber_id == subscriber.id, Subscription.list_id.in_(list_ids),
            Subscription.status == "confirmed").limit(1)) is not None:
        return True
    hook = getattr(plugin_hooks(request), "hub_audience_consents", None)
    if hook is None:
        return False
    for key in campaign.audiences or ():
        if hook(request=request, key=key, email=address) is True:
            return True
    return False


# -- the worker ---------------------------------------------------------------------------------

def _now() -> dt.datetime:
    return utcnow()


def claim(db: Session, campaign_id: int, worker: str, batch_size: int, lease: int) -> list[int]:
    """Stamp up to ``batch_size`` claimable pending rows with ``worker``; return their ids."""
    now = _now()
    query = (sa.select(Delivery.id)
             .where(Delivery.campaign_id == campaign_id, Delivery.status == "pending",
                    sa.or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
                    sa.or_(Delivery.claimed_by.is_(None),
                           Delivery.claimed_at <= now - dt.timedelta(seconds=lease)))
             .order_by(Delivery.id).limit(batch_size))
    if db.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.scalars(query))
    if ids:
        db.execute(sa.update(Delivery).where(Delivery.id.in_(ids))
                   .values(claimed_by=worker, claimed_at=now))
    return ids


def send_campaign(request, campaign_id: int) -> None:
    """Job ``newsletter.send``: deliver the campaign's pending rows; safe to run many times
    and in many workers at once."""
    registry = request.registry
    settings = registry.settings
    factory = registry["hub.dbsession_writer"]
    worker = uuid.uuid4().hex
    batch_size = int(settings.get("newsletter.batch_size") or 100)
    lease = int(settings.get("newsletter.claim_lease_seconds") or 0)
    rate = float(settings.get("newsletter.rate_limit") or 0)
    max_attempts = int(settings.get("newsletter.max_attempts") or 5)
    retry_delay = int(settings.get("newsletter.retry_delay") or 300)
    transport = Transport(settings)
    last_sent = 0.0
    retry_later = False
    try:
        while True:
            with factory() as db, db.begin():
                campaign = db.get(Campaign, campaign_id)
                if campaign is None or campaign.status != "sending":
                    return
                ids = claim(db, campaign_id, worker, batch_size, lease)
            if not ids:
                break
            with factory() as db:
                campaign = db.get(Campaign, campaign_id)
                list_ids = [lst.id for lst in campaign.lists]
                blocks = content.parse_body(campaign.body)
            checked = time.monotonic()
            for delivery_id in ids:
                if time.monotonic() - checked > STATUS_CHECK_SECONDS:
                    # Pause and cancel take effect within a second, not per message.
                    if _stopped(factory, campaign_id, worker):
                        return
                    checked = time.monotonic()
                if rate:
                    wait = last_sent + 1.0 / rate - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                outcome = _send_one(request, factory, transport, campaign, list_ids, blocks,
                                    delivery_id, worker, max_attempts, retry_delay)
                last_sent = time.monotonic()
                if outcome == "retry":
                    retry_later = True
    finally:
        transport.close()
    _finish(request, factory, campaign_id, retry_later, retry_delay)


def _send_one(request, factory, transport, campaign, list_ids, blocks, delivery_id, worker,
              max_attempts, retry_delay) -> str:
    settings = request.registry.settings
    with factory() as db, db.begin():
        won = db.execute(sa.update(Delivery).where(
            Delivery.id == delivery_id, Delivery.status == "pending",
            Delivery.claimed_by == worker).values(
            status="sending", attempts=Delivery.attempts + 1)).rowcount
        if not won:
            return "lost"
        delivery = db.get(Delivery, delivery_id)
        subscriber = db.get(Subscriber, delivery.subscriber_id) \
            if delivery.subscriber_id else None
        if not may_receive(request, db, campaign, list_ids, subscriber, delivery.address):
            delivery.status = "skipped"
            delivery.error = "no consent at send time"
            return "skipped"
        address, attempts = delivery.address, delivery.attempts
    # Rendering happens outside the transaction (shorter write locks on SQLite). The content
    # was validated before sending started; should rendering still fail, nothing was sent.
    try:
        mail = build_message(request, campaign, delivery_id, subscriber, address, blocks=blocks)
    except Exception as exc:
        _mark(factory, delivery_id, status="failed", error=f"rendering failed: {exc}")
        raise
    envelope = verp_address(settings, delivery_id, subscriber.token)
    try:
        transport.send(mail, envelope)
    except TemporaryFailure as exc:
        final = attempts >= max_attempts
        _mark(factory, delivery_id, status="failed" if final else "pending", error=str(exc),
              claimed_by=None, claimed_at=None,
              next_attempt_at=_now() + dt.timedelta(seconds=retry_delay * attempts))
        return "failed" if final else "retry"
    except PermanentFailure as exc:
        _mark(factory, delivery_id, status="bounced" if exc.recipient_refused else "failed",
              error=str(exc))
        if exc.recipient_refused:
            with factory() as db, db.begin():
                db.execute(sa.update(Subscriber).where(Subscriber.id == subscriber.id)
                           .values(hard_bounced_at=_now()))
        return "failed"
    except UncertainFailure as exc:
        # It may have been delivered: stay "sending" (at most once), record why.
        _mark(factory, delivery_id, status="sending", error=f"uncertain: {exc}")
        return "uncertain"
    _mark(factory, delivery_id, status="sent", sent_at=_now(), error="")
    return "sent"


STATUS_CHECK_SECONDS = 1.0


def _stopped(factory, campaign_id: int, worker: str) -> bool:
    """True when the campaign was paused or cancelled; the worker's claims are released."""
    with factory() as db, db.begin():
        status = db.scalar(sa.select(Campaign.status).where(Campaign.id == campaign_id))
        if status == "sending":
            return False
        db.execute(sa.update(Delivery).where(Delivery.claimed_by == worker,
                                             Delivery.status == "pending")
                   .values(claimed_by=None, claimed_at=None))
        return True


def _mark(factory, delivery_id: int, **values) -> None:
    with factory() as db, db.begin():
        db.execute(sa.update(Delivery).where(Delivery.id == delivery_id).values(**values))


def _finish(request, factory, campaign_id: int, retry_later: bool, retry_delay: int) -> None:
    from hub.jobs import enqueue

    with factory() as db, db.begin():
        pending = db.scalar(sa.select(sa.func.count()).select_from(Delivery).where(
            Delivery.campaign_id == campaign_id, Delivery.status == "pending"))
        if pending == 0:
            db.execute(sa.update(Campaign).where(Campaign.id == campaign_id,
                                                 Campaign.status == "sending")
                       .values(status="sent", finished_at=_now()))
            return
        nearest = db.scalar(sa.select(sa.func.min(Delivery.next_attempt_at)).where(
            Delivery.campaign_id == campaign_id, Delivery.status == "pending"))
    if retry_later or nearest is not None:
        delay = retry_delay
        if nearest is not None:
            delay = max(1, int((nearest - _now()).total_seconds()) + 1)
        enqueue(request, "newsletter.send", delay=delay, campaign_id=campaign_id)


def campaign_list_ids(db: Session, campaign_id: int) -> list[int]:
    return list(db.scalars(sa.select(campaign_list.c.list_id)
                           .where(campaign_list.c.campaign_id == campaign_id)))


def archive_subject(campaign: Campaign) -> str:
    return content.substitute(campaign.subject, archive_values(campaign))
