"""Certificate of attendance as a tagged PDF (``hub.pdf.tagged``: PDF/UA, Czech letters)."""
from __future__ import annotations

from markupsafe import Markup

from hub import dates
from hub.i18n import localizer_for
from hub.pdf import tagged
from hub_events.i18n import _
from hub_events.services import format_when

STYLE = """
body { text-align: center; padding-top: 2.5cm; }
h1 { font-size: 30pt; margin: 0 0 1cm; }
p { font-size: 14pt; margin: 0.3cm 0; }
.name { font-size: 22pt; font-weight: bold; }
.event { font-size: 18pt; font-weight: bold; }
footer { position: absolute; bottom: 1.5cm; left: 0; right: 0; font-size: 12pt; }
"""


def certificate_pdf(request, event, registration) -> bytes:
    translate = localizer_for(request.registry, request.locale_name).translate
    title = translate(_("Certificate of attendance"))
    language = dates.language(request)
    # The Czech title on an English certificate is marked as Czech (WCAG 3.1.2).
    event_lang = Markup(' lang="cs"') if language == "en" \
        and event.language_of("title", language) == "cs" else ""
    body = Markup(
        "<h1>{title}</h1><p>{certify}</p><p class=\"name\">{name}</p><p>{attended}</p>"
        "<p class=\"event\"{event_lang}>{event}</p><p>{when}</p>"
    ).format(title=title, certify=translate(_("This is to certify that")),
             name=registration.name, attended=translate(_("attended the event")),
             event=event.translated("title", language),
             event_lang=event_lang,
             when=format_when(event.starts_at, request.locale_name, "long"))
    if event.speakers:
        body += Markup("<p>{}</p>").format(
            translate(_("Speakers: ${names}", mapping={"names": event.speakers})))
    body += Markup("<footer><p>{}</p></footer>").format(
        request.registry.settings.get("hub.site_name", ""))
    return tagged(request, title, body, orientation="landscape", stylesheet=STYLE)
