"""The report as files for the funder: CSV (``hub.csvexport``), XLSX (openpyxl), PDF (``hub.pdf``).

All three hold the same tables (``tables``): each indicator with its value, unit and
definition, then one row per part of its breakdown; and the page views per day or month.
The CSV file has them one below the other, the XLSX file one per sheet, the PDF file one
after the other. Text cells are
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


def tables(translate, report: dict) -> list[tuple[str, list[str], list[list]]]:
    """``(title, header, rows)`` of every table of the report, in the order of the files."""
    return [
        (translate(_("Indicators")), header(translate), rows(report)),
        (translate(_("Page views")), [translate(report["reach_unit"]),
                                      translate(_("Page views"))],
         [[label, value] for label, value in report["reach"]]),
    ]


def filename(report: dict, extension: str) -> str:
    return f"indicators-{report['period'].first.isoformat()}-{report['period'].last.isoformat()}" \
           f".{extension}"


def csv_file(request, report: dict) -> Response:
    (_title, first_header, first_rows), *others = tables(request.localizer.translate, report)
    found = list(first_rows)
    for _title, other_header, other_rows in others:
        # An empty line, then the next table with its own header.
        found += [[], other_header, *other_rows]
    return csv_response(filename(report, "csv"), first_header, found)


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

    book = Workbook()
    for number, (title, head, body) in enumerate(tables(request.localizer.translate, report)):
        sheet = book.active if number == 0 else book.create_sheet()
        sheet.title = title[:31]
        top = 1
        if number == 0:
            _put(sheet, 1, [report["title"]], bold=True)
            _put(sheet, 2, [report["period_label"]])
            top = 4
        _put(sheet, top, head, bold=True)
        for i, row in enumerate(body, start=top + 1):
            _put(sheet, i, row)
        widths = (22, 30, 30, 12, 14, 90) if number == 0 else (24, 14)
        for letter, width in zip("ABCDEF", widths, strict=False):
            sheet.column_dimensions[letter].width = width
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
    # The indicators are above with their definitions; the other tables follow as tables.
    for title, head, body in tables(translate, report)[1:]:
        pdf.ln(6)
        pdf.set_font(FONT, "B", 12)
        pdf.multi_cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
        with pdf.table(col_widths=(2, 1), text_align=("LEFT", "RIGHT"),
                       first_row_as_headings=True, width=width * 0.6, align="LEFT") as table:
            pdf.set_font(FONT, "", 9)
            table.row([str(cell) for cell in head])
            for label, value in body:
                table.row([str(label), number(value)])
    out = bytes(pdf.output())
    response = Response(out, content_type="application/pdf")
    response.content_disposition = f'attachment; filename="{filename(report, "pdf")}"'
    return response


EXPORTS = {"csv": csv_file, "xlsx": xlsx_file, "pdf": pdf_file}
