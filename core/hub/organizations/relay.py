"""The contact relay: signed-in people write to an organisation, or to a person who chose
to be reachable, without learning their address.

The hub mails the message (through the outbox, after commit) to the organisation's
representatives (its public contact address when it has none) or to the person, with the
sender's address as Reply-To: the recipient answers by replying, and only then does the
sender learn the recipient's address (the form says so). Every relayed mail carries a
"report abuse" link; hub staff review reports and may stop a sender from relaying.

Who may be contacted as a person is the consent ledger's purpose
``organisations.reachable`` (given and withdrawn on My consents). Senders are
rate-limited (``RELAY_LIMITS``, counted per account). ``relay_message`` is the record of
who contacted whom: the subject and text are emptied ``RETENTION_DAYS`` after sending
(the time to report them; an open report keeps them until staff decide), the record
itself is deleted after ``RECORD_DAYS``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from email.headerregistry import Address

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from hub.accounts import ratelimit
from hub.accounts.forms import Field, Form
from hub.accounts.models import AuditEvent, User
from hub.consent import Purpose, Subject, has_consent
from hub.db import utcnow
from hub.i18n import _, localizer_for
from hub.mail import MailMessage, queue_mail, render_mail
from hub.notifications import notify
from hub.organizations.models import Organisation
from hub.organizations.network_models import RelayBlock, RelayMessage
from hub.organizations.people import acting_people, staff_people
from hub.security import AUTHENTICATED, PUBLIC, STAFF
from hub.theme import theme_of

REACHABLE_PURPOSE = Purpose(
    "organisations.reachable",
    title={"cs": "Mohou mi psát ostatní v hubu",
           "en": "Others in the hub may write to me"},
    text={"cs": "Souhlasím, aby mi přihlášení uživatelé hubu mohli poslat zprávu přes hub "
                "(odkaz „Napsat této osobě“ u mého jména v adresáři a v pracovních "
                "skupinách). Hub jim mou e-mailovou adresu neukáže; uvidí ji, jen když na "
                "zprávu odpovím. Text zprávy hub smaže po 30 dnech, záznam o tom, kdo mi "
                "psal, po roce. Souhlas mohu kdykoli odvolat na stránce Moje souhlasy; odkaz "
                "pak hned zmizí.",
          "en": "I agree that signed-in users of the hub may send me a message through the "
                "hub (the link \"Contact this person\" next to my name in the directory and "
                "in working groups). The hub does not show them my e-mail address; they see "
                "it only if I reply. The hub deletes the text of a message after 30 days and "
                "the record of who wrote to me after a year. I can withdraw this consent on "
                "My consents at any time; the link then disappears at once."},
    order=45)

REPORT_KIND = "organisations.relay_report"
RETENTION_DAYS = 30
RECORD_DAYS = 365
# Per sender account: a few messages an hour, and a day's worth.
RELAY_LIMITS = {"relay_sender": (5, 3600), "relay_sender_day": (20, 86400)}
MAX_TEXT = 3000


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_reachable(request, user) -> bool:
    return user is not None and user.is_active and has_consent(
        request, Subject.of_user(user), REACHABLE_PURPOSE.key)


def contact_person_url(request, user) -> str | None:
    """The address of the form that writes to ``user``, when they chose to be reachable."""
    if not is_reachable(request, user):
        return None
    return request.route_path("contact_person", user_id=user.id)


def organisation_recipients(request, organisation) -> list[tuple[str, str]]:
    """``(address, language)`` the organisation's messages go to: its representatives, or
    its public contact address when no representative has an account."""
    people = acting_people(request, organisation.id, roles=("representative",))
    if people:
        return [(p.email, p.language) for p in people]
    return [(organisation.email, "cs")] if organisation.email else []


def block_of(request, user) -> RelayBlock | None:
    return request.dbsession.get(RelayBlock, user.id)


def contact_form(request) -> Form:
    return Form(request, [
        Field("subject", _("Subject"), maxlength=200),
        Field("text", _("Message"), "textarea", maxlength=MAX_TEXT),
    ], id_prefix="contact")


def _page(request, form, recipient_name, blocked=False):
    return {"form": form, "form_id": "contact-form", "action": request.path,
            "submit": _("Send the message"), "recipient": recipient_name,
            "blocked": blocked, "retention": RETENTION_DAYS,
            "breadcrumbs": [(recipient_name, None)]}


def _send(request, kind, recipient_name, recipients, organisation=None, person=None):
    sender = request.identity
    form = contact_form(request)
    if block_of(request, sender) is not None:
        request.response.status = 403
        return _page(request, form, recipient_name, blocked=True)
    if request.method != "POST":
        return _page(request, form, recipient_name)
    values = form.read()
    checks = [("relay_sender", str(sender.id)), ("relay_sender_day", str(sender.id))]
    wait = ratelimit.retry_after(request, checks, limits=RELAY_LIMITS)
    if form.ok and wait is not None:
        form.error(None, _("You have sent many messages recently. Try again in ${minutes} "
                           "minutes.", mapping={"minutes": max(1, (wait + 59) // 60)}))
        request.response.status = 429
        return _page(request, form, recipient_name)
    if not form.ok:
        request.response.status = 422
        return _page(request, form, recipient_name)
    token = secrets.token_urlsafe(32)
    message = RelayMessage(kind=kind, sender_id=sender.id,
                           recipient_user_id=person.id if person else None,
                           organisation_id=organisation.id if organisation else None,
                           subject=values["subject"], body=values["text"],
                           report_digest=_digest(token))
    request.dbsession.add(message)
    request.dbsession.flush()
    report_url = request.route_url("contact_report", token=token)
    reply_to = _address(sender)
    mail_ids = []
    for address, language in recipients:
        mail = _relay_mail(request, address, language, sender, values, report_url,
                           organisation, reply_to)
        mail_ids.append(mail.id)
    message.mail_ids = mail_ids
    ratelimit.record(request, checks, limits=RELAY_LIMITS)
    request.session.flash(_("Your message has been sent. The answer will come to your "
                            "e-mail."), "success")
    return HTTPSeeOther(location=request.route_path("dashboard"))


def _address(user) -> str:
    """``Name <address>`` for a header, the name quoted when it needs to be."""
    try:
        return str(Address(display_name=user.name, addr_spec=user.email))
    except (ValueError, IndexError):
        return user.email


def _relay_mail(request, address, language, sender, values, report_url, organisation,
                reply_to) -> MailMessage:
    localizer = localizer_for(request.registry, language)
    site = theme_of(request.registry).name(language, "genitive")
    if organisation is not None:
        intro = _("${name} wrote to ${organisation} through the hub; you receive it as the "
                  "organisation's representative. Reply to this e-mail to answer: your reply "
                  "goes straight to ${name}, who then sees your e-mail address. The hub has "
                  "not shown them any address.",
                  mapping={"name": sender.name, "organisation": organisation.name})
    else:
        intro = _("${name} wrote to you through the hub. Reply to this e-mail to answer: "
                  "your reply goes straight to ${name}, who then sees your e-mail address. "
                  "The hub has not shown them your address.", mapping={"name": sender.name})
    report = _("Is the message abusive or unwanted? Report it to the hub team: ${url}",
               mapping={"url": report_url})
    subject = localizer.translate(_("Message through the hub: ${subject}",
                                    mapping={"subject": values["subject"]}))
    body = "\n\n".join((localizer.translate(intro), values["text"],
                        localizer.translate(report)))
    text, html = render_mail(request, "notification", language, {
        "subject": subject, "body": body, "url": "", "settings_url": "", "more_line": "",
        "settings_line": "",
        "site_name": localizer.translate(_("A message from ${site}",
                                           mapping={"site": site}))})
    return queue_mail(request, address, subject, text, html=html,
                      headers={"Reply-To": reply_to})


@view_config(route_name="contact_organisation", permission=AUTHENTICATED,
             request_method=("GET", "POST"),
             renderer="hub:templates/organizations/contact.pt")
def contact_organisation(request):
    organisation = request.dbsession.get(Organisation, int(request.matchdict["id"]))
    recipients = organisation_recipients(request, organisation) if organisation else []
    if not recipients:
        raise HTTPNotFound()
    return _send(request, "organisation", organisation.name, recipients,
                 organisation=organisation)


@view_config(route_name="contact_person", permission=AUTHENTICATED,
             request_method=("GET", "POST"),
             renderer="hub:templates/organizations/contact.pt")
def contact_person(request):
    person = request.dbsession.get(User, int(request.matchdict["user_id"]))
    if person is None or person.id == request.identity.id or not is_reachable(request, person):
        raise HTTPNotFound()
    return _send(request, "person", person.name, [(person.email, person.language)],
                 person=person)


# -- reports --------------------------------------------------------------------------------------

@view_config(route_name="contact_report", permission=PUBLIC,
             renderer="hub:templates/organizations/report.pt")
def report(request):
    """The recipient reports a relayed message (the link's secret is the authority)."""
    message = request.dbsession.scalar(sa.select(RelayMessage).where(
        RelayMessage.report_digest == _digest(request.matchdict["token"])))
    if message is None:
        raise HTTPNotFound()
    state = "form"
    if message.report_state is not None:
        state = "reported"
    elif message.body_removed_at is not None:
        state = "expired"
    elif request.method == "POST":
        message.report_state, message.reported_at = "open", utcnow()
        message.report_note = request.POST.get("note", "").strip()[:2000]
        for person in staff_people(request):
            notify(request, person, REPORT_KIND, _("A message sent through the hub was "
                                                   "reported"),
                   url=request.route_url("admin_relay"))
        state = "done"
    return {"state": state, "message": message, "retention": RETENTION_DAYS,
            "breadcrumbs": [(_("Report a message"), None)]}


@view_config(route_name="admin_relay", permission=STAFF, request_method="GET",
             renderer="hub:templates/organizations/relay_admin.pt")
def admin_relay(request):
    db = request.dbsession
    sender, person = sa.orm.aliased(User), sa.orm.aliased(User)
    rows = db.execute(
        sa.select(RelayMessage, sender, person, Organisation.name)
        .outerjoin(sender, sender.id == RelayMessage.sender_id)
        .outerjoin(person, person.id == RelayMessage.recipient_user_id)
        .outerjoin(Organisation, Organisation.id == RelayMessage.organisation_id)
        .order_by(RelayMessage.created_at.desc(), RelayMessage.id.desc()).limit(100)).all()
    reports = db.execute(
        sa.select(RelayMessage, sender, person, Organisation.name)
        .outerjoin(sender, sender.id == RelayMessage.sender_id)
        .outerjoin(person, person.id == RelayMessage.recipient_user_id)
        .outerjoin(Organisation, Organisation.id == RelayMessage.organisation_id)
        .where(RelayMessage.report_state == "open")
        .order_by(RelayMessage.reported_at)).all()
    blocks = db.execute(sa.select(RelayBlock, User).join(User, User.id == RelayBlock.user_id)
                        .order_by(RelayBlock.created_at.desc())).all()
    from hub.notifications.views import format_datetime

    return {"reports": reports, "log": rows, "blocks": blocks,
            "format_datetime": format_datetime, "retention": RETENTION_DAYS,
            "record_days": RECORD_DAYS,
            "breadcrumbs": [(_("Administration"), request.route_path("admin_index")),
                            (_("Messages between members"), None)]}


@view_config(route_name="admin_relay_report", permission=STAFF, request_method="POST")
def decide_report(request):
    message = request.dbsession.get(RelayMessage, int(request.matchdict["message_id"]))
    if message is None or message.report_state != "open":
        raise HTTPNotFound()
    action = request.POST.get("action")
    if action not in ("dismiss", "block"):
        raise HTTPNotFound()
    message.handled_by_id, message.handled_at = request.identity.id, utcnow()
    if action == "block" and message.sender_id is not None:
        message.report_state = "blocked"
        if request.dbsession.get(RelayBlock, message.sender_id) is None:
            request.dbsession.add(RelayBlock(
                user_id=message.sender_id, blocked_by_id=request.identity.id,
                reason=request.POST.get("reason", "").strip()[:2000]))
            request.dbsession.add(AuditEvent(actor_id=request.identity.id,
                                             subject_id=message.sender_id,
                                             action="relay_blocked",
                                             details={"message": message.id}))
        request.session.flash(_("The sender can no longer send messages through the hub."),
                              "success")
    else:
        message.report_state = "dismissed"
        request.session.flash(_("The report has been closed."), "success")
    return HTTPSeeOther(location=request.route_path("admin_relay"))


@view_config(route_name="admin_relay_unblock", permission=STAFF, request_method="POST")
def unblock(request):
    block = request.dbsession.get(RelayBlock, int(request.matchdict["user_id"]))
    if block is None:
        raise HTTPNotFound()
    request.dbsession.delete(block)
    request.dbsession.add(AuditEvent(actor_id=request.identity.id, subject_id=block.user_id,
                                     action="relay_unblocked"))
    request.session.flash(_("The person may send messages through the hub again."),
                          "success")
    return HTTPSeeOther(location=request.route_path("admin_relay"))


# -- retention ----------------------------------------------------------------------------------

def apply_retention(request, now: dt.datetime | None = None) -> tuple[int, int]:
    """The periodic job: empty texts past the reporting period (and their outbox copies),
    delete records past ``RECORD_DAYS``. Open reports keep their message. Returns
    ``(emptied, deleted)``."""
    now = now or utcnow()
    db = request.dbsession
    not_open = sa.or_(RelayMessage.report_state.is_(None), RelayMessage.report_state != "open")
    due = list(db.scalars(sa.select(RelayMessage).where(
        RelayMessage.body_removed_at.is_(None), not_open,
        RelayMessage.created_at < now - dt.timedelta(days=RETENTION_DAYS))))
    for message in due:
        _empty(db, message, now)
    deleted = db.execute(sa.delete(RelayMessage).where(
        not_open, RelayMessage.created_at < now - dt.timedelta(days=RECORD_DAYS))).rowcount
    return len(due), deleted


def _empty(db, message: RelayMessage, now: dt.datetime) -> None:
    message.subject, message.body, message.report_note = "", "", ""
    message.body_removed_at = now
    if message.mail_ids:
        # The outbox keeps what it sent; the relayed text must not outlive the message.
        db.execute(sa.update(MailMessage).where(
            MailMessage.id.in_(message.mail_ids), MailMessage.status != "pending")
            .values(subject="", text="", html=None))


def erase_person(request, user) -> None:
    """Erasure: the person's messages lose their text and their name on either side."""
    db = request.dbsession
    now = utcnow()
    for message in db.scalars(sa.select(RelayMessage).where(sa.or_(
            RelayMessage.sender_id == user.id, RelayMessage.recipient_user_id == user.id))):
        if message.body_removed_at is None:
            _empty(db, message, now)
    db.execute(sa.update(RelayMessage).where(RelayMessage.sender_id == user.id)
               .values(sender_id=None))
    db.execute(sa.update(RelayMessage).where(RelayMessage.recipient_user_id == user.id)
               .values(recipient_user_id=None))
    db.execute(sa.update(RelayMessage).where(RelayMessage.handled_by_id == user.id)
               .values(handled_by_id=None))
    db.execute(sa.delete(RelayBlock).where(RelayBlock.user_id == user.id))
    db.execute(sa.update(RelayBlock).where(RelayBlock.blocked_by_id == user.id)
               .values(blocked_by_id=None))


def export_person(request, user) -> dict:
    db = request.dbsession
    sent = db.execute(
        sa.select(RelayMessage, Organisation.name, User.name)
        .outerjoin(Organisation, Organisation.id == RelayMessage.organisation_id)
        .outerjoin(User, User.id == RelayMessage.recipient_user_id)
        .where(RelayMessage.sender_id == user.id).order_by(RelayMessage.id)).all()
    received = db.execute(
        sa.select(RelayMessage, User.name).outerjoin(User, User.id == RelayMessage.sender_id)
        .where(RelayMessage.recipient_user_id == user.id).order_by(RelayMessage.id)).all()
    block = block_of(request, user)
    return {
        _("Messages I sent through the hub"): [
            {"to": org or person, "at": m.created_at, "subject": m.subject, "text": m.body}
            for m, org, person in sent],
        _("Messages sent to me through the hub"): [
            {"from": name, "at": m.created_at, "subject": m.subject, "text": m.body,
             "reported": m.report_state is not None} for m, name in received],
        _("Sending messages through the hub"): [
            {"blocked_since": block.created_at, "reason": block.reason}] if block else [],
    }


def includeme(config):
    config.add_route("contact_organisation", "/contact/organisation/{id}")
    config.add_route("contact_person", "/contact/person/{user_id}")
    config.add_route("contact_report", "/contact/report/{token}")
    config.add_route("admin_relay", "/admin/messages")
    config.add_route("admin_relay_report", "/admin/messages/{message_id}")
    config.add_route("admin_relay_unblock", "/admin/messages/blocked/{user_id}/unblock")
    config.scan("hub.organizations.relay")
