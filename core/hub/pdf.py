"""PDF documents (fpdf2) set up the same way everywhere: A4, the hub's fonts, metadata.

The core ships DejaVu Sans (regular and bold, with its licence in ``fonts/``): fpdf2's
built-in fonts are Latin-1 only and cannot print Czech letters such as "ř" or "ů". Plugins
make their documents here instead of bundling fonts of their own.
"""
from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

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
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    return pdf
