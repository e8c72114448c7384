"""Room use and newsletter reach over a period, on built data."""
from __future__ import annotations

import datetime as dt

from .conftest import by_key, prague

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def test_room_use_counts_approved_hours_inside_the_period(client, users, dbsession):
    from hub_booking.models import BookableHours, Reservation, Room

    room = Room(name="Zasedačka ukazatelů", capacity=10)
    room.hours = [BookableHours(weekday=d, opens_at=dt.time(8), closes_at=dt.time(18))
                  for d in range(5)]
    dbsession.add(room)
    dbsession.flush()

    def book(starts, hours, status="approved", organisation=None):
        ends = starts + dt.timedelta(hours=hours)
        dbsession.add(Reservation(room_id=room.id, user_id=users.member.id, title="Schůzka",
                                  organisation_id=organisation.id if organisation else None,
                                  starts_at=starts, ends_at=ends, blocked_until=ends,
                                  status=status))

    book(prague(2026, 3, 10, 9), 4, organisation=users.organisation)
    book(prague(2026, 3, 31, 22), 4)  # two hours in March, two in April
    book(prague(2026, 3, 11, 9), 3, status="pending", organisation=users.other_organisation)
    book(prague(2026, 3, 12, 9), 3, status="cancelled")
    book(prague(2026, 3, 13, 9), 3, status="rejected")
    dbsession.flush()
    client.login(users.staff)
    client.set_cookie("hub_lang", "en")
    found = by_key(client.get("/api/v1/indicators", MARCH).json)
    booked = found["room_hours_booked"]
    assert booked["value"] == 6.0
    assert {(p["key"], p["value"]) for p in booked["breakdown"]} == {
        ("patient_organisation", 4.0), ("none", 2.0)}
    # 22 weekdays in March 2026, open ten hours each.
    assert found["room_hours_open"]["value"] == 220.0
    assert found["room_occupancy"]["value"] == round(100 * 6 / 220, 1)
    # The organisation booked; the other one only asked (pending).
    assert found["organisations_involved"]["value"] == 1


def test_an_organisation_that_held_an_event_and_booked_a_room_counts_once(
        client, users, dbsession, built):
    from hub_booking.models import Reservation, Room

    built["lecture"].organisation_id = users.organisation.id
    built["april"].organisation_id = users.other_organisation.id  # not in March
    room = Room(name="Sál ukazatelů", capacity=40)
    dbsession.add(room)
    dbsession.flush()
    ends = prague(2026, 3, 20, 12)
    dbsession.add(Reservation(room_id=room.id, user_id=users.representative.id,
                              organisation_id=users.organisation.id, title="Setkání",
                              starts_at=prague(2026, 3, 20, 10), ends_at=ends,
                              blocked_until=ends, status="approved"))
    dbsession.flush()
    client.login(users.staff)
    found = by_key(client.get("/api/v1/indicators", MARCH).json)
    involved = found["organisations_involved"]
    assert involved["value"] == 1
    assert {p["key"]: p["value"] for p in involved["breakdown"]} == {"events": 1, "booking": 1}


def test_newsletter_reach_counts_accepted_messages_and_distinct_addresses(client, users,
                                                                          dbsession):
    from hub_newsletter.models import Campaign, Delivery

    first = Campaign(subject="Březen", status="sent")
    second = Campaign(subject="Pozvánka", status="sent", kind="invitation")
    dbsession.add_all([first, second])
    dbsession.flush()

    def deliver(campaign, address, status="sent", when=prague(2026, 3, 3, 10)):
        dbsession.add(Delivery(campaign_id=campaign.id, address=address, source="list:1",
                               status=status, sent_at=when if status == "sent" else None))

    deliver(first, "ctenar@test.example")
    deliver(first, "druha@test.example")
    deliver(first, "nedorucena@test.example", status="bounced")
    deliver(first, "chyba@test.example", status="failed")
    deliver(second, "Ctenar@Test.example")
    deliver(second, "dubnova@test.example", when=prague(2026, 4, 1, 0))
    dbsession.flush()
    client.login(users.staff)
    found = by_key(client.get("/api/v1/indicators", MARCH).json)
    sent = found["newsletter_messages_sent"]
    assert sent["value"] == 3
    assert {p["key"]: p["value"] for p in sent["breakdown"]} == {"invitation": 1,
                                                                "newsletter": 2}
    assert found["newsletter_recipients"]["value"] == 2
