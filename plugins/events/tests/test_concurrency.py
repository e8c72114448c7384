"""Capacity and waiting-list promotion under concurrent requests (real commits)."""
import datetime as dt

import pytest
import sqlalchemy as sa

from hub.db import utcnow
from hub.testing import _make_testapp, make_user


def _setup(app, capacity, taken_by, waiting):
    """An event with ``capacity`` places, ``taken_by`` confirmed users and ``waiting``
    waitlisted users; returns (event id, confirmed users, waiting users, free users)."""
    from hub_events.models import Event, Registration
    from hub_events.services import new_access_key

    factory = app.registry["hub.dbsession_factory"]
    with factory() as db:
        start = utcnow() + dt.timedelta(days=5)
        event = Event(title="Kapacita", kind="lecture", venue="address", address="Praha",
                      state="published", audience="public", starts_at=start,
                      ends_at=start + dt.timedelta(hours=1), capacity=capacity,
                      taken=taken_by)
        db.add(event)
        db.flush()
        people = {"confirmed": [], "waiting": []}
        for kind, n in (("confirmed", taken_by), ("waiting", waiting)):
            for i in range(n):
                user = make_user(db, f"{kind}{i}@race.example")
                db.add(Registration(event_id=event.id, user_id=user.id, email=user.email,
                                    name=user.name, access_key=new_access_key(),
                                    status="confirmed" if kind == "confirmed" else "waitlisted",
                                    created_at=utcnow() + dt.timedelta(seconds=i)))
                people[kind].append(user)
        db.commit()
        return event.id, people


def _counts(app, event_id):
    from hub_events.models import Event, Registration

    with app.registry["hub.dbsession_factory"]() as db:
        rows = dict(db.execute(sa.select(Registration.status, sa.func.count())
                               .where(Registration.event_id == event_id)
                               .group_by(Registration.status)).all())
        return rows, db.get(Event, event_id).taken


@pytest.fixture
def race_app(committed_app):
    return committed_app("events")


def test_fifty_registrations_for_the_last_ten_places(race_app, concurrent):
    event_id, _people = _setup(race_app, capacity=12, taken_by=2, waiting=0)
    with race_app.registry["hub.dbsession_factory"]() as db:
        users = [make_user(db, f"racer{i}@race.example") for i in range(50)]
        db.commit()

    def register(i):
        client = _make_testapp(race_app).login(users[i])
        return client.post(f"/api/v1/events/{event_id}/registrations", "{}",
                           content_type="application/json",
                           headers={"X-CSRF-Token": client.csrf_token,
                                    "Origin": "https://hub.example.org"}, status="*")

    results = concurrent(50, register)
    statuses = [r.json["status"] for r in results if not isinstance(r, Exception)
                and r.status_int == 201]
    assert len(statuses) == 50, [r for r in results if isinstance(r, Exception)
                                 or r.status_int != 201][:3]
    assert statuses.count("confirmed") == 10 and statuses.count("waitlisted") == 40
    counts, taken = _counts(race_app, event_id)
    assert counts == {"confirmed": 12, "waitlisted": 40} and taken == 12


def test_double_click_creates_one_registration(race_app, concurrent):
    event_id, _people = _setup(race_app, capacity=5, taken_by=0, waiting=0)
    with race_app.registry["hub.dbsession_factory"]() as db:
        user = make_user(db, "clicker@race.example")
        db.commit()

    def register(i):
        client = _make_testapp(race_app).login(user)
        return client.post(f"/api/v1/events/{event_id}/registrations", "{}",
                           content_type="application/json",
                           headers={"X-CSRF-Token": client.csrf_token,
                                    "Origin": "https://hub.example.org"}, status="*")

    results = concurrent(8, register)
    codes = sorted(r.status_int for r in results)
    assert codes == [201] + [409] * 7
    counts, taken = _counts(race_app, event_id)
    assert counts == {"confirmed": 1} and taken == 1


def test_racing_cancellations_promote_each_waiting_person_once(race_app, concurrent):
    event_id, people = _setup(race_app, capacity=2, taken_by=2, waiting=3)
    cancelling = people["confirmed"]

    def cancel(i):
        # each of the two confirmed people cancels twice at the same moment
        client = _make_testapp(race_app).login(cancelling[i % 2])
        return client.delete(f"/api/v1/events/{event_id}/registrations",
                             headers={"X-CSRF-Token": client.csrf_token,
                                      "Origin": "https://hub.example.org"}, status="*")

    results = concurrent(4, cancel)
    assert all(r.status_int == 200 for r in results)
    counts, taken = _counts(race_app, event_id)
    assert counts == {"cancelled": 2, "offered": 2, "waitlisted": 1} and taken == 2
    from hub_events.models import Registration

    with race_app.registry["hub.dbsession_factory"]() as db:
        offered = db.scalars(sa.select(Registration.email).where(
            Registration.event_id == event_id, Registration.status == "offered")).all()
    assert sorted(offered) == ["waiting0@race.example", "waiting1@race.example"]
