"""Certificates of completion as tagged PDFs (``hub.pdf.tagged``: PDF/UA, Czech letters)."""
from __future__ import annotations

from babel.dates import format_date
from markupsafe import Markup

from hub.dates import PRAGUE
from hub.pdf import tagged
from hub_elearning.i18n import _

STYLE = """
@page { margin: 1cm; }
body { text-align: center; border: 1.2mm solid #005496; height: 18.2cm; padding-top: 1.5cm;
       box-sizing: border-box; }
h1 { font-size: 30pt; margin: 0.3cm 0 0.8cm; }
p { font-size: 14pt; margin: 0.3cm 0; }
.name { font-size: 24pt; font-weight: bold; }
.course { font-size: 20pt; font-weight: bold; }
.issued, .code { font-size: 12pt; }
.verify { font-size: 10pt; }
"""


def certificate_pdf(request, certificate, site_name: str, verify_url: str) -> bytes:
    translate = request.shell.translate
    title = translate(_("Certificate of completion"))
    issued = format_date(certificate.issued_at.astimezone(PRAGUE).date(), format="long",
                         locale=request.locale_name)
    body = Markup(
        "<p>{site}</p><h1>{title}</h1><p>{certify}</p><p class=\"name\">{name}</p>"
        "<p>{completed}</p><p class=\"course\" lang=\"{course_lang}\">{course}</p>"
        "<p class=\"issued\">{issued}</p>"
        "<p class=\"code\">{code}</p><p class=\"verify\">{verify}</p>"
    ).format(site=site_name, title=title, certify=translate(_("This is to certify that")),
             name=certificate.learner_name, completed=translate(_("has completed the course")),
             course=certificate.translated("course_title", request.locale_name),
             course_lang=certificate.language_of("course_title", request.locale_name),
             issued=translate(_("Issued on ${date}", mapping={"date": issued})),
             code=translate(_("Verification code: ${code}", mapping={"code": certificate.code})),
             verify=verify_url)
    return tagged(request, title, body, orientation="landscape", stylesheet=STYLE)
