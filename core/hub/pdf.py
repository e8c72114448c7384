"""PDF documents set up the same way everywhere: A4, the hub's fonts, metadata.

Two ways to make one:

- ``tagged(request, title, body)`` renders HTML with WeasyPrint as PDF/UA-1: a structure
  tree (headings, paragraphs), ``/Lang``, the title shown in the reader's window
  (``/DisplayDocTitle``). Documents people receive (certificates) use it, so screen
  readers read them in order and in the right voice.
- ``document(request, title)`` is an fpdf2 document drawn by coordinates, for tables and
  reports; fpdf2 tags only images and links, so its text is untagged.

The core ships DejaVu Sans (regular and bold, with its licence in ``fonts/``): fpdf2's
built-in fonts are Latin-1 only and cannot print Czech letters such as "ř" or "ů", and a
server's system fonts vary. Plugins make their documents here instead of bundling fonts.
"""
from __future__ import annotations

from pathlib import Path

from fpdf import FPDF, ViewerPreferences
from markupsafe import Markup, escape

FONT = "DejaVu"
"""The family name to pass to ``set_font``: ``""`` is regular, ``"B"`` bold."""
FONTS = Path(__file__).parent / "fonts"


def document(request, title: str, *, orientation: str = "portrait") -> FPDF:
    """An empty A4 document (no page yet) with the hub's fonts and its metadata filled in.

    ``title`` is the translated title readers show; the author is the hub's name
    (``hub.site_name``) and the language the request's, so screen readers pick the right
    voice. ``orientation`` is ``"portrait"`` or ``"landscape"``. Margins and page breaks
    are fpdf2's defaults (1 cm margins, a new page 2 cm above the bottom); change them on
    the returned document when a layout needs others.
    """
    pdf = FPDF(orientation=orientation, format="A4")
    pdf.set_title(title)
    pdf.set_author(request.registry.settings["hub.site_name"])
    pdf.set_lang(request.locale_name)
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    return pdf


_PAGE = Markup("""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta name="author" content="{author}"></head>
<body>{body}</body></html>""")

_DEFAULTS = """
@font-face { font-family: DejaVuSans; font-weight: normal; src: url("%(regular)s"); }
@font-face { font-family: DejaVuSans; font-weight: bold; src: url("%(bold)s"); }
@page { size: A4 %(orientation)s; margin: 1cm; }
html { font-family: DejaVuSans; font-size: 12pt; color: #000; }
"""


def tagged(request, title: str, body: Markup, *, orientation: str = "portrait",
           stylesheet: str = "") -> bytes:
    """A tagged PDF (PDF/UA-1) of ``body``, HTML the caller has escaped (``Markup``).

    ``title`` is the translated title (``<title>``, shown by readers), the language the
    request's, the author the hub's name. ``stylesheet`` is CSS added after the defaults
    (A4 in ``orientation``, 1 cm margins, the hub's fonts as ``DejaVuSans``). Use real
    headings and paragraphs in ``body``: they become the document's structure tree.
    """
    from weasyprint import CSS, HTML  # imported on use: loading Pango costs every process

    if orientation not in ("portrait", "landscape"):
        raise ValueError(f"orientation: {orientation!r}")
    html = _PAGE.format(lang=request.locale_name, title=title,
                        author=request.registry.settings["hub.site_name"], body=escape(body))
    fetcher = _fonts_only_fetcher()
    defaults = _DEFAULTS % {"regular": (FONTS / "DejaVuSans.ttf").as_uri(),
                            "bold": (FONTS / "DejaVuSans-Bold.ttf").as_uri(),
                            "orientation": orientation}
    stylesheets = [CSS(string=css, url_fetcher=fetcher) for css in (defaults, stylesheet)]
    return HTML(string=str(html), base_url=str(FONTS), url_fetcher=fetcher).write_pdf(
        pdf_variant="pdf/ua-1", stylesheets=stylesheets)


def _fonts_only_fetcher():
    """A fetcher of the core's fonts only: a document never loads anything else."""
    from weasyprint.urls import URLFetcher

    allowed = {(FONTS / name).as_uri() for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")}

    class FontsOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url not in allowed:
                raise ValueError(f"not fetched in a PDF: {url}")
            return super().fetch(url, headers)

    return FontsOnly(allowed_protocols=("file",))
