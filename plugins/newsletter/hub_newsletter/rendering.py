"""A campaign as e-mail: rendering in the reader's language, personalising per recipient
(compiled once per language of a send), counting links and the pixel, and the neutral
version for the archive."""
from __future__ import annotations

import base64
import email.utils
import functools
import hashlib
import hmac
import re
import uuid
from email.header import Header
from html import escape, unescape
from pathlib import Path

from chameleon import PageTemplateFile

from hub.dates import PRAGUE
from hub.i18n import localizer_for
from hub.mail import sender as core_sender
from hub_newsletter import content, richbody
from hub_newsletter.i18n import _
from hub_newsletter.mail_settings import domain, setting
from hub_newsletter.mail_templates import campaign_template, template_look
from hub_newsletter.models import Campaign
from hub_newsletter.salutation import salutation, split_name

MAIL_TEMPLATE = PageTemplateFile(str(Path(__file__).parent / "templates" / "mail" /
                                     "newsletter.pt"))


# -- personalisation ------------------------------------------------------------------------

LANGUAGES = ("cs", "en")


def recipient_language(value: str | None) -> str:
    """A recipient's language for the mail: English or, for anything else, Czech."""
    return value if value in LANGUAGES else "cs"


def version_of(campaign: Campaign, language: str) -> str:
    """The language of the campaign's text a reader of ``language`` gets: English when it
    was written, else Czech (the subject, preview line and text go together)."""
    return campaign.language_of("body", language)


def recipient_values(request, campaign: Campaign, subscriber, address: str,
                     language: str = "cs") -> dict:
    name = subscriber.name if subscriber else ""
    first = (subscriber.first_name if subscriber else "") or split_name(name)[0]
    last = (subscriber.last_name if subscriber else "") or split_name(name)[1]
    gender = subscriber.gender if subscriber else None
    token = subscriber.token if subscriber else ""
    values = {
        "salutation": salutation(first, last, gender, campaign.salutation, language),
        "first_name": first, "last_name": last, "name": name or f"{first} {last}".strip(),
        "email": address,
        "unsubscribe_url": request.route_url("newsletter.unsubscribe", token=token,
                                             _query={"c": campaign.id}) if token else "",
        "preferences_url": request.route_url("newsletter.preferences", token=token)
        if token else "",
        "event_title": campaign.event_title, "event_url": campaign.event_url,
        "event_date": format_event_date(campaign, language),
    }
    return values


def format_event_date(campaign: Campaign, language: str = "cs") -> str:
    if campaign.event_starts_at is None:
        return ""
    from babel.dates import format_datetime

    local = campaign.event_starts_at.astimezone(PRAGUE)
    return format_datetime(local, "d. MMMM y, H:mm" if language == "cs"
                           else "d MMMM y, H:mm", locale=language)


def archive_values(campaign: Campaign, language: str = "cs") -> dict:
    """Neutral values for the public archive and previews: no personal data."""
    greeting = "Vážení čtenáři" if language == "cs" else "Dear readers"
    return {"salutation": greeting, "first_name": "", "last_name": "", "name": "",
            "email": "", "unsubscribe_url": "", "preferences_url": "",
            "event_title": campaign.event_title, "event_url": campaign.event_url,
            "event_date": format_event_date(campaign, language)}


SANS = "font-family:Arial,Helvetica,sans-serif;"


def layout_styles(layout: str, accent: str) -> dict[str, str]:
    """Inline styles of a look, in the template's accent colour."""
    if layout == "light":
        # Light: white header, accent name and rule (prints well, quieter).
        return {"font": SANS, "frame": "border:1px solid #c7d4e2;",
                "header": f"padding:20px 32px;color:{accent};font-size:20px;font-weight:bold;"
                          f"border-bottom:3px solid {accent};" + SANS}
    if layout == "plain":
        # Plain letter: no header band, a serif text face, for personal letters.
        return {"font": "font-family:Georgia,'Times New Roman',serif;", "frame": "",
                "header": "padding:16px 32px 0;color:#3b4a5a;font-size:14px;" + SANS}
    # The gov.cz look: a band in the accent colour with the site's name.
    return {"font": SANS, "frame": f"border-top:6px solid {accent};",
            "header": f"padding:20px 32px;background:{accent};color:#ffffff;font-size:20px;"
                      "font-weight:bold;" + SANS}


def body_styles(accent: str) -> dict[str, str]:
    return {"p": "margin:0 0 16px;",
            "h2": "font-size:20px;margin:24px 0 8px;color:#0b2949;",
            "h3": "font-size:18px;margin:20px 0 8px;color:#0b2949;",
            "ul": "margin:0 0 16px;padding-left:24px;",
            "ol": "margin:0 0 16px;padding-left:24px;",
            "a": f"color:{accent};",
            "img": "max-width:100%;height:auto;border:0;",
            "blockquote": f"margin:0 0 16px;padding-left:16px;border-left:4px solid {accent};"}


# Why a person receives the mail, by how the consent it is sent on was given: a contact
# who agreed on the phone or on paper did not "subscribe".
WHY_SUBSCRIBED = _("You receive this e-mail because you subscribed to news from ${site}.")
WHY_BY_SOURCE = {
    "staff": _("You receive this e-mail because you told the staff of ${site} that you "
               "wish to receive its news."),
    "import": _("You receive this e-mail because you agreed to receive news from ${site}."),
    "migration": _("You receive this e-mail because you agreed to receive news from "
                   "${site}."),
}


def why_text(request, language: str, consent_source: str | None) -> str:
    """The footer's reason, worded by the source of the consent relied on (``None`` or a
    source from a form or link: the person subscribed)."""
    localizer = localizer_for(request.registry, language)
    return localizer.translate(WHY_BY_SOURCE.get(consent_source or "", WHY_SUBSCRIBED),
                               mapping={"site": request.registry.settings["hub.site_name"]})


def render(request, campaign: Campaign, values: dict,
           language: str = "cs") -> tuple[str, str, str]:
    """``(subject, text, html)`` of one message to a reader of ``language``: the campaign's
    version in that language, or the Czech one marked ``lang="cs"``; everything around it
    (footer, event, dates) in ``language``."""
    settings = request.registry.settings
    version = version_of(campaign, language)
    localizer = localizer_for(request.registry, language)
    template = campaign_template(request, campaign)
    subject = content.substitute(campaign.translated("subject", version), values)
    body = richbody.body_html(campaign.translated("body", version), values,
                              settings["hub.base_url"])
    footer = {
        "why": values.get("why") or why_text(request, language, None),
        "unsubscribe": localizer.translate(_("Unsubscribe")),
        "preferences": localizer.translate(_("Manage subscriptions")),
    }
    text = richbody.plain_text(body)
    event_label = localizer.translate(_("Event details and registration"))
    if campaign.event_title:
        event_lines = [campaign.event_title, values.get("event_date", ""),
                       f"{event_label}: {campaign.event_url}" if campaign.event_url else ""]
        text += "\n\n" + "\n".join(line for line in event_lines if line)
    look = template_look(request, template, language)
    if look["footer"]:
        text += "\n\n" + richbody.plain_text(look["footer"])
    if values.get("unsubscribe_url"):
        text += (f"\n\n-- \n{footer['why']}\n{footer['unsubscribe']}: "
                 f"{values['unsubscribe_url']}\n{footer['preferences']}: "
                 f"{values['preferences_url']}\n")
    html = MAIL_TEMPLATE(
        subject=subject, preheader=content.substitute(
            campaign.translated("preheader", version), values),
        language=language, version=version,
        s=layout_styles(look["layout"], look["accent"]), look=look,
        site_name=settings["hub.site_name"],
        body=richbody.styled(body, body_styles(look["accent"])), values=values,
        footer=footer,
        event=campaign.event_title and {"title": campaign.event_title,
                                        "url": campaign.event_url,
                                        "date": values.get("event_date", "")},
        event_label=event_label,
    )
    return subject, text, html


PERSONAL_FIELDS = ("salutation", "first_name", "last_name", "name", "email",
                   "unsubscribe_url", "preferences_url", "why")
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
                 count: bool = True, language: str = "cs"):
        settings = request.registry.settings
        nonce = uuid.uuid4().hex[:12]
        self.markers = {f: (f"https://{nonce}.invalid/{f}" if f in URL_FIELDS
                            else f"HUB{nonce}{f}") for f in PERSONAL_FIELDS}
        shared = archive_values(campaign, language)
        values = {**shared, **self.markers}
        subject, text, html = render(request, campaign, values, language)
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
        self.why = {source: why_text(request, language, source)
                    for source in ("", *WHY_BY_SOURCE)}
        self.style = campaign.salutation
        self.language = language
        self.domain = domain(settings)
        # newsletter.sender, else the hub's sender (mail.sender, named after the hub).
        own = setting(settings, "sender")
        sender_name, sender_address = email.utils.parseaddr(
            str(own) if own else str(core_sender(settings)))
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
               token: str, consent_source: str | None = None) -> dict:
        """The personal fields of one recipient (cheap: URLs from a prepared pattern)."""
        first = first or split_name(name)[0]
        last = last or split_name(name)[1]
        return {
            "salutation": cached_salutation(first, last, gender, self.style, self.language),
            "first_name": first, "last_name": last, "name": name or f"{first} {last}".strip(),
            "email": address,
            "unsubscribe_url": self.unsubscribe_url.replace(self.tokens, token) if token else "",
            "preferences_url": self.preferences_url.replace(self.tokens, token) if token else "",
            "why": self.why.get(consent_source or "", self.why[""]),
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


def compiled_versions(request, campaign: Campaign, **options) -> dict[str, CompiledCampaign]:
    """The campaign compiled once per recipients' language (a send job's templates)."""
    return {language: CompiledCampaign(request, campaign, language=language, **options)
            for language in LANGUAGES}


def build_message(request, campaign: Campaign, delivery_id: int, subscriber, address: str,
                  subject_prefix: str = "", language: str = "cs") -> bytes:
    """One message outside bulk sending (the test send: never counted)."""
    compiled = CompiledCampaign(request, campaign, subject_prefix, count=False,
                                language=language)
    token = subscriber.token if subscriber else ""
    values = compiled.values(address, subscriber.first_name or "", subscriber.last_name or "",
                             subscriber.name or "", subscriber.gender, token)
    return compiled.message(delivery_id, address, values, token)


def archive_subject(campaign: Campaign, language: str = "cs") -> str:
    version = version_of(campaign, language)
    return content.substitute(campaign.translated("subject", version),
                              archive_values(campaign, language))


def archive_body(request, campaign: Campaign, language: str = "cs") -> str:
    """The body of the archive page: the reader's version (else the Czech one), neutral
    values, sanitised HTML."""
    return richbody.body_html(campaign.translated("body", version_of(campaign, language)),
                              archive_values(campaign, language),
                              request.registry.settings["hub.base_url"])
