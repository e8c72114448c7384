"""PDF documents: the application as submitted (for the applicant's records) and the grant
agreement generated from the decision and the payment schedule."""
from __future__ import annotations

from hub.dates import format_day, format_moment
from hub.i18n import localizer_for
from hub.pdf import FONT, document
from hub_grants.i18n import _
from hub_grants.services import format_money


def application_pdf(request, application, lang: str) -> bytes:
    tr = localizer_for(request.registry, lang).translate
    call = application.call
    pdf = document(request, tr(_("Grant application")))
    pdf.set_lang(lang)
    pdf.add_page()
    width = pdf.epw

    def heading(text: str, size: int = 13) -> None:
        pdf.set_font(FONT, "B", size)
        pdf.multi_cell(width, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def line(label, value: str) -> None:
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(width, 5, tr(label), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(width, 5, value or "—", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    heading(tr(_("Grant application")) + f" {application.id}", 16)
    line(_("Call"), call.text("title", lang))
    line(_("Organisation"), application.organisation.name)
    line(_("Project"), application.title)
    line(_("Submitted"), format_moment(application.submitted_at, lang))
    line(_("Summary"), application.summary)
    heading(tr(_("Budget")))
    pdf.set_font(FONT, "", 10)
    for item in application.items:
        pdf.cell(width * 0.7, 6, item.description[:90])
        pdf.cell(width * 0.3, 6, format_money(item.amount, lang), align="R",
                 new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    line(_("Total cost"), format_money(application.total_cost, lang))
    line(_("Amount requested"), format_money(application.amount_requested, lang))
    line(_("Own and other sources"), format_money(application.own_sources, lang))
    if call.questions:
        heading(tr(_("Answers")))
        for question in call.questions:
            label = (question.get("en") if lang == "en" else "") or question["cs"]
            if question["type"] == "file":
                names = [a.filename for a in application.attachments
                         if a.slot == f"q:{question['key']}"]
                line(label, ", ".join(names))
            else:
                line(label, (application.answers or {}).get(question["key"], ""))
    if application.attachments:
        heading(tr(_("Attachments")))
        pdf.set_font(FONT, "", 10)
        for attachment in application.attachments:
            pdf.multi_cell(width, 5, f"{attachment.filename} ({attachment.size} B, "
                                     f"SHA-256 {attachment.sha256[:16]}…)",
                           new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# The agreement's standard terms, in the order they are numbered in the PDF.
TERMS = (
    _("The provider gives the recipient the grant for the project named above, under the "
      "call and the approved application, which are part of this agreement."),
    _("The grant may be spent only on the items of the approved budget, within the project's "
      "period, and never on what another public grant already pays."),
    _("The provider pays the grant in the instalments of the schedule below to the "
      "recipient's bank account on record. The recipient reports in the hub by the dates "
      "below, with a financial statement and its documents."),
    _("Money not used for the project, or used against this agreement, is returned to the "
      "provider within 30 days of the final report's approval or of the provider's request."),
    _("The recipient keeps the project's accounts and documents for ten years and shows them "
      "to the provider on request. The provider publishes the recipient, the project and the "
      "amount."),
    _("The agreement is made when the recipient's representative accepts it in the hub; "
      "the hub records who accepted it, when, and the fingerprint (SHA-256) of this "
      "document."),
)


def agreement_pdf(request, agreement, lang: str) -> bytes:
    """The grant agreement, generated from the decision and the payment schedule."""
    from hub.theme import theme_of

    tr = localizer_for(request.registry, lang).translate
    application = agreement.application
    call = application.call
    pdf = document(request, tr(_("Grant agreement")) + f" {agreement.number}")
    pdf.set_lang(lang)
    pdf.add_page()
    width = pdf.epw

    def text(value: str, style: str = "", size: int = 10, height: int = 5) -> None:
        pdf.set_font(FONT, style, size)
        pdf.multi_cell(width, height, value, new_x="LMARGIN", new_y="NEXT")

    text(tr(_("Grant agreement")) + f" {agreement.number}", "B", 16, 8)
    text(tr(_("Version ${version}, issued ${when}",
              mapping={"version": agreement.version,
                       "when": format_moment(agreement.issued_at, lang)})))
    pdf.ln(3)
    text(tr(_("Provider")), "B")
    text(theme_of(request.registry).name(lang))
    text(tr(_("Recipient")), "B")
    organisation = application.organisation
    text(organisation.name)
    text(tr(_("Call")), "B")
    text(call.text("title", lang))
    text(tr(_("Project")), "B")
    text(f"{application.title} ({tr(_('application'))} {application.id})")
    text(tr(_("Grant")), "B")
    text(format_money(agreement.amount, lang))
    text(tr(_("Decision")), "B")
    text(f"{format_moment(application.decided_at, lang)}: {application.decision_reason}")
    pdf.ln(2)
    text(tr(_("Terms")), "B", 12, 7)
    for number, term in enumerate(TERMS, 1):
        text(f"{number}. {tr(term)}")
        pdf.ln(1)
    text(tr(_("Payment schedule")), "B", 12, 7)
    pdf.set_font(FONT, "", 10)
    from hub_grants.award import INSTALMENT_LABELS

    for instalment in agreement.instalments:
        pdf.cell(width * 0.4, 6, tr(INSTALMENT_LABELS[instalment.kind]))
        pdf.cell(width * 0.3, 6, format_day(instalment.due_on, lang))
        pdf.cell(width * 0.3, 6, format_money(instalment.amount, lang), align="R",
                 new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    text(tr(_("Reports")), "B", 12, 7)
    if agreement.interim_report_due:
        text(tr(_("Interim report by ${day}",
                  mapping={"day": format_day(agreement.interim_report_due, lang)})))
    text(tr(_("Final report by ${day}",
              mapping={"day": format_day(agreement.final_report_due, lang)})))
    text(tr(_("Approved budget")), "B", 12, 7)
    pdf.set_font(FONT, "", 10)
    for item in application.items:
        pdf.cell(width * 0.7, 6, item.description[:90])
        pdf.cell(width * 0.3, 6, format_money(item.amount, lang), align="R",
                 new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
