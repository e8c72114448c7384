"""After the award: the agreement, its payment schedule, payments, reports and closure.

The grant's stage is its agreement's ``status``: ``issued`` (staff wrote the schedule
and the PDF; they may issue it again until it is accepted), ``accepted`` (a
representative of the organisation accepted exactly that PDF: its SHA-256 is recorded),
``closed`` (the final report approved and every instalment paid). Every change is a
``grants_event`` row; people are told through ``hub.notifications`` (inbox and mail,
delivered after commit).
"""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import sqlalchemy as sa

from hub.accounts.models import User
from hub.dates import PRAGUE, format_day, language
from hub.db import utcnow
from hub.i18n import localizer_for
from hub.notifications import notify
from hub.organizations.models import Membership
from hub.storage import PDF, storage
from hub_grants.i18n import _
from hub_grants.models import (
    INSTALMENT_KINDS,
    Agreement,
    Application,
    Instalment,
    Report,
    ReportLine,
)
from hub_grants.services import (
    GrantError,
    audit,
    format_money,
    money,
)

KIND = "grants.grant"
INSTALMENT_LABELS = {"advance": _("Advance"), "interim": _("Interim payment"),
                     "final": _("Final payment")}
REPORT_LABELS = {"interim": _("Interim report"), "final": _("Final report")}
REPORT_STATUS = {"draft": _("Draft"), "submitted": _("Submitted"), "approved": _("Approved"),
                 "returned": _("Returned for correction")}
AGREEMENT_STATUS = {"issued": _("Waiting for acceptance"), "accepted": _("In progress"),
                    "closed": _("Closed")}
MAX_INSTALMENTS = 12


def today() -> dt.date:
    return utcnow().astimezone(PRAGUE).date()


def parse_day(text) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if isinstance(text, str) and text.strip() \
            else None
    except ValueError:
        return None


def representatives(request, organisation_id: int) -> list[User]:
    return list(request.dbsession.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.organisation_id == organisation_id, Membership.active(),
            Membership.is_representative.is_(True), User.is_active.is_(True))
        .order_by(User.id)))


def _tell(request, users, subject, text, mapping, url: str) -> None:
    """Notify ``users``; ``mapping(lang, tr)`` gives the values in each one's language."""
    for user in users:
        tr = localizer_for(request.registry, user.language).translate
        notify(request, user, KIND, subject, text, url=url, mapping=mapping(user.language, tr))


def _tell_organisation(request, application: Application, subject, text, mapping) -> None:
    _tell(request, representatives(request, application.organisation_id), subject, text,
          mapping, request.route_url("grants.grant", id=application.id))


def _tell_staff(request, agreement: Agreement, subject, text, mapping) -> None:
    """The staff member who issued the agreement (else the one who decided) is told."""
    user_id = agreement.issued_by_id or agreement.application.decided_by_id
    user = request.dbsession.get(User, user_id) if user_id else None
    if user is not None and user.is_active and user.email:
        _tell(request, [user], subject, text, mapping,
              request.route_url("grants.grant_staff", id=agreement.application_id))


# -- the agreement ----------------------------------------------------------------------------

def default_schedule(application: Application) -> dict:
    """A proposal for the form: 70 % in advance, the rest after the final report."""
    amount = application.approved_amount or Decimal(0)
    advance = (amount * Decimal("0.7")).quantize(Decimal(1))
    start = today()
    final_report = start + dt.timedelta(days=330)
    return {"interim_report_due": (start + dt.timedelta(days=180)).isoformat(),
            "final_report_due": final_report.isoformat(),
            "instalments": [
                {"kind": "advance", "due_on": (start + dt.timedelta(days=30)).isoformat(),
                 "amount": f"{advance:.2f}"},
                {"kind": "final", "due_on": (final_report + dt.timedelta(days=30)).isoformat(),
                 "amount": f"{amount - advance:.2f}"}]}


def check_schedule(application: Application, data: dict,
                   lang: str = "cs") -> tuple[dict, list[dict]]:
    """Validate report dates and instalments; the instalments must add up to the approved
    amount exactly. Raises ``GrantError`` (amounts written for ``lang``); returns
    ``(dates, instalments)``."""
    errors: dict = {}
    final_due = parse_day(data.get("final_report_due"))
    interim_raw = data.get("interim_report_due")
    interim_due = parse_day(interim_raw)
    if final_due is None:
        errors["final_report_due"] = _("Give the whole date: day, month and year.")
    if interim_raw and interim_due is None:
        errors["interim_report_due"] = _("Give the whole date: day, month and year.")
    elif interim_due and final_due and interim_due > final_due:
        errors["interim_report_due"] = _("The interim report comes before the final one.")
    rows = data.get("instalments")
    instalments = []
    if not isinstance(rows, list) or not rows or len(rows) > MAX_INSTALMENTS:
        errors["instalments"] = _("Give from 1 to ${max} instalments.",
                                  mapping={"max": MAX_INSTALMENTS})
        rows = []
    for i, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        due, amount = parse_day(row.get("due_on")), money(row.get("amount"))
        if row.get("kind") not in INSTALMENT_KINDS:
            errors[f"instalment-{i}-kind"] = _("Choose what the payment is.")
        if due is None:
            errors[f"instalment-{i}-due_on"] = _("Give the whole date: day, month and year.")
        if amount is None or amount <= 0:
            errors[f"instalment-{i}-amount"] = _("Give an amount in CZK, such as 250000 or "
                                                 "250 000,50.")
        instalments.append({"kind": row.get("kind"), "due_on": due, "amount": amount})
    if rows and not any(k.startswith("instalment-") for k in errors):
        total = sum((r["amount"] for r in instalments), Decimal("0.00"))
        if total != application.approved_amount:
            errors["instalments"] = _(
                "The instalments add up to ${total}; they must add up to the approved "
                "amount, ${amount}.", mapping={
                    "total": format_money(total, lang),
                    "amount": format_money(application.approved_amount, lang)})
    if errors:
        raise GrantError(errors)
    return {"interim_report_due": interim_due, "final_report_due": final_due}, instalments


def agreement_language(application: Application) -> str:
    """The language of the representative who applied: English when their account is in
    English, otherwise Czech (also when the account is gone)."""
    user = application.applicant
    return "en" if user is not None and user.language == "en" else "cs"


def issue(request, application: Application, data: dict) -> Agreement:
    """Write the schedule and (re)issue the agreement's PDF for the organisation to accept."""
    from hub_grants.documents import agreement_pdf

    if application.status != "approved":
        raise GrantError({"agreement": _("Only an approved application gets an agreement.")},
                         409)
    agreement = application.agreement
    if agreement is not None and agreement.status != "issued":
        raise GrantError({"agreement": _("The agreement has been accepted; it can no longer "
                                         "change.")}, 409)
    dates, rows = check_schedule(application, data, language(request))
    if agreement is None:
        agreement = Agreement(application_id=application.id, amount=application.approved_amount,
                              number=f"{application.decided_at.astimezone(PRAGUE).year}/"
                                     f"{application.id:05d}", version=0, document_key="",
                              document_sha256="")
        request.dbsession.add(agreement)
        application.agreement = agreement
    old_key = agreement.document_key
    agreement.version += 1
    agreement.amount = application.approved_amount
    agreement.interim_report_due = dates["interim_report_due"]
    agreement.final_report_due = dates["final_report_due"]
    agreement.instalments = [Instalment(position=i, **row) for i, row in enumerate(rows)]
    agreement.issued_at, agreement.issued_by_id = utcnow(), request.identity.id
    request.dbsession.flush()
    pdf = agreement_pdf(request, agreement, agreement_language(application))
    stored = storage(request).save(io.BytesIO(pdf), namespace="grants",
                                   filename=f"agreement-{agreement.id}.pdf",
                                   content_type=PDF, max_size=20 * 1024 * 1024,
                                   allowed_types={PDF})
    agreement.document_key, agreement.document_sha256 = stored.key, stored.sha256
    if old_key:
        storage(request).delete(old_key)
    request.dbsession.flush()
    audit(request, "agreement_issued", call_id=application.call_id,
          application_id=application.id, version=agreement.version, sha256=stored.sha256,
          instalments=[[r["kind"], r["due_on"].isoformat(), str(r["amount"])] for r in rows])
    _tell_organisation(request, application, _("Grant agreement ready: ${title}"),
                       _("The agreement for the project \u201c${title}\u201d (${amount}) is "
                         "ready. Read it and accept it in the hub."),
                       lambda lang, tr: {"title": application.title,
                                         "amount": format_money(agreement.amount, lang)})
    return agreement


def accept(request, agreement: Agreement, sha256: str) -> None:
    """A representative accepts the agreement: exactly the version they were shown."""
    if agreement.status != "issued":
        raise GrantError({"agreement": _("The agreement has been accepted already.")}, 409)
    if sha256 != agreement.document_sha256:
        raise GrantError({"agreement": _("The agreement was issued again meanwhile; read the "
                                         "new version before you accept it.")}, 409)
    agreement.status = "accepted"
    agreement.accepted_at, agreement.accepted_by_id = utcnow(), request.identity.id
    agreement.accepted_sha256 = sha256
    request.dbsession.flush()
    application = agreement.application
    audit(request, "agreement_accepted", call_id=application.call_id,
          application_id=application.id, version=agreement.version, sha256=sha256)
    _tell_staff(request, agreement, _("Agreement accepted: ${title}"),
                _("${organisation} accepted the agreement ${number}."),
                lambda lang, tr: {"title": application.title,
                                  "organisation": application.organisation.name,
                                  "number": agreement.number})


# -- payments --------------------------------------------------------------------------------

def record_payment(request, instalment: Instalment, agreement: Agreement, paid_on,
                   reference: str) -> None:
    if agreement.status != "accepted":
        raise GrantError({"payment": _("Payments are recorded once the agreement is accepted "
                                       "and until the grant is closed.")}, 409)
    if instalment.paid_on is not None:
        raise GrantError({"payment": _("This instalment has been paid already.")}, 409)
    day = parse_day(paid_on)
    if day is None:
        raise GrantError({"paid_on": _("Give the whole date: day, month and year.")})
    if day > today():
        raise GrantError({"paid_on": _("A payment cannot be recorded before it is made.")})
    instalment.paid_on, instalment.reference = day, (reference or "").strip()[:100]
    instalment.recorded_at, instalment.recorded_by_id = utcnow(), request.identity.id
    request.dbsession.flush()
    application = agreement.application
    audit(request, "payment_recorded", call_id=application.call_id,
          application_id=application.id, instalment=instalment.id, kind=instalment.kind,
          amount=str(instalment.amount), paid_on=day.isoformat())
    _tell_organisation(request, application, _("Grant payment sent: ${title}"),
                       _("We sent ${amount} for the project \u201c${title}\u201d on ${day}."),
                       lambda lang, tr: {"title": application.title,
                                         "amount": format_money(instalment.amount, lang),
                                         "day": format_day(day, lang)})


# -- reports ---------------------------------------------------------------------------------

def report_kinds(agreement: Agreement) -> list[str]:
    return (["interim"] if agreement.interim_report_due else []) + ["final"]


def report_due(agreement: Agreement, kind: str) -> dt.date | None:
    return agreement.interim_report_due if kind == "interim" else agreement.final_report_due


def get_report(request, application: Application, kind: str, create: bool = False):
    report = request.dbsession.scalar(sa.select(Report).where(
        Report.application_id == application.id, Report.kind == kind))
    if report is None and create:
        report = Report(application_id=application.id, kind=kind, lines=[], files=[])
        request.dbsession.add(report)
    return report


def editable(report: Report | None) -> bool:
    return report is None or report.status in ("draft", "returned")


def save_report(request, application: Application, kind: str, narrative: str,
                lines: dict) -> Report:
    """Save the report's text and financial statement; ``lines`` maps budget item ids to
    ``(spent, from_grant)`` as typed. Errors leave nothing half-saved (the view rolls
    back)."""
    agreement = application.agreement
    if agreement is None or agreement.status != "accepted" or kind not in report_kinds(agreement):
        raise GrantError({"report": _("This report is not expected.")}, 404)
    report = get_report(request, application, kind)
    if not editable(report):
        raise GrantError({"report": _("The report has been submitted; it can no longer "
                                      "change.")}, 409)
    report = report or get_report(request, application, kind, create=True)
    errors, rows = {}, []
    for item in application.items:
        spent_raw, grant_raw = lines.get(item.id, ("", ""))
        spent = money(spent_raw or "0")
        from_grant = money(grant_raw or "0")
        if spent is None:
            errors[f"spent-{item.id}"] = _("Give an amount in CZK, such as 250000 or "
                                           "250 000,50.")
        if from_grant is None:
            errors[f"grant-{item.id}"] = _("Give an amount in CZK, such as 250000 or "
                                           "250 000,50.")
        elif spent is not None and from_grant > spent:
            errors[f"grant-{item.id}"] = _("The part paid from the grant cannot exceed what "
                                           "was spent.")
        rows.append(ReportLine(budget_item_id=item.id, spent=spent or Decimal(0),
                               from_grant=from_grant or Decimal(0)))
    if not errors:
        used = sum((r.from_grant for r in rows), Decimal("0.00"))
        if used > agreement.amount:
            errors["statement"] = _(
                "The statement uses ${used} of the grant; the grant is ${amount}.",
                mapping={"used": format_money(used, language(request)),
                         "amount": format_money(agreement.amount, language(request))})
    narrative = (narrative or "").strip()
    if len(narrative) > 20000:
        errors["narrative"] = _("Use at most ${max} characters.", mapping={"max": 20000})
    if errors:
        raise GrantError(errors)
    report.narrative = narrative
    report.lines = rows
    request.dbsession.flush()
    audit(request, "report_saved", call_id=application.call_id,
          application_id=application.id, kind=kind)
    return report


def submit_report(request, report: Report) -> None:
    if not editable(report):
        raise GrantError({"report": _("The report has been submitted already.")}, 409)
    errors = {}
    if not report.narrative:
        errors["narrative"] = _("Describe what was done.")
    if report.kind == "final" and not report.files:
        errors["files"] = _("Attach the documents of the final report (the accounts, "
                            "invoices or a list of them).")
    if errors:
        raise GrantError(errors)
    resubmitted = report.status == "returned"
    report.status, report.submitted_at = "submitted", utcnow()
    report.submitted_by_id = request.identity.id
    request.dbsession.flush()
    application = report.application
    audit(request, "report_submitted", call_id=application.call_id,
          application_id=application.id, kind=report.kind, again=resubmitted,
          spent=str(report.spent_total), from_grant=str(report.from_grant_total))
    _tell_staff(request, application.agreement, _("Grant report submitted: ${title}"),
                _("${organisation} submitted the ${kind} of the agreement ${number}."),
                lambda lang, tr: {"title": application.title,
                                  "organisation": application.organisation.name,
                                  "kind": tr(REPORT_LABELS[report.kind]).lower(),
                                  "number": application.agreement.number})


def review_report(request, report: Report, approve, comment: str) -> None:
    if report.status != "submitted":
        raise GrantError({"report": _("Only a submitted report can be approved or "
                                      "returned.")}, 409)
    if not isinstance(approve, bool):
        raise GrantError({"approve": _("Choose whether the report is approved or returned.")})
    comment = (comment or "").strip()[:10000]
    if not approve and not comment:
        raise GrantError({"comment": _("Say what must be corrected.")})
    report.status = "approved" if approve else "returned"
    report.reviewed_at, report.reviewed_by_id = utcnow(), request.identity.id
    report.staff_comment = comment
    request.dbsession.flush()
    application = report.application
    audit(request, "report_approved" if approve else "report_returned",
          call_id=application.call_id, application_id=application.id, kind=report.kind)
    if approve:
        subject = _("Grant report approved: ${title}")
        text = _("Your report on the project \u201c${title}\u201d was approved. ${comment}")
    else:
        subject = _("Grant report returned: ${title}")
        text = _("Your report on the project \u201c${title}\u201d was returned for "
                 "correction: ${comment}")
    _tell_organisation(request, application, subject, text,
                       lambda lang, tr: {"title": application.title, "comment": comment})


# -- closure ---------------------------------------------------------------------------------

def closure_blockers(request, agreement: Agreement) -> list:
    """What still keeps the grant open (translation strings); empty when it can close."""
    if agreement.status != "accepted":
        return [_("The agreement has not been accepted.")]
    blockers = []
    final = get_report(request, agreement.application, "final")
    if final is None or final.status != "approved":
        blockers.append(_("The final report has not been approved."))
    interim = get_report(request, agreement.application, "interim")
    if agreement.interim_report_due and (interim is None or interim.status != "approved"):
        blockers.append(_("The interim report has not been approved."))
    if any(i.paid_on is None for i in agreement.instalments):
        blockers.append(_("An instalment has not been paid."))
    return blockers


def close(request, agreement: Agreement, note: str) -> None:
    if agreement.status == "closed":
        raise GrantError({"close": _("The grant has been closed already.")}, 409)
    blockers = closure_blockers(request, agreement)
    if blockers:
        raise GrantError({"close": blockers[0]}, 409)
    agreement.status, agreement.closed_at = "closed", utcnow()
    agreement.closed_by_id = request.identity.id
    agreement.closing_note = (note or "").strip()[:10000]
    request.dbsession.flush()
    application = agreement.application
    final = get_report(request, application, "final")
    audit(request, "grant_closed", call_id=application.call_id, application_id=application.id,
          paid=str(agreement.paid_total), used=str(final.from_grant_total))
    _tell_organisation(request, application, _("Grant closed: ${title}"),
                       _("The grant for the project \u201c${title}\u201d is closed. Thank "
                         "you. ${note}"),
                       lambda lang, tr: {"title": application.title,
                                         "note": agreement.closing_note})


def to_do(request, application: Application, lang: str) -> list:
    """What the organisation has to do next about a grant (translation strings)."""
    agreement = application.agreement
    if agreement is None:
        return []
    if agreement.status == "issued":
        return [_("Accept the agreement.")]
    if agreement.status != "accepted":
        return []
    items = []
    for kind in report_kinds(agreement):
        report = get_report(request, application, kind)
        due = report_due(agreement, kind)
        if report is None or report.status == "draft":
            day = {"day": format_day(due, lang)}
            items.append(_("Interim report due by ${day}.", mapping=day) if kind == "interim"
                         else _("Final report due by ${day}.", mapping=day))
        elif report.status == "returned":
            items.append(_("Correct the returned interim report.") if kind == "interim"
                         else _("Correct the returned final report."))
    return items
