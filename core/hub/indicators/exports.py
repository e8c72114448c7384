"""The report as files for the funder: CSV (``hub.csvexport``), XLSX (openpyxl), PDF (``hub.pdf``).

All three hold the same table: each indicator with its value, unit and definition, then
one row per part of its breakdown, and the page views per day or month. Text cells are
written as text, never as formulas: CSV through ``hub.csvexport``, XLSX by typing every
string cell as a string.
"""
from __future__ import annotations

import io

from babel.dates import format_date
from babel.numbers import format_decimal
from pyramid.response import Response

from hub.csvexport import csv_response
from hub.i18n import _

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def header(translate) -> list[str]:
    return [translate(_("Indicator key")), translate(_("Indicator")), translate(_("Breakdown")),
            translate(_("Value")), translate(_("Unit")), translate(_("Definition"))]


def rows(report: dict) -> list[list]:
    """One row per indicator, followed by one per part of its breakdown."""
    found = []
    for item in report["indicators"]:
        found.append([item["key"], item["title"], "", item["value"], item["unit"],
                      item["definition"]])
        for part in item["breakdown"]:
            found.append([item["key"], item["title"], part["label"], part["value"],
                          item["unit"], ""])
    return found


def filename(report: dict, extension: str) -> str:
    return f"indicators-{report['period'].first.isoformat()}-{report['period'].last.isoformat()}" \
           f".{extension}"


def csv_file(request, report: dict) -> Response:
    return csv_response(filename(report, "csv"), header(request.localizer.translate),
                        rows(report))


def _put(sheet, row: int, values: list, bold: bool = False) -> None:
    from openpyxl.styles import Font

    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # a name starting with "=" stays text, never a formula
        if bold:
            cell.font = Font(bold=True)


def xlsx_file(request, report: dict) -> Response:
    from openpyxl import Workbook

    translate = request.localizer.translate
    book = Workbook()
    sheet = book.active
    sheet.title = translate(_("Indicators"))[:31]
    _put(sheet, 1, [report["title"]], bold=True)
    _put(sheet, 2, [report["period_label"]])
    _put(sheet, 4, header(translate), bold=True)
    for i, row in enumerate(rows(report), start=5):
        _put(sheet, i, row)
    for letter, width in zip("ABCDEF", (22, 30, 30, 12, 14, 90), strict=True):
        sheet.column_dimensions[letter].width = width
    reach = book.create_sheet(translate(_("Page views"))[:31])
    _put(reach, 1, [translate(report["reach_unit"]), translate(_("Page views"))], bold=True)
    for i, (label, value) in enumerate(report["reach"], start=2):
        _put(reach, i, [label, value])
    reach.column_dimensions["A"].width = 24
    out = io.BytesIO()
    book.save(out)
    response = Response(out.getvalue(), content_type=XLSX_TYPE)
    response.content_disposition = f'attachment; filename="{filename(report, "xlsx")}"'
    return response


def pdf_file(request, report: dict) -> Response:
    from hub.pdf import FONT, document

    translate = request.localizer.translate
    pdf = document(request, report["title"])
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT, "B", 18)
    pdf.multi_cell(0, 9, report["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    made = format_date(report["made_on"], "long", locale=request.locale_name)
    pdf.multi_cell(0, 6, f"{report['period_label']} · "
                   + translate(_("Made on ${date}", mapping={"date": made})),
                   new_x="LMARGIN", new_y="NEXT")
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def number(value):
        return format_decimal(value, locale=request.locale_name)

    for item in report["indicators"]:
        pdf.ln(4)
        pdf.set_font(FONT, "B", 12)
        pdf.multi_cell(0, 6, f"{item['title']}: {number(item['value'])} {item['unit']}",
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 4.5, item["definition"], new_x="LMARGIN", new_y="NEXT")
        top = max([1] + [part["value"] for part in item["breakdown"]])
        for part in item["breakdown"]:
            # A bar of the breakdown beside its label and number: the chart of the page.
            pdf.cell(width * 0.4, 5, part["label"][:48])
            bar = (width * 0.45) * part["value"] / top
            x, y = pdf.get_x(), pdf.get_y()
            if bar > 0:
                pdf.set_fill_color(35, 98, 162)
                pdf.rect(x, y + 1, bar, 3, style="F")
            pdf.set_x(x + width * 0.47)
            pdf.cell(0, 5, number(part["value"]), new_x="LMARGIN", new_y="NEXT")
    out = bytes(pdf.output())
    response = Response(out, content_type="application/pdf")
    response.content_disposition = f'attachment; filename="{filename(report, "pdf")}"'
    return response


EXPORTS = {"csv": csv_file, "xlsx": xlsx_file, "pdf": pdf_file}
