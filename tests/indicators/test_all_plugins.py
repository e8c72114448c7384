"""The report and the API with every bundled plugin enabled: each one's figures are there."""
from __future__ import annotations

import pytest

from .conftest import by_key

ALL_PLUGINS = ("booking", "counselling", "crm", "elearning", "events", "grants", "news",
               "newsletter")
# What each plugin (and the core) reports through ``hub_indicators``.
KEYS = {
    "core": {"people_trained", "training_hours", "organisations_involved",
             "portal_page_views"},
    "booking": {"room_hours_booked", "room_hours_open", "room_occupancy"},
    "counselling": {"counselling_cases_answered"},
    "elearning": {"course_enrolments", "course_completions", "course_views"},
    "events": {"events_held", "registrations", "attendances", "recording_views"},
    "grants": {"grants_requested", "grants_awarded"},
    "newsletter": {"newsletter_messages_sent", "newsletter_recipients"},
}
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def every_plugin(make_app, make_testapp):
    return make_testapp(make_app(*ALL_PLUGINS))


def test_the_api_answers_with_every_plugins_keys(every_plugin, users, built):
    every_plugin.login(users.staff)
    payload = every_plugin.get("/api/v1/indicators", MARCH, status=200).json
    found = by_key(payload)
    keys = [item["key"] for item in payload["indicators"]]
    assert len(keys) == len(set(keys))
    for plugin, wanted in KEYS.items():
        assert wanted <= set(found), f"{plugin}: {sorted(wanted - set(found))} missing"
    # The built data counts the same with the other plugins beside it.
    assert found["people_trained"]["value"] == 2
    assert found["grants_awarded"]["value"] == 0
    assert found["counselling_cases_answered"]["value"] == 0


def test_the_report_and_its_files_with_every_plugin(every_plugin, users, built):
    every_plugin.login(users.staff)
    every_plugin.set_cookie("hub_lang", "en")
    page = every_plugin.get("/admin/indicators", {"period": "2026-03"}, status=200)
    shown = {section["aria-labelledby"].removeprefix("indicator-")
             for section in page.html.find_all("section", class_="hub-indicator")}
    assert set().union(*KEYS.values()) <= shown
    csv = every_plugin.get("/admin/indicators/export.csv", MARCH, status=200)
    text = csv.body.decode("utf-8-sig")
    for key in ("grants_awarded", "counselling_cases_answered", "room_occupancy"):
        assert f"\n{key}," in text
    for extension in ("xlsx", "pdf"):
        every_plugin.get(f"/admin/indicators/export.{extension}", MARCH, status=200)
