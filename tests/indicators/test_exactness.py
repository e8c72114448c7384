"""Indicators on built data: each person once, nothing for what did not happen,
half-open periods in Prague time."""
from __future__ import annotations

from .conftest import by_key


def march(client, users, **query):
    client.login(users.staff)
    return by_key(client.get("/api/v1/indicators",
                             {"from": "2026-03-01", "to": "2026-03-31", **query}).json)


def test_a_person_at_two_events_who_finished_a_course_counts_once(client, users, built):
    found = march(client, users)
    # The member (two events, a guest registration by the same address, one course) and
    # the guest of 31 March at 23:30: two people.
    assert found["people_trained"]["value"] == 2
    sources = {p["key"]: p["value"] for p in found["people_trained"]["breakdown"]}
    assert sources == {"events": 2, "elearning": 1}
    assert found["attendances"]["value"] == 4
    assert found["course_completions"]["value"] == 1
    assert found["course_enrolments"]["value"] == 2
    # 2 h + 2 h (the guest row of the lecture) + 3 h + 1 h, and the 90-minute course.
    assert found["training_hours"]["value"] == 9.5


def test_cancelled_or_not_attended_registrations_count_nowhere(client, users, built):
    found = march(client, users)
    assert found["events_held"]["value"] == 3  # the cancelled event is not held
    kinds = {p["key"]: p["value"] for p in found["events_held"]["breakdown"]}
    assert kinds == {"lecture": 1, "seminar": 1, "workshop": 1}
    # Confirmed: the lecture's two rows, the workshop's member and no-show, the late guest.
    assert found["registrations"]["value"] == 5
    attended = {p["key"]: p["value"] for p in found["attendances"]["breakdown"]}
    assert attended == {"lecture": 2, "seminar": 1, "workshop": 1}


def test_periods_are_half_open_in_prague_time(client, users, built):
    client.login(users.staff)
    first = by_key(client.get("/api/v1/indicators",
                              {"from": "2026-03-31", "to": "2026-03-31"}).json)
    # 23:30 on 31 March in Prague is 21:30 UTC: March's, and only March's.
    assert first["events_held"]["value"] == 1
    assert first["people_trained"]["value"] == 1
    april = by_key(client.get("/api/v1/indicators",
                              {"from": "2026-04-01", "to": "2026-04-30"}).json)
    assert april["events_held"]["value"] == 1  # the one at 00:00 on 1 April
    assert april["people_trained"]["value"] == 1
    assert april["course_completions"]["value"] == 0


def test_the_people_count_is_one_query_for_every_plugin(dbsession, users, built):
    import sqlalchemy as sa

    from hub.contributions import Trained
    from hub.indicators import count_people
    from hub_events.models import Registration

    rows = sa.select(Registration.user_id, Registration.email)
    same = Trained("a", "A", rows)
    # The same rows from two sources are the same people.
    assert count_people(dbsession, [same, same]) == count_people(dbsession, [same])


def test_to_is_the_last_day_included_up_to_the_next_midnight(client, users, built, dbsession):
    """``to`` on a day boundary: the event at 00:00 on 1 April is outside ``to=2026-03-31``
    and inside ``to=2026-04-01``; page views of the ``to`` day count, the next day's not."""
    import datetime as dt

    from hub.indicators.models import PageViewDaily

    dbsession.add_all([PageViewDaily(day=dt.date(2026, 3, 31), page_type="home", views=10),
                       PageViewDaily(day=dt.date(2026, 4, 1), page_type="home", views=1000)])
    dbsession.flush()
    client.login(users.staff)
    march = client.get("/api/v1/indicators", {"from": "2026-03-01", "to": "2026-03-31"}).json
    assert march["to"] == "2026-03-31" and march["end"] == "2026-04-01T00:00:00+02:00"
    found = by_key(march)
    assert found["events_held"]["value"] == 3  # 23:30 on 31 March in, 00:00 on 1 April out
    assert found["portal_page_views"]["value"] == 10
    longer = client.get("/api/v1/indicators", {"from": "2026-03-01", "to": "2026-04-01"}).json
    assert longer["end"] == "2026-04-02T00:00:00+02:00"
    found = by_key(longer)
    assert found["events_held"]["value"] == 4
    assert found["portal_page_views"]["value"] == 1010
    page = client.get("/admin/indicators", {"from": "2026-03-01", "to": "2026-03-31"})
    rule = page.html.find(id="indicators-period-rule").get_text(" ", strip=True)
    assert "o půlnoci po svém posledním dni" in rule
    assert page.html.find(id="indicators-to")["aria-describedby"] == "indicators-period-rule"
