"""The staff report, its exports and the API: shape, access, languages."""
from __future__ import annotations

import io
import re

import pytest

from .conftest import by_key

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
REQUIRED = {"people_trained", "events_held", "attendances", "course_completions",
            "portal_page_views"}


def test_api_shape(client, users, built):
    client.login(users.staff)
    payload = client.get("/api/v1/indicators", MARCH).json
    assert payload["from"] == "2026-03-01" and payload["to"] == "2026-03-31"
    assert payload["start"] == "2026-03-01T00:00:00+01:00"
    assert payload["end"] == "2026-04-01T00:00:00+02:00"  # summer time began on 29 March
    keys = [item["key"] for item in payload["indicators"]]
    assert REQUIRED <= set(keys) and len(keys) == len(set(keys))
    for item in payload["indicators"]:
        assert set(item) == {"key", "title", "value", "unit", "definition", "breakdown"}
        assert item["title"] and item["unit"] and len(item["definition"]) > 40
        assert isinstance(item["value"], (int, float))
        for part in item["breakdown"]:
            assert set(part) == {"key", "label", "value"}


@pytest.mark.parametrize(("query", "field"), [
    ({}, "from"), ({"from": "2026-03-01"}, "to"), ({"from": "1.3.2026", "to": "2026-03-31"},
                                                    "from"),
    ({"from": "2026-03-31", "to": "2026-03-01"}, "to"), ({"from": "2026-02-30", "to": "2026-03-01"},
                                                         "from"),
])
def test_api_refuses_a_bad_period_clearly(client, users, query, field):
    client.login(users.staff)
    error = client.get("/api/v1/indicators", query, status=422).json["error"]
    assert error["code"] == "validation_failed" and error["details"]["fields"] == {field: "invalid"}


def test_staff_only(client, users):
    client.get("/api/v1/indicators", MARCH, status=401)
    client.get("/admin/indicators", status=(302, 303, 403))
    client.login(users.member)
    client.get("/api/v1/indicators", MARCH, status=403)
    client.get("/admin/indicators", status=403)
    client.get("/admin/indicators/export.csv", status=403)


def test_api_speaks_czech_and_english(client, users, built):
    client.login(users.staff)
    czech = by_key(client.get("/api/v1/indicators", MARCH,
                              headers={"Accept-Language": "cs"}).json)
    client.set_cookie("hub_lang", "en")
    english = by_key(client.get("/api/v1/indicators", MARCH).json)
    assert english["people_trained"]["title"] == "People trained"
    assert czech["people_trained"]["title"] == "Proškolení lidé"
    assert czech["events_held"]["title"] == "Uskutečněné akce"
    assert {p["label"] for p in english["events_held"]["breakdown"]} == {
        "Lecture", "Seminar", "Workshop"}
    assert czech["people_trained"]["value"] == english["people_trained"]["value"] == 2


def test_openapi_documents_the_endpoint(client):
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/indicators"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"from", "to"}
    assert "Indicator" in document["components"]["schemas"]


def test_report_page_for_a_month(client, users, built):
    client.login(users.staff)
    client.set_cookie("hub_lang", "en")
    page = client.get("/admin/indicators", {"period": "2026-03"})
    assert "March 2026" in page.text
    section = page.html.find("section", attrs={"aria-labelledby": "indicator-people_trained"})
    assert section.find("p", class_="hub-indicator__value").get_text(" ", strip=True) == \
        "2 people"
    assert "Each person counts once" in section.get_text()
    events = page.html.find("section", attrs={"aria-labelledby": "indicator-events_held"})
    svg = events.find("svg", attrs={"role": "img"})
    assert svg.find("title").get_text() and "Lecture" in svg.find("desc").get_text()
    rows = [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])]
            for tr in events.find("table").find("tbody").find_all("tr")]
    assert rows == [["Lecture", "1"], ["Seminar", "1"], ["Workshop", "1"]]
    reach = page.html.find("section", attrs={"aria-labelledby": "indicator-reach"})
    assert len(reach.find("tbody").find_all("tr")) == 31  # one row per day of March
    # the chart needs no script: only the shell's own deferred files are loaded
    assert all(src.startswith("/static/") for src in
               re.findall(r'<script src="([^"]+)"', page.text))
    assert "<script>" not in page.text


@pytest.mark.parametrize("period", ["2026-Q1", "project", "2026-03", "2019-Q2", "2019-07"])
def test_report_periods(client, users, built, period):
    client.login(users.staff)
    page = client.get("/admin/indicators", {"period": period})
    assert page.html.find("select", id="indicators-period").find(
        "option", selected=True)["value"] == period
    assert page.html.find("section", attrs={"aria-labelledby": "indicator-people_trained"})


def test_report_refuses_an_unknown_period(client, users):
    client.login(users.staff)
    client.get("/admin/indicators", {"period": "2026-13"}, status=400)
    client.get("/admin/indicators", {"from": "2026-03-02", "to": "2026-03-01"}, status=400)


def test_report_in_czech(client, users, built):
    client.login(users.staff)
    client.set_cookie("hub_lang", "cs")
    page = client.get("/admin/indicators", {"period": "2026-03"})
    assert "Proškolení lidé" in page.text and "březen 2026" in page.text
    hours = page.html.find("section", attrs={"aria-labelledby": "indicator-training_hours"})
    assert hours.find("p", class_="hub-indicator__value").get_text(" ", strip=True) == \
        "9,5 hodiny"


def test_csv_export(client, users, built):
    client.login(users.staff)
    client.set_cookie("hub_lang", "en")
    response = client.get("/admin/indicators/export.csv", MARCH)
    assert response.content_type == "text/csv"
    assert "indicators-2026-03-01-2026-03-31.csv" in response.headers["Content-Disposition"]
    text = response.body.decode("utf-8-sig")
    assert "people_trained,People trained,,2,people," in text
    assert "events_held,Events held,Lecture,1,events," in text


def test_xlsx_export_keeps_text_as_text(client, users, built, dbsession):
    from openpyxl import load_workbook

    built["course"].title = "=HYPERLINK(\"https://evil.example\")"
    dbsession.flush()
    client.login(users.staff)
    client.set_cookie("hub_lang", "en")
    response = client.get("/admin/indicators/export.xlsx", MARCH)
    book = load_workbook(io.BytesIO(response.body))
    sheet = book["Indicators"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    assert ["people_trained", "People trained", None, 2, "people"] == values[0][:5]
    formula = [row for row in values if row[2] == built["course"].title]
    assert formula, "the course is in the breakdown"
    cell = next(c for row in sheet.iter_rows(min_row=5) for c in row
                if c.value == built["course"].title)
    assert cell.data_type == "s"
    assert book["Page views"].max_row == 32


def test_every_export_holds_the_page_views_over_time(client, users, built, dbsession):
    """CSV, XLSX and PDF have the same page views per day as the page's chart table."""
    import datetime as dt

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from hub.indicators.models import PageViewDaily

    dbsession.add_all([PageViewDaily(day=dt.date(2026, 3, 5), page_type="home", views=1234),
                       PageViewDaily(day=dt.date(2026, 3, 5), page_type="events", views=5),
                       PageViewDaily(day=dt.date(2026, 4, 1), page_type="home", views=99)])
    dbsession.flush()
    client.login(users.staff)
    client.set_cookie("hub_lang", "en")

    text = client.get("/admin/indicators/export.csv", MARCH).body.decode("utf-8-sig")
    lines = text.splitlines()
    reach = lines[lines.index("Day,Page views") + 1:]
    assert lines[lines.index("Day,Page views") - 1] == ""
    assert len(reach) == 31 and reach[0] == "1 Mar,0" and reach[-1] == "31 Mar,0"
    assert "5 Mar,1239" in reach

    book = load_workbook(io.BytesIO(client.get("/admin/indicators/export.xlsx", MARCH).body))
    sheet = [[c.value for c in row] for row in book["Page views"].iter_rows()]
    assert sheet[0] == ["Day", "Page views"] and ["5 Mar", 1239] in sheet
    assert [row[1:] for row in sheet[1:]] == [[int(r.split(",")[1])] for r in reach]

    pdf = PdfReader(io.BytesIO(client.get("/admin/indicators/export.pdf", MARCH).body))
    words = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert "Page views Day Page views 1 Mar 0" in words
    assert "5 Mar 1,239" in words and "31 Mar 0" in words


def test_pdf_export(client, users, built):
    client.login(users.staff)
    client.set_cookie("hub_lang", "cs")
    response = client.get("/admin/indicators/export.pdf", {"period": "2026-03"})
    assert response.content_type == "application/pdf"
    assert response.body.startswith(b"%PDF")
    client.get("/admin/indicators/export.doc", {"period": "2026-03"}, status=404)
