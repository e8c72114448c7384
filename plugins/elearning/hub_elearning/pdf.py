"""Certificates of completion as PDF (``hub.pdf``: the core's fonts print Czech letters)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_date

from hub.pdf import FONT, document
from hub_elearning.i18n import _

PRAGUE = ZoneInfo("Europe/Prague")


def certificate_pdf(request, certificate, site_name: str, verify_url: str) -> bytes:
    translate = request.shell.translate
    locale = request.locale_name
    pdf = document(request, translate(_("Certificate of completion")), orientation="landscape")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_draw_color(0, 84, 150)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_y(30)
    pdf.set_font(FONT, "", 14)
    pdf.cell(0, 10, site_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 30)
    pdf.cell(0, 20, translate(_("Certificate of completion")), align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FONT, "", 14)
    pdf.cell(0, 10, translate(_("This is to certify that")), align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 24)
    pdf.cell(0, 16, certificate.learner_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 14)
    pdf.cell(0, 10, translate(_("has completed the course")), align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 20)
    pdf.multi_cell(0, 12, certificate.course_title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "", 12)
    issued = format_date(certificate.issued_at.astimezone(PRAGUE).date(), format="long",
                         locale=locale)
    pdf.cell(0, 8, translate(_("Issued on ${date}", mapping={"date": issued})), align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(165)
    pdf.cell(0, 8, translate(_("Verification code: ${code}", mapping={"code": certificate.code})),
             align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, verify_url, align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
