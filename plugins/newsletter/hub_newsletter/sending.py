"""Bulk sending, exactly once per recipient.

The rules (see README "Exactly once"):

- Recipients are written as ``newsletter_delivery`` rows before anything is sent;
  ``UNIQUE(campaign_id, address)`` makes a second row for one address impossible.
- A worker claims a batch of ``pending`` rows (PostgreSQL: ``FOR UPDATE SKIP LOCKED``;
  SQLite: the write lock taken at ``BEGIN IMMEDIATE``) and stamps them with its id and a
  lease. Claims only avoid contention: correctness comes from the next step.
- Per message, ``pending → sending`` is a conditional UPDATE (only one worker can win it,
  and consent is re-checked in it) committed once the server has answered DATA and
  before the message itself goes; ``sending → sent`` is committed with the next
  message's ``pending → sending`` (one commit per message).
- A row left in ``sending`` by a crash is never retried automatically: at most one
  message per crashed connection is in doubt, and it is reported as such, never
  duplicated.
- Temporary SMTP failures (4xx, connection refused) put the row back to ``pending`` with
  a retry time; permanent ones (5xx) mark it ``failed`` and, for a refused recipient,
  the address as hard-bounced.

Bulk mail goes over SMTP from here (``newsletter.smtp_*``, defaulting to the core's
``mail.*``), not through the core's transactional outbox.
"""
from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email.utils
import functools
import hashlib
import hmac
import logging
import re
import smtplib
import threading
import time
import uuid
from email.header import Header
from html import escape, unescape
from pathlib import Path

import sqlalchemy as sa
from chameleon import PageTemplateFile
from sqlalchemy.orm import Session

from hub.consent import holders, withdraw_link_maker
from hub.db import utcnow
from hub.i18n import localizer_for
from hub_newsletter import content
from hub_newsletter.i18n import _, plugin_hooks
from hub_newsletter.models import Campaign, Delivery, Subscriber, campaign_list
from hub_newsletter.purposes import LIST_PURPOSE_KEY, list_id_of, list_object, subject_of
from hub_newsletter.salutation import salutation, split_name

log = logging.getLogger(__name__)

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


PERSONAL_FIELDS = ("salutation", "first_name", "last_name", "name", "email",
                   "unsubscribe_url", "preferences_url")
URL_FIELDS = ("unsubscribe_url", "preferences_url")


class CompiledCampaign:
    """A campaign rendered once, personalised per recipient by substitution.

    The Chameleon template and the text layout run once with a random marker in place of
    each personal field; a recipient's message is then the rendered text with the markers
    replaced in one regular-expression pass (values HTML-escaped in the HTML part, never
    scanned again for markers or placeholders). The URL fields' markers look like
    ``https://`` addresses so that the body's link detection turns them into links just as
    it does the real addresses. The MIME message is assembled as bytes (base64 parts):
    building ``email.message`` objects per recipient would cost more than the SMTP call.
    """

    def __init__(self, request, campaign: Campaign, subject_prefix: str = "",
                 count: bool = True):
        settings = request.registry.settings
        nonce = uuid.uuid4().hex[:12]
        self.markers = {f: (f"https://{nonce}.invalid/{f}" if f in URL_FIELDS
                            else f"HUB{nonce}{f}") for f in PERSONAL_FIELDS}
        shared = archive_values(campaign)
        values = {**shared, **self.markers}
        subject, text, html = render(request, campaign, values)
        if count and campaign.track and campaign.track_key:
            html = tracked_html(request, campaign, html, nonce)
        self.subject = subject_prefix + subject
        self.text = text
        self.html = html
        # Marker → (field, upper case?): text headings are written in capitals.
        self._field = {}
        for field, marker in self.markers.items():
            for upper, text in ((False, marker), (True, marker.upper())):
                self._field[text] = self._field[escape(text)] = (field, upper)
        self._pattern = re.compile("|".join(re.escape(m) for m in
                                            sorted(self._field, key=len, reverse=True)))
        self.campaign_id = campaign.id
        self.style = campaign.salutation
        self.language = campaign.language
        self.domain = domain(settings)
        sender_name, sender_address = email.utils.parseaddr(str(setting(
            settings, "sender", "mail.sender", "Pacientský Hub <hub@example.org>")))
        self.sender = email.utils.formataddr((sender_name, sender_address), charset="utf-8")
        self.bounce = str(setting(settings, "bounce_address", None, f"bounces@{self.domain}"))
        self.boundary = f"=_hub_{nonce}"
        self.tokens = "TOKEN" + nonce
        self.unsubscribe_url = request.route_url(
            "newsletter.unsubscribe", token=self.tokens, _query={"c": campaign.id})
        self.preferences_url = request.route_url("newsletter.preferences", token=self.tokens)
        self.fixed_headers = (
            f"List-Id: <newsletter.{self.domain}>\r\nPrecedence: bulk\r\n"
            f"Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"
            f'Content-Type: multipart/alternative; boundary="{self.boundary}"\r\n\r\n')
        self.part_headers = (
            f"--{self.boundary}\r\nContent-Type: text/%s; charset=\"utf-8\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n")

    def values(self, address: str, first: str, last: str, name: str, gender: str | None,
               token: str) -> dict:
        """The personal fields of one recipient (cheap: URLs from a prepared pattern)."""
        first = first or split_name(name)[0]
        last = last or split_name(name)[1]
        return {
            "salutation": cached_salutation(first, last, gender, self.style, self.language),
            "first_name": first, "last_name": last, "name": name or f"{first} {last}".strip(),
            "email": address,
            "unsubscribe_url": self.unsubscribe_url.replace(self.tokens, token) if token else "",
            "preferences_url": self.preferences_url.replace(self.tokens, token) if token else "",
        }

    def personalise(self, values: dict) -> tuple[str, str, str]:
        """``(subject, text, html)`` for one recipient."""
        def plain(match):
            field, upper = self._field[match.group(0)]
            return values[field].upper() if upper else values[field]

        def html(match):
            return escape(plain(match))

        subject = self._pattern.sub(plain, self.subject)
        return (" ".join(subject.split()), self._pattern.sub(plain, self.text),
                self._pattern.sub(html, self.html))

    def message(self, delivery_id: int, address: str, values: dict, token: str,
                date: str | None = None, withdraw_url: str = "") -> bytes:
        """The complete message (RFC 5322, CRLF line ends) for one recipient."""
        subject, text, html = self.personalise(values)
        if not subject.isascii():
            subject = encoded_header(subject)
        head = [f"From: {self.sender}", f"To: {address}", f"Subject: {subject}",
                f"Date: {date or email.utils.formatdate(localtime=False)}",
                f"Message-ID: <newsletter-{self.campaign_id}-{delivery_id}@{self.domain}>"]
        if values.get("unsubscribe_url"):
            # RFC 2369 + RFC 8058: one-click by POST to the first https URL, the ledger's
            # withdraw link of the consent the mail was sent on.
            urls = [withdraw_url] if withdraw_url else []
            if values["unsubscribe_url"] != withdraw_url:
                urls.append(values["unsubscribe_url"])
            head.append("List-Unsubscribe: " + "".join(f"<{url}>, " for url in urls)
                        + f"<mailto:{self.bounce}?subject=unsubscribe-{token}>")
            head.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        return b"".join((
            ("\r\n".join(head) + "\r\n" + self.fixed_headers).encode("utf-8"),
            (self.part_headers % "plain").encode(),
            base64.encodebytes(text.encode("utf-8")).replace(b"\n", b"\r\n"),
            (self.part_headers % "html").encode(),
            base64.encodebytes(html.encode("utf-8")).replace(b"\n", b"\r\n"),
            f"--{self.boundary}--\r\n".encode()))


# -- opens and clicks, in aggregate --------------------------------------------------------------

HREF = re.compile(r'href="(https?://[^"]+)"')


def track_signature(campaign: Campaign, what: str) -> str:
    """HMAC of a link (or "open") with the campaign's key: only links that were in the
    campaign redirect, and counts cannot be inflated by guessing addresses."""
    return hmac.new(campaign.track_key.encode(), f"{campaign.id}\n{what}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def tracked_html(request, campaign: Campaign, html: str, nonce: str) -> str:
    """Links of the campaign through the counting redirect, and a counting pixel.

    Both name the campaign only. Links that contain a personal field (the unsubscribe and
    preferences links, or a body link with ``${email}``) are left as they are.
    """
    def rewrite(match):
        url = unescape(match.group(1))
        if nonce in url:
            return match.group(0)
        target = request.route_url("newsletter.click", id=campaign.id, _query={
            "u": url, "s": track_signature(campaign, url)})
        return f'href="{escape(target)}"'

    html = HREF.sub(rewrite, html)
    pixel = request.route_url("newsletter.open", id=campaign.id,
                              _query={"s": track_signature(campaign, "open")})
    return html.replace("</body>", f'<img src="{escape(pixel)}" width="1" height="1" alt="" '
                                   'style="display:block;border:0;">\n</body>', 1)


@functools.lru_cache(maxsize=4096)
def encoded_header(text: str) -> str:
    """RFC 2047 form of a header value (subjects repeat with the recipients' names)."""
    return Header(text, "utf-8").encode(linesep="\r\n")


@functools.lru_cache(maxsize=4096)
def cached_salutation(first: str, last: str, gender: str | None, style: str,
                      language: str) -> str:
    return salutation(first, last, gender, style, language)


def build_message(request, campaign: Campaign, delivery_id: int, subscriber, address: str,
                  subject_prefix: str = "") -> bytes:
    """One message outside bulk sending (the test send: never counted)."""
    compiled = CompiledCampaign(request, campaign, subject_prefix, count=False)
    token = subscriber.token if subscriber else ""
    values = compiled.values(address, subscriber.first_name or "", subscriber.last_name or "",
                             subscriber.name or "", subscriber.gender, token)
    return compiled.message(delivery_id, address, values, token)


def list_withdraw_links(request, dbsession=None):
    """``link(address, source)``: the ledger's withdraw link of the consent a list message
    is sent on (``""`` for rows that did not come from a list), signed without a query."""
    make = withdraw_link_maker(request, LIST_PURPOSE_KEY, dbsession=dbsession)

    def link(address: str, source: str) -> str:
        if list_id_of(source) is None:
            return ""
        return make(subject_of(address).key, source)

    return link


# -- transport ------------------------------------------------------------------------------

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


# -- consent at send time ---------------------------------------------------------------------

D = Delivery.__table__
S = Subscriber.__table__
AUDIENCE = "audience:"


def consent_clause(list_ids: list[int]):
    """SQL condition on a delivery row: its recipient may receive it, now.

    The subscriber has not opted out nor hard-bounced, and a row that came from a list
    still has a consent in force in the ledger to one of the campaign's lists (rows from a
    CRM audience are checked with the CRM's hooks, see :func:`audience_refused`).
    """
    receivable = sa.exists().where(S.c.id == D.c.subscriber_id, S.c.opted_out_at.is_(None),
                                   S.c.hard_bounced_at.is_(None))
    held = holders(LIST_PURPOSE_KEY, object=None).subquery()
    listed = sa.exists().where(
        S.c.id == D.c.subscriber_id, held.c.email == S.c.email,
        held.c.object.in_([list_object(i) for i in list_ids])) if list_ids else sa.false()
    return sa.and_(receivable, sa.or_(D.c.source.startswith(AUDIENCE), listed))


def audience_refused(request, rows) -> set[int]:
    """Ids of the batch's audience rows whose recipient the CRM no longer allows.

    One ``hub_audience_allowed(key, addresses)`` call per audience and batch when the CRM
    offers it, else ``hub_audience_consents`` per address; without either, nobody from an
    audience may receive mail (no proof of consent).
    """
    by_key: dict[str, list] = {}
    for row in rows:
        if row.source.startswith(AUDIENCE):
            by_key.setdefault(row.source[len(AUDIENCE):], []).append(row)
    if not by_key:
        return set()
    hooks = plugin_hooks(request)
    allowed_hook = getattr(hooks, "hub_audience_allowed", None)
    consents_hook = getattr(hooks, "hub_audience_consents", None)
    if allowed_hook is not None and not allowed_hook.get_hookimpls():
        allowed_hook = None
    if consents_hook is not None and not consents_hook.get_hookimpls():
        consents_hook = None
    with _read_session(request):
        return _refused(request, by_key, allowed_hook, consents_hook)


def audience_links(request, rows, refused: set[int]) -> dict[int, str]:
    """``{row id: withdraw link}`` for the batch's audience rows: the consent ledger's link
    of the consent the audience's plugin relied on (``hub_audience_withdraw_links``, one
    call per audience and batch). Rows it gives no link for keep the newsletter's own."""
    hook = getattr(plugin_hooks(request), "hub_audience_withdraw_links", None)
    if hook is None or not hook.get_hookimpls():
        return {}
    by_key: dict[str, list] = {}
    for row in rows:
        if row.source.startswith(AUDIENCE) and row.id not in refused:
            by_key.setdefault(row.source[len(AUDIENCE):], []).append(row)
    if not by_key:
        return {}
    links = {}
    with _read_session(request):
        for key, members in by_key.items():
            found = hook(request=request, key=key, addresses=[r.address for r in members]) or {}
            links.update((r.id, found[r.address]) for r in members if r.address in found)
    return links


_HOOK_LOCK = threading.Lock()


@contextlib.contextmanager
def _read_session(request):
    """The CRM's hooks query ``request.dbsession``: give them a read session of their own,
    closed afterwards. The job's own session is a writer (``BEGIN IMMEDIATE`` on SQLite);
    left open, it would hold the write lock the sending loop's connection waits for. The
    job's threads share the request, so they take turns."""
    with _HOOK_LOCK:
        saved = request.dbsession
        reader = request.registry["hub.dbsession_factory"]()
        request.dbsession = reader
        try:
            yield
        finally:
            request.dbsession = saved
            reader.close()


def _refused(request, by_key, allowed_hook, consents_hook) -> set[int]:
    refused = set()
    for key, members in by_key.items():
        allowed = None
        if allowed_hook is not None:
            # None: the key is not the implementing plugin's; ask per address below.
            allowed = allowed_hook(request=request, key=key,
                                   addresses=[r.address for r in members])
        if allowed is not None:
            allowed = {str(a).lower() for a in allowed}
            refused.update(r.id for r in members if r.address not in allowed)
        elif consents_hook is not None:
            refused.update(r.id for r in members
                           if consents_hook(request=request, key=key, email=r.address)
                           is not True)
        else:
            refused.update(r.id for r in members)
    return refused


# -- the worker ---------------------------------------------------------------------------------

def _now() -> dt.datetime:
    return utcnow()


def claim(conn, campaign_id: int, worker: str, batch_size: int, lease: int) -> list:
    """Stamp up to ``batch_size`` claimable pending rows with ``worker`` (one UPDATE …
    RETURNING) and return them with the recipients' personal fields (one SELECT)."""
    now = _now()
    candidates = (sa.select(D.c.id)
                  .where(D.c.campaign_id == campaign_id, D.c.status == "pending",
                         sa.or_(D.c.next_attempt_at.is_(None), D.c.next_attempt_at <= now),
                         sa.or_(D.c.claimed_by.is_(None),
                                D.c.claimed_at <= now - dt.timedelta(seconds=lease)))
                  .order_by(D.c.id).limit(batch_size))
    if conn.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(conn.scalars(sa.update(D).where(D.c.id.in_(candidates))
                            .values(claimed_by=worker, claimed_at=now).returning(D.c.id)))
    if not ids:
        return []
    return list(conn.execute(
        sa.select(D.c.id, D.c.address, D.c.source, D.c.attempts, S.c.first_name,
                  S.c.last_name, S.c.name, S.c.gender, S.c.token)
        .select_from(D.outerjoin(S, S.c.id == D.c.subscriber_id))
        .where(D.c.id.in_(ids)).order_by(D.c.id)))


def send_campaign(request, campaign_id: int) -> None:
    """Job ``newsletter.send``: deliver the campaign's pending rows; safe to run many times
    and in many workers at once.

    The hot loop works on one connection with Core statements (no ORM objects): per
    message one commit, holding the conditional UPDATE ``pending → sending`` (the consent
    check in its WHERE clause) and the ``sent`` marks of the messages accepted before it.
    """
    registry = request.registry
    settings = registry.settings
    with registry["hub.dbsession_writer"]() as writer:
        # The key that signs withdraw links, stored now if no request stored it yet; on
        # the writer (BEGIN IMMEDIATE): parallel workers take turns instead of failing.
        links = list_withdraw_links(request, writer)
        writer.commit()
    with registry["hub.dbsession_factory"]() as db:
        campaign = db.get(Campaign, campaign_id)
        if campaign is None or campaign.status != "sending":
            return
        list_ids = [lst.id for lst in campaign.lists]
        try:
            compiled = CompiledCampaign(request, campaign)
        except Exception as exc:
            # Validated before sending started; should rendering still fail, nothing is sent.
            _fail_campaign(registry, campaign_id, f"rendering failed: {exc}")
            raise
    connections = connection_count(settings, registry["hub.dbengine"].dialect.name)
    if isinstance(registry["hub.dbsession_writer"].kw["bind"], sa.Connection):
        connections = 1  # sessions bound to one connection (tests) cannot be shared
    options = {
        "batch_size": int(settings.get("newsletter.batch_size") or 500),
        "lease": int(settings.get("newsletter.claim_lease_seconds") or 0),
        "rate": float(settings.get("newsletter.rate_limit") or 0) / connections,
        "max_attempts": int(settings.get("newsletter.max_attempts") or 5),
        "retry_delay": int(settings.get("newsletter.retry_delay") or 300)}
    outcomes: list = []

    def loop():
        try:
            outcomes.append(_send_loop(request, campaign_id, compiled, list_ids, links,
                                       **options))
        except BaseException as exc:  # noqa: BLE001 (re-raised below, in the job's thread)
            outcomes.append(exc)

    # Several SMTP connections (threads, each its own worker in the exactly-once sense):
    # while one waits for the server, another renders and writes its status.
    threads = [threading.Thread(target=loop, name=f"newsletter-{i}")
               for i in range(connections - 1)]
    for thread in threads:
        thread.start()
    loop()
    for thread in threads:
        thread.join()
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    if "stopped" in outcomes:
        return
    _finish(request, registry["hub.dbsession_writer"], campaign_id, "retry" in outcomes,
            options["retry_delay"])


# With ``newsletter.connections`` = 0. SQLite has one writer at a time: one connection is
# fastest. A PostgreSQL commit waits for the disk; the commits of parallel connections
# share those waits, so the one commit per message stops being the limit.
AUTO_CONNECTIONS = {"sqlite": 1, "postgresql": 8}


def connection_count(settings: dict, dialect: str) -> int:
    """SMTP connections (threads, each with its own database connection) of a send job."""
    configured = int(settings.get("newsletter.connections") or 0)
    return max(1, configured or AUTO_CONNECTIONS.get(dialect, 1))


def _send_loop(request, campaign_id: int, compiled: CompiledCampaign, list_ids: list[int],
               links, batch_size: int, lease: int, rate: float, max_attempts: int,
               retry_delay: int) -> str:
    """One worker's loop over claimed batches: ``"done"``, ``"retry"`` (some rows wait for
    a retry) or ``"stopped"`` (paused or cancelled)."""
    registry = request.registry
    settings = registry.settings
    worker = uuid.uuid4().hex
    start_statement = (
        sa.update(D).where(D.c.id == sa.bindparam("delivery_id"), D.c.status == "pending",
                           D.c.claimed_by == worker, consent_clause(list_ids))
        .values(status="sending", attempts=D.c.attempts + 1))
    bounce_local, _sep, bounce_host = compiled.bounce.partition("@")
    transport = Transport(settings)
    conn, tx, own = _connection(registry)
    accepted: list[int] = []  # accepted by the server, recorded as sent by the next commit

    @contextlib.contextmanager
    def write():
        """A transaction of the loop; it also records the messages accepted since the
        last one, so that a message costs one commit, not two."""
        with tx():
            recorded = len(accepted)
            if recorded:
                conn.execute(MARK_SENT, [{"delivery_id": delivery_id, "sent_at": _now()}
                                         for delivery_id in accepted])
            yield
        del accepted[:recorded]

    start = functools.partial(_start, conn, write, start_statement, worker)
    last_sent = 0.0
    retry_later = False
    try:
        while True:
            with write():
                if _stopped(conn, campaign_id, worker):
                    return "stopped"
                rows = claim(conn, campaign_id, worker, batch_size, lease)
            if not rows:
                break
            refused = audience_refused(request, rows)
            if refused:
                _skip(conn, write, refused, worker, "consent withdrawn")
            audience = audience_links(request, rows, refused)
            checked = time.monotonic()
            for row in rows:
                if row.id in refused:
                    continue
                if time.monotonic() - checked > STATUS_CHECK_SECONDS:
                    # Pause and cancel take effect within a second, not per message.
                    with write():
                        if _stopped(conn, campaign_id, worker):
                            return "stopped"
                    checked = time.monotonic()
                token = row.token or ""
                try:
                    values = compiled.values(row.address, row.first_name or "",
                                             row.last_name or "", row.name or "", row.gender,
                                             token)
                    withdraw_url = audience.get(row.id)
                    if withdraw_url:
                        # Sent on the audience's consent: unsubscribing withdraws that one.
                        values["unsubscribe_url"] = withdraw_url
                    else:
                        withdraw_url = links(row.address, row.source)
                    data = compiled.message(row.id, row.address, values, token,
                                            withdraw_url=withdraw_url)
                except Exception as exc:
                    _mark(conn, write, row.id, worker, status="failed",
                          error=f"rendering failed: {exc}")
                    raise
                if rate:
                    wait = last_sent + 1.0 / rate - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                outcome = _deliver(conn, write, transport, start, worker, row, data,
                                   f"{bounce_local}+{row.id}-{token[:10]}@{bounce_host}",
                                   f"newsletter-{campaign_id}-{row.id}", max_attempts,
                                   retry_delay)
                last_sent = time.monotonic()
                if outcome == "sent":
                    accepted.append(row.id)
                elif outcome == "retry":
                    retry_later = True
    finally:
        if accepted:  # only after an error: every other way out of the loop commits
            try:
                with write():
                    pass
            except Exception:
                log.exception("%d accepted messages could not be recorded as sent; they "
                              "stay in doubt", len(accepted))
        if own:
            conn.close()
        transport.close()
    return "retry" if retry_later else "done"


def _deliver(conn, write, transport, start, worker: str, row, data: bytes, envelope: str,
             name: str, max_attempts: int, retry_delay: int) -> str:
    """Send one message: ``"sent"`` (the server accepted it; recorded by the caller's next
    commit), ``"skipped"``, ``"retry"``, ``"failed"`` or ``"uncertain"``.

    ``pending → sending`` is committed after the server answered DATA and before the
    message goes: a worker killed in between leaves the row in doubt (never sent twice),
    and that window is one write to the socket, not the SMTP conversation. Failures are
    recorded only on a row this worker still holds (``_mark``).
    """
    attempts = row.attempts + 1
    try:
        transport.open(envelope, row.address)
        if not start(row.id):
            # Lost to another worker, or no consent any more.
            transport.abandon()
            return "skipped"
        transport.transfer(data, name)
    except TemporaryFailure as exc:
        final = attempts >= max_attempts
        _mark(conn, write, row.id, worker, status="failed" if final else "pending",
              error=str(exc), attempts=attempts, claimed_by=None, claimed_at=None,
              next_attempt_at=_now() + dt.timedelta(seconds=retry_delay * attempts))
        return "failed" if final else "retry"
    except PermanentFailure as exc:
        _mark(conn, write, row.id, worker,
              status="bounced" if exc.recipient_refused else "failed", error=str(exc),
              attempts=attempts)
        if exc.recipient_refused:
            with write():
                conn.execute(sa.update(S).where(S.c.id == sa.select(D.c.subscriber_id).where(
                    D.c.id == row.id).scalar_subquery()).values(hard_bounced_at=_now()))
        return "failed"
    except UncertainFailure as exc:
        # It may have been delivered: stay "sending" (at most once), record why.
        _mark(conn, write, row.id, worker, status="sending", error=f"uncertain: {exc}")
        return "uncertain"
    return "sent"


def _start(conn, write, statement, worker: str, delivery_id: int) -> bool:
    """``pending → sending`` with the consent check, committed (with the sent marks of
    the messages before it); a row that lost it for want of consent becomes skipped."""
    with write():
        won = conn.execute(statement, {"delivery_id": delivery_id}).rowcount
    if not won:
        _skip(conn, write, [delivery_id], worker, "no consent at send time")
    return bool(won)


STATUS_CHECK_SECONDS = 1.0
MARK_SENT = (sa.update(D).where(D.c.id == sa.bindparam("delivery_id"))
             .values(status="sent", error="",
                     sent_at=sa.bindparam("sent_at", type_=D.c.sent_at.type)))


def _connection(registry):
    """``(connection, begin, owned)`` for the hot loop: a connection of the writer engine
    and its ``begin``; under tests whose sessions are bound to one connection, that
    connection with savepoints."""
    bind = registry["hub.dbsession_writer"].kw["bind"]
    if isinstance(bind, sa.Connection):
        return bind, bind.begin_nested, False
    conn = bind.connect()
    if conn.dialect.name != "sqlite":
        return conn, conn.begin, True

    @contextlib.contextmanager
    def begin():
        # SQLite has one writer at a time and makes the others sleep and retry; the job's
        # threads take turns here instead, handing the lock over at once.
        with _SQLITE_WRITER, conn.begin() as transaction:
            yield transaction

    return conn, begin, True


_SQLITE_WRITER = threading.Lock()


def _stopped(conn, campaign_id: int, worker: str) -> bool:
    """True when the campaign was paused or cancelled (or is gone); the worker's claims are
    released. Runs in the caller's transaction."""
    status = conn.scalar(sa.select(Campaign.status).where(Campaign.id == campaign_id))
    if status == "sending":
        return False
    conn.execute(sa.update(D).where(D.c.claimed_by == worker, D.c.status == "pending")
                 .values(claimed_by=None, claimed_at=None))
    return True


def _skip(conn, write, ids, worker: str, reason: str) -> None:
    """Rows this worker claimed and will not send (no consent, or no longer pending)."""
    with write():
        conn.execute(sa.update(D).where(D.c.id.in_(list(ids)), D.c.status == "pending",
                                        D.c.claimed_by == worker)
                     .values(status="skipped", error=reason))


def _mark(conn, write, delivery_id: int, worker: str, **values) -> None:
    """Record the outcome of a row this worker claimed and has not finished."""
    with write():
        conn.execute(sa.update(D).where(D.c.id == delivery_id, D.c.claimed_by == worker,
                                        D.c.status.in_(("pending", "sending")))
                     .values(**values))


def _fail_campaign(registry, campaign_id: int, error: str) -> None:
    with registry["hub.dbsession_writer"]() as db, db.begin():
        db.execute(sa.update(Campaign).where(Campaign.id == campaign_id)
                   .values(status="failed", error=error))


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
