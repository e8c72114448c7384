"""CSV downloads that spreadsheets open as data, never as formulas.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (OWASP adds a leading tab and carriage return to the list), so a
name like ``=HYPERLINK("https://evil.example", "Click")`` typed into a form would become
a live link or a command in the spreadsheet of the staff member who exports it. Every
text cell that starts with one of those characters gets a leading apostrophe (OWASP,
"CSV Injection"); the header row is treated the same way, since titles and field names
come from users too. Numbers are written as they are: they cannot hold a formula.

Every CSV export uses these helpers::

    from hub.csvexport import csv_response

    return csv_response("registrations.csv", header, rows)
"""
from __future__ import annotations

import csv
import decimal
import io
import re
from collections.abc import Iterable

from pyramid.response import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str | int | float | decimal.Decimal:
    """``value`` as a cell a spreadsheet shows as written (``None`` is an empty cell)."""
    if value is None:
        return ""
    if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values: Iterable) -> list:
    return [safe_cell(value) for value in values]


def csv_text(header: Iterable, rows: Iterable[Iterable]) -> str:
    """The CSV document of ``header`` and ``rows``, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(row) for row in rows)
    return out.getvalue()


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> Response:
    """A download of ``csv_text(header, rows)``, UTF-8 with a byte-order mark (so Excel
    reads the Czech letters right), saved as ``filename``."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-.") or "export.csv"
    response = Response(csv_text(header, rows).encode("utf-8-sig"), content_type="text/csv",
                        charset="utf-8")
    response.content_disposition = f'attachment; filename="{name}"'
    return response
