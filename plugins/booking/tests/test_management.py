"""Staff tools: room managers, quotas per organisation, closures, booking on someone's
behalf and the occupancy statistics page."""
import datetime as dt

import sqlalchemy as sa

from hub.notifications.models import Notification
from hub.testing import html_text
from hub_booking.models import (
    ClosedPeriod,
    ClosedPeriodException,
    OrganisationQuota,
    Reservation,
    RoomManager,
)
from tests.conftest import at, future_day, make_room, post_form
from tests.test_pages import book, reservations


def notes(dbsession, kind):
    return dbsession.scalars(sa.select(Notification).where(Notification.kind == kind)).all()


def test_room_managers_are_asked_and_decide_their_rooms_bookings(testapp, dbsession, users):
    room = make_room(dbsession, "Sál s manažerkou", requires_approval=True)
    other = make_room(dbsession, "Sál bez manažera", requires_approval=True)
    testapp.login(users.staff)
    form = testapp.get(f"/booking/manage/rooms/{room.id}").forms["room-form"]
    form["managers"] = f"{users.representative.email}, nikdo@nikde.example"
    page = form.submit(status=400)
    assert "nikdo@nikde.example" in html_text(page)
    assert dbsession.scalars(sa.select(RoomManager)).all() == []
    form = page.forms["room-form"]
    form["managers"] = users.representative.email.upper()
    form.submit(status=303)
    assert [m.user_id for m in dbsession.scalars(sa.select(RoomManager))] == [
        users.representative.id]
    form = testapp.get(f"/booking/manage/rooms/{room.id}").forms["room-form"]
    assert form["managers"].value == users.representative.email

    day = future_day()
    testapp.login(users.member)
    book(testapp, room, day, status=303)
    (reservation,) = reservations(dbsession, room)
    # Only the manager is asked, not the staff.
    assert [n.user_id for n in notes(dbsession, "booking.approval_needed")] == [
        users.representative.id]
    # A room without managers asks all the staff.
    book(testapp, other, day, status=303)
    asked = {n.user_id for n in notes(dbsession, "booking.approval_needed")}
    assert asked == {users.representative.id, users.staff.id, users.admin.id}
    (elsewhere,) = reservations(dbsession, other)

    # Members who manage nothing have no management page.
    testapp.get("/booking/manage", status=403)
    assert "Rezervace místností, které spravuji" not in html_text(testapp.get("/booking/my"))
    testapp.login(users.representative)
    manage = html_text(testapp.get("/booking/my").click(href="/booking/manage$"))
    assert room.name in manage and other.name not in manage
    assert "Uzavírky" not in manage
    testapp.get(f"/booking/reservations/{elsewhere.id}", status=404)
    post_form(testapp, f"/booking/reservations/{elsewhere.id}/decide",
              {"decision": "approve"}, status=404)
    page = testapp.get(f"/booking/reservations/{reservation.id}")
    page.forms["decide-form"].submit("decision", value="approve", status=303)
    dbsession.refresh(reservation)
    assert reservation.status == "approved"
    assert reservation.decided_by_id == users.representative.id
    assert notes(dbsession, "booking.approved")[0].user_id == users.member.id
    # Staff still decide every room.
    testapp.login(users.staff)
    post_form(testapp, f"/booking/reservations/{elsewhere.id}/decide",
              {"decision": "reject", "reason": "Obsazeno"}, status=303)
    dbsession.refresh(elsewhere)
    assert elsewhere.status == "rejected"


def test_a_moved_booking_asks_the_managers_again(testapp, dbsession, users):
    room = make_room(dbsession, "Sál k přesunu", requires_approval=True)
    dbsession.add(RoomManager(room_id=room.id, user_id=users.other_representative.id))
    day = future_day()
    dbsession.add(Reservation(room_id=room.id, user_id=users.member.id, title="Porada",
                              starts_at=at(day, 10), ends_at=at(day, 11),
                              blocked_until=at(day, 11), status="approved"))
    dbsession.flush()
    (reservation,) = reservations(dbsession, room)
    testapp.login(users.member)
    post_form(testapp, f"/booking/reservations/{reservation.id}/edit", {
        "title": "Porada", "date": day.isoformat(), "start": "12:00", "end": "13:00",
        "attendees": "3", "purpose": ""}, status=303)
    assert [n.user_id for n in notes(dbsession, "booking.approval_needed")] == [
        users.other_representative.id]


def test_staff_set_an_organisations_own_quota(make_app, make_testapp, dbsession, users):
    room = make_room(dbsession, "Kvóty organizací", max_duration_minutes=600)
    testapp = make_testapp(make_app(**{"booking.organisation_monthly_hours": "4"}))
    org = users.organisation
    testapp.login(users.member)
    testapp.get("/booking/manage/quotas", status=403)
    testapp.login(users.staff)
    page = testapp.get("/booking/manage/quotas")
    assert "4" in html_text(page) and org.name in html_text(page)
    form = page.forms["quota-form"]
    form["organisation"], form["hours"] = str(org.id), "-3"
    assert "alespoň 0" in html_text(form.submit(status=400))
    form["hours"] = "9999"
    assert "744" in html_text(form.submit(status=400))
    form["organisation"], form["hours"] = "", "6"
    assert "Vyberte organizaci" in html_text(form.submit(status=400))
    form["organisation"], form["hours"] = str(org.id), "6"
    page = form.submit(status=303).follow()
    assert dbsession.scalars(sa.select(OrganisationQuota)).one().monthly_hours == 6
    assert org.name in html_text(page)

    day = future_day(3)
    testapp.login(users.representative)
    book(testapp, room, day, "08:00", "13:00", status=303, organisation=str(org.id))
    page = book(testapp, room, day, "14:00", "16:00", status=400, organisation=str(org.id))
    text = html_text(page)
    # The message names the rule (this organisation's own quota) and the numbers.
    assert "kvóta 6 hodin" in text and "stanovená pro tuto organizaci" in text
    assert "rezervováno 5 hodin" in text and "přidává 2" in text
    # Other organisations keep the hub's quota.
    testapp.login(users.other_representative)
    other = users.other_organisation.id
    page = book(testapp, room, day + dt.timedelta(days=1), "08:00", "13:00", status=400,
                organisation=str(other))
    assert "kvóta organizace 4 hodin" in html_text(page)
    # Back to the hub's quota.
    testapp.login(users.staff)
    page = testapp.get("/booking/manage/quotas")
    page.forms[f"quota-reset-{org.id}"].submit(status=303)
    assert dbsession.scalars(sa.select(OrganisationQuota)).all() == []


def test_staff_change_and_delete_closures_with_exceptions(testapp, dbsession, users, room):
    day = future_day()
    testapp.login(users.staff)
    post_form(testapp, "/booking/manage/closures", {
        "room": str(room.id), "start_date": day.isoformat(), "end_date": day.isoformat(),
        "reason": "Malování", "exceptions": users.member.email}, status=303)
    period = dbsession.scalars(sa.select(ClosedPeriod)).one()
    manage = testapp.get("/booking/manage")
    page = manage.click(href=f"/booking/manage/closures/{period.id}$")
    form = page.forms["closure-form"]
    assert form["exceptions"].value == users.member.email
    assert form["reason"].value == "Malování" and form["room"].value == str(room.id)
    form["end_date"] = (day - dt.timedelta(days=2)).isoformat()
    form["exceptions"] = "nikdo@nikde.example"
    page = form.submit(status=400)
    text = html_text(page)
    assert "Konec musí být po začátku" in text and "nikdo@nikde.example" in text
    dbsession.refresh(period)
    assert period.reason == "Malování"
    form = page.forms["closure-form"]
    form["end_date"] = (day + dt.timedelta(days=1)).isoformat()
    form["exceptions"] = users.representative.email
    form["reason"] = "Výměna oken"
    form["room"] = ""
    form.submit(status=303)
    dbsession.refresh(period)
    assert period.reason == "Výměna oken" and period.room_id is None
    assert [e.user_id for e in dbsession.scalars(sa.select(ClosedPeriodException))] == [
        users.representative.id]
    # The exception follows the change: the representative books, the member cannot.
    testapp.login(users.member)
    assert "Výměna oken" in html_text(book(testapp, room, day, status=400))
    testapp.login(users.representative)
    book(testapp, room, day, status=303)
    testapp.login(users.member)
    testapp.get(f"/booking/manage/closures/{period.id}", status=403)
    post_form(testapp, f"/booking/manage/closures/{period.id}/delete", {}, status=403)
    testapp.login(users.staff)
    page = testapp.get(f"/booking/manage/closures/{period.id}")
    page.forms["closure-delete-form"].submit(status=303)
    assert dbsession.scalars(sa.select(ClosedPeriod)).all() == []
    testapp.get(f"/booking/manage/closures/{period.id}", status=404)
    testapp.get("/booking/manage/closures/99999999999999999999", status=404)
    testapp.login(users.member)
    book(testapp, room, day + dt.timedelta(days=1), status=303)


def test_staff_book_on_behalf_of_a_member(testapp, dbsession, users):
    room = make_room(dbsession, "Sál pro zástupce", requires_approval=True)
    day = future_day()
    testapp.login(users.member)
    assert "booker" not in testapp.get(f"/booking/rooms/{room.id}/book").forms[
        "booking-form"].fields
    # A member's "booker" field is ignored: the booking stays theirs.
    book(testapp, room, day, "08:00", "09:00", status=303, booker=users.representative.email)
    assert reservations(dbsession, room)[0].user_id == users.member.id
    testapp.login(users.staff)
    form = testapp.get(f"/booking/rooms/{room.id}/book").forms["booking-form"]
    form["title"], form["date"], form["start"], form["end"] = (
        "Schůze výboru", day.isoformat(), "10:00", "12:00")
    form["booker"] = "nikdo@nikde.example"
    page = form.submit(status=400)
    assert "e-mailovou adresu jednoho člověka" in html_text(page)
    form = page.forms["booking-form"]
    form["booker"] = users.representative.email
    form["organisation"] = str(users.other_organisation.id)
    page = form.submit(status=400)
    assert "není členem této organizace" in html_text(page)
    form = page.forms["booking-form"]
    form["organisation"] = str(users.organisation.id)
    form.submit(status=303)
    reservation = reservations(dbsession, room)[1]
    assert reservation.user_id == users.representative.id
    assert reservation.organisation_id == users.organisation.id
    # Booked by staff: no approval needed.
    assert reservation.status == "approved" and reservation.source == "on_behalf"
    (note,) = dbsession.scalars(sa.select(Notification).where(
        Notification.user_id == users.representative.id,
        Notification.kind == "booking.confirmed")).all()
    assert "Schůze výboru" in note.body and users.staff.name in note.body
    testapp.login(users.representative)
    assert "Schůze výboru" in html_text(testapp.get("/booking/my"))
    # A closure's exception for the person lets staff book for them, not for others.
    closed_day = day + dt.timedelta(days=1)
    period = ClosedPeriod(room_id=room.id, starts_at=at(closed_day, 0),
                          ends_at=at(closed_day, 23), reason="Sál je zavřen")
    period.exceptions = [ClosedPeriodException(user_id=users.representative.id)]
    dbsession.add(period)
    dbsession.flush()
    testapp.login(users.staff)
    page = book(testapp, room, closed_day, status=400, booker=users.member.email)
    assert "Sál je zavřen" in html_text(page)
    book(testapp, room, closed_day, status=303, booker=users.representative.email)


def test_occupancy_statistics_page(testapp, dbsession, users, room):
    day = future_day()
    quiet = make_room(dbsession, "Tichá místnost")
    for hour, org, status in ((8, users.organisation.id, "approved"),
                              (12, None, "approved"), (16, users.organisation.id, "pending")):
        dbsession.add(Reservation(room_id=room.id, user_id=users.member.id, title="Porada",
                                  organisation_id=org, starts_at=at(day, hour),
                                  ends_at=at(day, hour + 3), blocked_until=at(day, hour + 3),
                                  status=status))
    dbsession.flush()
    testapp.login(users.member)
    testapp.get("/booking/manage/statistics", status=403)
    testapp.login(users.staff)
    page = testapp.get("/booking/manage/overview", {"day": day.isoformat()}).click(
        href="/booking/manage/statistics\\?")
    text = html_text(page)
    rows = {tr.find("th").get_text(strip=True): [td.get_text(strip=True)
                                                 for td in tr.find_all("td")]
            for tr in page.html.select("tbody tr")}
    assert rows[room.name][:2] == ["2", "6"]
    assert rows[quiet.name][:2] == ["0", "0"]
    assert rows[users.organisation.name] == ["1", "3"]
    assert rows["(bez organizace)"] == ["1", "3"]
    assert "CSV" in text
    other = testapp.get("/booking/manage/statistics", {"month": "2001-01"})
    assert "nejsou žádné schválené rezervace" in html_text(other)
    # A bad month shows the current one rather than an error.
    testapp.get("/booking/manage/statistics", {"month": "nonsense"}, status=200)


def test_statistics_csv_neutralises_room_and_organisation_names(testapp, dbsession, users):
    import csv
    import io

    day = future_day()
    room = make_room(dbsession, '=HYPERLINK("https://evil.example","Sál")')
    users.organisation.name = "\t@SUM(1+1)"
    dbsession.add(Reservation(room_id=room.id, user_id=users.member.id, title="Porada",
                              organisation_id=users.organisation.id, starts_at=at(day, 8),
                              ends_at=at(day, 10), blocked_until=at(day, 10), status="approved"))
    dbsession.flush()
    testapp.login(users.staff)
    reply = testapp.get("/booking/manage/statistics.csv", {"month": day.strftime("%Y-%m")})
    rows = list(csv.reader(io.StringIO(reply.body.decode("utf-8-sig"))))
    names = [row[1] for row in rows[1:]]
    assert "'" + room.name in names and "'\t@SUM(1+1)" in names
    assert room.name not in names and "\t@SUM(1+1)" not in names


def test_room_managers_hear_of_new_bookings_and_cancellations(testapp, dbsession, users):
    room = make_room(dbsession, "Sál bez schvalování")
    dbsession.add(RoomManager(room_id=room.id, user_id=users.other_representative.id))
    unmanaged = make_room(dbsession, "Sál bez správce")
    dbsession.flush()
    day = future_day()
    testapp.login(users.member)
    book(testapp, room, day, status=303)
    book(testapp, unmanaged, day, status=303)
    (reservation,) = reservations(dbsession, room)
    (news,) = notes(dbsession, "booking.room_activity")
    assert news.user_id == users.other_representative.id and room.name in news.subject
    post_form(testapp, f"/booking/reservations/{reservation.id}/cancel", {}, status=303)
    activity = notes(dbsession, "booking.room_activity")
    assert [n.user_id for n in activity] == [users.other_representative.id] * 2
    assert "zrušena" in activity[1].subject
    # The member cancelled their own booking: nobody tells them.
    assert notes(dbsession, "booking.cancelled") == []
    # Staff are not told of every booking of rooms without managers.
    assert {n.user_id for n in activity} == {users.other_representative.id}


def test_every_room_form_and_booking_change_page_has_its_own_title(testapp, dbsession, users):
    first, second = make_room(dbsession, "Sál A"), make_room(dbsession, "Sál B")
    day = future_day()
    for room in (first, second):
        dbsession.add(Reservation(room_id=room.id, user_id=users.member.id, title="Porada",
                                  starts_at=at(day, 10), ends_at=at(day, 11),
                                  blocked_until=at(day, 11), status="approved"))
    dbsession.flush()

    def title(page):
        return page.html.title.get_text(strip=True)

    testapp.login(users.staff)
    titles = {title(testapp.get(f"/booking/manage/rooms/{r.id}")) for r in (first, second)}
    assert len(titles) == 2 and all("Změnit místnost" in t for t in titles)
    assert "Nová místnost" in title(testapp.get("/booking/manage/rooms/new"))
    testapp.login(users.member)
    titles = {title(testapp.get(f"/booking/reservations/{r.id}/edit"))
              for r in reservations(dbsession, first) + reservations(dbsession, second)}
    assert len(titles) == 1   # same title and time: the page names the booking, not the room
