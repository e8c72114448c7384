"""Counselling's figure for the funder: cases answered, once, in the period of the first
reply."""
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

PRAGUE = ZoneInfo("Europe/Prague")


def prague(*args):
    return dt.datetime(*args, tzinfo=PRAGUE).astimezone(dt.UTC)


def test_cases_answered_count_once_in_the_period_of_the_first_reply(
        client, ask, users, dbsession):
    from hub_counselling.models import Case

    for i in range(4):
        ask(email=f"asker{i}@example.org", category="grants" if i else "patients_rights")
    cases = dbsession.scalars(sa.select(Case).order_by(Case.id)).all()
    cases[0].first_reply_at = prague(2026, 3, 31, 23, 30)  # March in Prague, April in UTC
    cases[1].first_reply_at = prague(2026, 3, 2, 9)
    cases[2].first_reply_at = prague(2026, 4, 1, 0, 0)  # April
    dbsession.flush()  # cases[3] has no reply yet
    client.login(users.staff)
    client.set_cookie("hub_lang", "en")
    found = {i["key"]: i for i in client.get(
        "/api/v1/indicators", {"from": "2026-03-01", "to": "2026-03-31"}).json["indicators"]}
    answered = found["counselling_cases_answered"]
    assert answered["value"] == 2 and answered["unit"] == "cases"
    assert {(p["key"], p["value"]) for p in answered["breakdown"]} == {
        ("patients_rights", 1), ("grants", 1)}
    assert "first reply" in answered["definition"]
