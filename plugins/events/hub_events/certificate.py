"""Certificate of attendance as a PDF (``hub.pdf``: the core's fonts print Czech letters)."""
from __future__ import annotations

from hub.i18n import localizer_for
from hub.pdf import FONT, document
from hub_events.i18n import _
from hub_events.services import format_when


def certificate_pdf(request, event, registration) -> bytes:
    localizer = localizer_for(request.registry, request.locale_name)
    locale = request.locale_name
    pdf = document(request, localizer.translate(_("Certificate of attendance")),
                   orientation="landscape")
    pdf.add_page()
    pdf.set_margins(25, 25, 25)
    pdf.set_y(35)
    pdf.set_font(FONT, "B", 30)
    pdf.cell(0, 16, localizer.translate(_("Certificate of attendance")), align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font(FONT, "", 14)
    pdf.cell(0, 10, localizer.translate(_("This is to certify that")), align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 22)
    pdf.cell(0, 14, registration.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 14)
    pdf.cell(0, 10, localizer.translate(_("attended the event")), align="C",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 18)
    pdf.multi_cell(0, 10, event.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 13)
    when = format_when(event.starts_at, locale, "long")
    pdf.cell(0, 10, when, align="C", new_x="LMARGIN", new_y="NEXT")
    if event.speakers:
        pdf.cell(0, 10, localizer.translate(_("Speakers: ${names}",
                                              mapping={"names": event.speakers})),
                 align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(-45)
    pdf.set_font(FONT, "", 12)
    pdf.cell(0, 8, request.registry.settings.get("hub.site_name", ""), align="C")
    return bytes(pdf.output())
