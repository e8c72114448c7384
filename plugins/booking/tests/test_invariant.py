"""K6/K7: random sequences of book / cancel / move / re-activate around the October clock
change; the database's answers match a pure-Python model and no two active bookings of
a room ever overlap."""
import datetime as dt

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.jobs import background_request
from hub_booking import services
from hub_booking.models import Reservation
from tests.conftest import make_room

# 2027-10-31 00:00 Prague (CEST); the clocks go back at 01:00 UTC, three hours later.
BASE = dt.datetime(2027, 10, 30, 22, 0, tzinfo=dt.UTC)
STEP = dt.timedelta(minutes=15)

span = st.tuples(st.integers(0, 1), st.integers(0, 24), st.integers(1, 8))
operation = st.one_of(
    st.tuples(st.just("book"), span),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("move"), st.integers(0, 30), span),
    st.tuples(st.just("reactivate"), st.integers(0, 30)),
)


def overlaps(a, b):
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, max_size=15))
def test_database_agrees_with_the_model(app, dbsession, users, operations):
    request = background_request(app.registry)
    request.dbsession = dbsession
    savepoint = dbsession.begin_nested()
    rooms = [make_room(dbsession, "Model A"), make_room(dbsession, "Model B")]
    model: list[list] = []   # [room index, start, end, active]
    rows: list[Reservation] = []

    def spanned(s):
        room, start, length = s
        return room, BASE + start * STEP, BASE + (start + length) * STEP

    def free(candidate, ignore=None):
        return not any(m[3] and overlaps(candidate, m) for i, m in enumerate(model)
                       if i != ignore)

    for op in operations:
        if op[0] == "book":
            room, start, end = spanned(op[1])
            expected = free((room, start, end))
            try:
                rows.append(services.place(request, Reservation(
                    room_id=rooms[room].id, room=rooms[room], user_id=users.member.id,
                    title="x", starts_at=start, ends_at=end, status="approved")))
                model.append([room, start, end, True])
                assert expected
            except services.Conflict:
                assert not expected
        elif not rows:
            continue
        elif op[0] == "cancel":
            index = op[1] % len(rows)
            services.cancel(request, rows[index])
            model[index][3] = False
        else:
            index = op[1] % len(rows)
            row, entry = rows[index], model[index]
            room, start, end = (entry[0], entry[1], entry[2]) if op[0] == "reactivate" \
                else spanned(op[2])
            if op[0] == "move" and room != entry[0]:
                room = entry[0]
            expected = free((room, start, end), ignore=index)
            nested = dbsession.begin_nested()
            try:
                row.starts_at, row.ends_at, row.blocked_until = start, end, end
                row.status = "approved"
                dbsession.flush()
                nested.commit()
                entry[1:] = [start, end, True]
                assert expected
            except sa.exc.IntegrityError:
                nested.rollback()
                assert not expected
        active = dbsession.scalars(sa.select(Reservation).where(
            Reservation.room_id.in_([r.id for r in rooms]),
            Reservation.status.in_(("pending", "approved")))).all()
        spans = [(r.room_id, r.starts_at, r.blocked_until) for r in active]
        assert not any(overlaps(a, b) for i, a in enumerate(spans) for b in spans[i + 1:])
        assert len(active) == sum(1 for m in model if m[3])
    savepoint.rollback()
