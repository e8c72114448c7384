"""CSV exports open in spreadsheets as data: no cell, header included, runs as a formula."""
import csv
import decimal
import io
import re
from pathlib import Path

import pytest

from hub.csvexport import csv_response, csv_text, safe_cell


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("value", [
    '=HYPERLINK("https://evil.example","Klikni")', "+420 123 456 789", "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A9)", "\t=1+1", "\r=1+1",
])
def test_cells_that_a_spreadsheet_would_run_get_an_apostrophe(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value, expected", [
    ("Jana Nováková", "Jana Nováková"), ("a=b", "a=b"), (" =1", " =1"), ("", ""),
    (None, ""), (True, "True"), (-5, -5), (2.5, 2.5),
    (decimal.Decimal("-1.50"), decimal.Decimal("-1.50")),
])
def test_other_values_are_written_as_they_are(value, expected):
    assert safe_cell(value) == expected


def test_header_and_every_row_are_neutralised():
    text = csv_text(["=title", "Name"], [["@x", 1], ["ok", "-1"]])
    assert parse(text) == [["'=title", "Name"], ["'@x", "1"], ["ok", "'-1"]]


def test_a_cell_with_line_breaks_stays_one_cell():
    rows = parse(csv_text(["a"], [["řádek\n=1+1"]]))
    assert rows == [["a"], ["řádek\n=1+1"]]


def test_the_response_is_a_utf8_download_with_a_safe_file_name():
    response = csv_response('kurz "x"/y.csv', ["Jméno"], [["=1"]])
    assert response.content_type == "text/csv" and response.charset == "utf-8"
    assert response.body.startswith("\ufeff".encode())
    assert response.content_disposition == 'attachment; filename="kurz-x-y.csv"'
    assert parse(response.body.decode("utf-8-sig")) == [["Jméno"], ["'=1"]]


def test_every_export_goes_through_the_core_helper():
    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("core/hub/**/*.py"), *root.glob("plugins/*/hub_*/**/*.py"),
               *root.glob("examples/*/hub_*/**/*.py")]
    writers = [str(path.relative_to(root)) for path in sources if path.name != "csvexport.py"
               and re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8"))]
    assert writers == []
