"""The web flows: the public, members and staff."""
import datetime as dt

import sqlalchemy as sa

from hub.notifications.models import Notification
from hub.testing import html_text
from hub_booking.models import ClosedPeriod, Reservation, Room
from tests.conftest import at, future_day, make_room, post_form


def book(testapp, room, day, start="10:00", end="11:00", status=None, **extra):
    fields = {"title": "Setkání skupiny", "date": day.isoformat(), "start": start, "end": end,
              "attendees": "5", **extra}
    return post_form(testapp, f"/booking/rooms/{room.id}/book", fields, status=status)


def reservations(dbsession, room):
    return dbsession.scalars(sa.select(Reservation).where(Reservation.room_id == room.id)
                             .order_by(Reservation.starts_at)).all()


def test_public_pages_show_rooms_and_busy_times_without_personal_details(
        testapp, dbsession, users, room):
    day = future_day()
    dbsession.add(Reservation(room_id=room.id, user_id=users.member.id, title="Tajná porada",
                              starts_at=at(day, 10), ends_at=at(day, 11),
                              blocked_until=at(day, 11), status="approved"))
    dbsession.flush()
    text = html_text(testapp.get("/booking"))
    assert room.name in text and "Bezbariérový přístup" in text
    page = testapp.get(f"/booking/rooms/{room.id}", {"day": day.isoformat()})
    text = html_text(page)
    assert "10:00–11:00" in text and "Obsazeno" in text
    assert "Tajná porada" not in text
    month = testapp.get(f"/booking/rooms/{room.id}", {"day": day.isoformat(), "view": "month"})
    assert "10:00–11:00" in html_text(month)
    feed = testapp.get(f"/booking/rooms/{room.id}/calendar.ics")
    assert feed.content_type == "text/calendar" and "Tajná porada" not in feed.text
    assert "BEGIN:VEVENT" in feed.text


def test_anonymous_is_sent_to_sign_in_to_book(testapp, room):
    response = testapp.get(f"/booking/rooms/{room.id}/book", status=302)
    assert "/login" in response.location


def test_member_books_a_room_and_gets_a_confirmation_with_ics(testapp, dbsession, users, room):
    testapp.login(users.member)
    form = testapp.get(f"/booking/rooms/{room.id}/book").forms["booking-form"]
    day = future_day()
    form["title"], form["date"], form["start"], form["end"] = "Porada", day.isoformat(), \
        "09:30", "11:00"
    response = form.submit(status=303)
    page = response.follow()
    assert "Porada" in html_text(page) and "Schváleno" in html_text(page)
    (reservation,) = reservations(dbsession, room)
    assert reservation.status == "approved" and reservation.user_id == users.member.id
    assert reservation.starts_at == at(day, 9, 30)
    note = dbsession.scalars(sa.select(Notification).where(
        Notification.user_id == users.member.id, Notification.kind == "booking.confirmed")).one()
    assert "Porada" in note.body
    from hub.mail import MailMessage

    mail = dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == users.member.email)).all()
    assert mail and any(a for m in mail for a in m.attachments)
    mine = html_text(testapp.get("/booking/my"))
    assert "Porada" in mine


def test_a_taken_slot_is_a_form_error_with_the_conflicting_time_and_suggestions(
        testapp, dbsession, users, room):
    day = future_day()
    testapp.login(users.member)
    book(testapp, room, day, "10:00", "11:00", status=303)
    testapp.login(users.representative)
    page = book(testapp, room, day, "10:30", "11:30", status=409)
    text = html_text(page)
    assert "Místnost je už rezervována od" in text
    assert "10:00" in text and "11:00" in text
    assert "Volné alternativy" in text
    assert len(reservations(dbsession, room)) == 1
    # The form keeps what was typed.
    assert page.forms["booking-form"]["title"].value == "Setkání skupiny"
    # Adjacent bookings do not conflict ([) bounds).
    book(testapp, room, day, "11:00", "12:00", status=303)


def test_rules_are_named(testapp, dbsession, users):
    room = make_room(dbsession, "Pravidla", capacity=10, min_duration_minutes=30,
                     max_duration_minutes=120)
    room.hours[future_day().weekday()].opens_at = dt.time(8)
    room.hours[future_day().weekday()].closes_at = dt.time(18)
    day = future_day()
    dbsession.add(ClosedPeriod(room_id=room.id, starts_at=at(day + dt.timedelta(days=7), 0),
                               ends_at=at(day + dt.timedelta(days=8), 0), reason="Malování"))
    dbsession.flush()
    testapp.login(users.member)
    cases = [
        (dict(start="11:00", end="10:00"), "Konec musí být po začátku"),
        (dict(start="17:00", end="19:00"), "od 08:00 do 18:00"),
        (dict(start="10:00", end="10:10"), "nejméně 30 minut"),
        (dict(start="10:00", end="13:00"), "nejvýše 120 minut"),
        (dict(attendees="11"), "nejvýše 10 osob"),
        (dict(date=(day + dt.timedelta(days=7)).isoformat()), "Malování"),
        (dict(date=(day - dt.timedelta(days=30)).isoformat()), "v minulosti"),
        (dict(title=" "), "Vyplňte název"),
        (dict(date="zítra"), "Zadejte celé datum: den, měsíc a rok."),
    ]
    for fields, message in cases:
        values = {"title": "Porada", "date": day.isoformat(), "start": "10:00", "end": "11:00",
                  "attendees": "5", **fields}
        page = post_form(testapp, f"/booking/rooms/{room.id}/book", values, status=400)
        assert message in html_text(page), (fields, html_text(page)[:3000])
    assert reservations(dbsession, room) == []


def test_quota_per_user_and_organisation(make_app, make_testapp, dbsession, users):
    room = make_room(dbsession, "Kvóty", max_duration_minutes=600)
    testapp = make_testapp(make_app(**{"booking.user_monthly_hours": "5",
                                       "booking.organisation_monthly_hours": "4"}))
    testapp.login(users.member)
    day = future_day(3)
    book(testapp, room, day, "08:00", "10:00", status=303)
    book(testapp, room, day, "11:00", "14:00", status=303)
    page = book(testapp, room, day, "15:00", "16:00", status=400)
    assert "kvóta 5 hodin" in html_text(page)
    org = users.organisation.id
    testapp.login(users.representative)
    book(testapp, room, day, "14:00", "17:00", status=303, organisation=str(org))
    page = book(testapp, room, day, "18:00", "20:00", status=400, organisation=str(org))
    assert "kvóta organizace 4 hodin" in html_text(page)
    # Only members of the organisation book on its behalf.
    testapp.login(users.other_representative)
    page = book(testapp, room, day, "21:00", "22:00", status=400, organisation=str(org))
    assert "jen jménem své organizace" in html_text(page)


def test_approval_workflow(testapp, dbsession, users):
    room = make_room(dbsession, "Velký sál", requires_approval=True)
    day = future_day()
    testapp.login(users.member)
    page = book(testapp, room, day, status=303).follow()
    assert "Čeká na schválení" in html_text(page)
    (reservation,) = reservations(dbsession, room)
    assert reservation.status == "pending"
    staff_notes = dbsession.scalars(sa.select(Notification).where(
        Notification.kind == "booking.approval_needed")).all()
    assert {n.user_id for n in staff_notes} >= {users.staff.id, users.admin.id}
    # A member cannot decide, even on their own booking.
    post_form(testapp, f"/booking/reservations/{reservation.id}/decide",
                      {"decision": "approve"}, status=403)
    testapp.login(users.staff)
    manage = testapp.get("/booking/manage")
    assert "Setkání skupiny" in html_text(manage)
    # Rejecting needs a reason.
    post_form(testapp, f"/booking/reservations/{reservation.id}/decide",
                      {"decision": "reject", "reason": ""}, status=303)
    dbsession.refresh(reservation)
    assert reservation.status == "pending"
    manage.forms[f"approve-{reservation.id}"].submit("decision", status=303)
    dbsession.refresh(reservation)
    assert reservation.status == "approved" and reservation.decided_by_id == users.staff.id
    assert dbsession.scalars(sa.select(Notification).where(
        Notification.user_id == users.member.id, Notification.kind == "booking.approved")).one()


def test_rejection_with_reason_frees_the_slot(testapp, dbsession, users):
    room = make_room(dbsession, "Sál", requires_approval=True)
    day = future_day()
    testapp.login(users.member)
    book(testapp, room, day, status=303)
    (reservation,) = reservations(dbsession, room)
    testapp.login(users.staff)
    post_form(testapp, f"/booking/reservations/{reservation.id}/decide",
                      {"decision": "reject", "reason": "Sál je rezervován pro ministerstvo"},
                      status=303)
    dbsession.refresh(reservation)
    assert reservation.status == "rejected"
    assert "ministerstvo" in reservation.decision_reason
    testapp.login(users.representative)
    book(testapp, room, day, status=303)


def test_other_members_see_nothing_of_a_booking(testapp, dbsession, users, room):
    day = future_day()
    testapp.login(users.member)
    book(testapp, room, day, status=303)
    (reservation,) = reservations(dbsession, room)
    testapp.login(users.representative)
    testapp.get(f"/booking/reservations/{reservation.id}", status=404)
    post_form(testapp, f"/booking/reservations/{reservation.id}/cancel", {}, status=404)
    testapp.get("/booking/reservations/abc", status=404)
    assert reservation.title not in html_text(testapp.get("/booking/my"))
    dbsession.refresh(reservation)
    assert reservation.status == "approved"
    testapp.login(users.staff)
    assert reservation.title in html_text(testapp.get(f"/booking/reservations/{reservation.id}"))


def test_weekly_series_skips_taken_occurrences_and_lists_them(testapp, dbsession, users, room):
    day = future_day()
    taken_day = day + dt.timedelta(weeks=2)
    dbsession.add(Reservation(room_id=room.id, user_id=users.staff.id, title="Jiná akce",
                              starts_at=at(taken_day, 10), ends_at=at(taken_day, 12),
                              blocked_until=at(taken_day, 12), status="approved"))
    dbsession.flush()
    testapp.login(users.member)
    page = book(testapp, room, day, "10:00", "11:00", status=303, frequency="weekly",
                interval="1", weekdays=str(day.weekday()),
                until=(day + dt.timedelta(weeks=3)).isoformat()).follow()
    text = html_text(page)
    assert "Vynechané výskyty" in text and "už rezervována" in text
    mine = [r for r in reservations(dbsession, room) if r.user_id == users.member.id]
    assert [r.starts_at for r in mine] == [at(day + dt.timedelta(weeks=w), 10)
                                          for w in (0, 1, 3)]
    assert len({r.series_id for r in mine}) == 1
    # Cancel one occurrence, then the rest of the series.
    post_form(testapp, f"/booking/reservations/{mine[1].id}/cancel", {"scope": "one"},
                      status=303)
    for r in mine:
        dbsession.refresh(r)
    assert [r.status for r in mine] == ["approved", "cancelled", "approved"]
    post_form(testapp, f"/booking/reservations/{mine[0].id}/cancel", {"scope": "series"},
                      status=303)
    for r in mine:
        dbsession.refresh(r)
    assert [r.status for r in mine] == ["cancelled"] * 3


def test_staff_manage_rooms_and_closures(testapp, dbsession, users):
    testapp.login(users.member)
    testapp.get("/booking/manage/rooms/new", status=403)
    testapp.login(users.staff)
    form = testapp.get("/booking/manage/rooms/new").forms["room-form"]
    form["name"] = ""
    form["capacity"] = "0"
    page = form.submit(status=400)
    assert "Zadejte název místnosti" in html_text(page)
    form = page.forms["room-form"]
    form["name"], form["capacity"] = "Nová zasedačka", "14"
    form["opens_6"], form["closes_6"] = "10:00", "12:00"
    form.submit(status=303)
    room = dbsession.scalars(sa.select(Room).where(Room.name == "Nová zasedačka")).one()
    assert room.capacity == 14 and {h.weekday for h in room.hours} == {0, 1, 2, 3, 4, 6}
    form = testapp.get(f"/booking/manage/rooms/{room.id}").forms["room-form"]
    form["opens_0"], form["closes_0"] = "12:00", "10:00"
    assert "Otevření musí být před zavřením" in html_text(form.submit(status=400))
    post_form(testapp, "/booking/manage/closures", {
        "room": "", "start_date": "2030-12-24", "end_date": "2030-12-26",
        "reason": "Vánoce"}, status=303)
    assert dbsession.scalars(sa.select(ClosedPeriod)).one().room_id is None
    assert "Vánoce" in html_text(testapp.get("/booking/manage"))


def test_staff_overview_and_statistics(testapp, dbsession, users, room):
    day = future_day()
    dbsession.add(Reservation(room_id=room.id, user_id=users.member.id, title="Porada",
                              organisation_id=users.organisation.id,
                              starts_at=at(day, 10), ends_at=at(day, 12),
                              blocked_until=at(day, 12), status="approved"))
    dbsession.flush()
    testapp.login(users.member)
    testapp.get("/booking/manage/overview", status=403)
    testapp.login(users.staff)
    page = testapp.get("/booking/manage/overview", {"day": day.isoformat()})
    assert "Porada" in html_text(page)
    csv = testapp.get("/booking/manage/statistics.csv", {"month": day.strftime("%Y-%m")})
    assert f"{room.name},2.00" in csv.text
    assert f"{users.organisation.name},2.00" in csv.text


def test_personal_calendar_feed(testapp, dbsession, users, room):
    day = future_day()
    testapp.login(users.member)
    book(testapp, room, day, status=303)
    page = testapp.get("/booking/my").forms["feed-form"].submit(status=303).follow()
    url = [w for w in html_text(page).split() if "/feed/" in w][0]
    path = url.split("hub.example.org", 1)[1]
    testapp.logout()
    feed = testapp.get(path)
    assert "Setkání skupiny" in feed.text
    testapp.get("/booking/feed/wrong.ics", status=404)


def test_editing_a_booking_checks_the_rules_again_and_needs_re_approval(
        testapp, dbsession, users):
    room = make_room(dbsession, "Sál se schvalováním", requires_approval=True)
    day = future_day()
    dbsession.add(Reservation(room_id=room.id, user_id=users.staff.id, title="Jiná",
                              starts_at=at(day, 14), ends_at=at(day, 15),
                              blocked_until=at(day, 15), status="approved"))
    dbsession.flush()
    testapp.login(users.member)
    book(testapp, room, day, "10:00", "11:00", status=303)
    mine = [r for r in reservations(dbsession, room) if r.user_id == users.member.id][0]
    mine.status = "approved"
    dbsession.flush()
    form = testapp.get(f"/booking/reservations/{mine.id}/edit").forms["edit-form"]
    form["title"] = "Přejmenováno"
    form.submit(status=303)
    dbsession.refresh(mine)
    assert mine.title == "Přejmenováno" and mine.status == "approved"
    form = testapp.get(f"/booking/reservations/{mine.id}/edit").forms["edit-form"]
    form["start"], form["end"] = "14:30", "15:30"
    page = form.submit(status=409)
    assert "rezervována od" in html_text(page)
    form = page.forms["edit-form"]
    form["start"], form["end"] = "12:00", "13:00"
    assert "čeká na schválení" in html_text(form.submit(status=303).follow())
    dbsession.refresh(mine)
    assert mine.status == "pending" and mine.starts_at == at(day, 12)
    testapp.login(users.representative)
    testapp.get(f"/booking/reservations/{mine.id}/edit", status=404)


def test_closure_with_an_exception_for_a_chosen_person(testapp, dbsession, users, room):
    day = future_day()
    testapp.login(users.staff)
    page = post_form(testapp, "/booking/manage/closures", {
        "room": str(room.id), "start_date": day.isoformat(), "end_date": day.isoformat(),
        "reason": "Konference", "exceptions": "nikdo@nikde.example"}, status=303).follow()
    assert "nikdo@nikde.example" in html_text(page)
    assert dbsession.scalars(sa.select(ClosedPeriod)).all() == []
    post_form(testapp, "/booking/manage/closures", {
        "room": str(room.id), "start_date": day.isoformat(), "end_date": day.isoformat(),
        "reason": "Konference", "exceptions": users.member.email.upper()}, status=303)
    testapp.login(users.representative)
    assert "Konference" in html_text(book(testapp, room, day, status=400))
    testapp.login(users.member)
    book(testapp, room, day, status=303)


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def test_staff_add_and_remove_room_photos_with_a_description(testapp, dbsession, users, room):
    testapp.login(users.staff)
    form = testapp.get(f"/booking/manage/rooms/{room.id}").forms["photo-form"]
    form["photo"] = ("room.png", b"<script>alert(1)</script>", "image/png")
    form["alt"] = ""
    page = form.submit(status=400)
    text = html_text(page)
    assert "JPEG, PNG nebo WebP" in text and "Popište fotografii" in text
    form = page.forms["photo-form"]
    form["photo"] = ("room.png", PNG, "image/png")
    form["alt"] = "Sál s řadami židlí a plátnem"
    form.submit(status=303)
    dbsession.refresh(room)
    (photo,) = room.photos
    testapp.logout()
    page = testapp.get(f"/booking/rooms/{room.id}")
    assert 'alt="Sál s řadami židlí a plátnem"' in page.text
    image = testapp.get(f"/booking/rooms/{room.id}/photos/{photo.id}")
    assert image.content_type == "image/png" and image.body == PNG
    testapp.get(f"/booking/rooms/{room.id}/photos/999999", status=404)
    testapp.login(users.member)
    post_form(testapp, f"/booking/manage/rooms/{room.id}/photos/{photo.id}/delete", {},
              status=403)
    testapp.login(users.staff)
    post_form(testapp, f"/booking/manage/rooms/{room.id}/photos/{photo.id}/delete", {},
              status=303)
    dbsession.refresh(room)
    assert room.photos == []


def test_representatives_may_book_directly_where_the_room_allows(testapp, dbsession, users):
    room = make_room(dbsession, "Sál pro zástupce", requires_approval=True,
                     representatives_book_directly=True)
    day = future_day()
    testapp.login(users.representative)
    book(testapp, room, day, "09:00", "10:00", status=303)
    testapp.login(users.member)
    book(testapp, room, day, "10:00", "11:00", status=303)
    statuses = {r.user_id: r.status for r in reservations(dbsession, room)}
    assert statuses == {users.representative.id: "approved", users.member.id: "pending"}
    assert "bez schválení" in html_text(testapp.get(f"/booking/rooms/{room.id}"))


def test_staff_decide_a_whole_series_at_once(testapp, dbsession, users):
    room = make_room(dbsession, "Sál pro série", requires_approval=True)
    day = future_day()
    testapp.login(users.member)
    book(testapp, room, day, status=303, frequency="weekly", interval="1",
         until=(day + dt.timedelta(weeks=2)).isoformat())
    series = reservations(dbsession, room)
    assert [r.status for r in series] == ["pending"] * 3
    testapp.login(users.staff)
    form = testapp.get(f"/booking/reservations/{series[1].id}").forms["decide-form"]
    form["scope"] = True
    form.submit("decision", index=0, status=303)
    for r in series:
        dbsession.refresh(r)
    assert [r.status for r in series] == ["approved"] * 3
    note = dbsession.scalars(sa.select(Notification).where(
        Notification.user_id == users.member.id, Notification.kind == "booking.approved")).one()
    assert "3" in note.body
    # Cancelling twice tells that the booking is no longer active.
    testapp.login(users.member)
    post_form(testapp, f"/booking/reservations/{series[0].id}/cancel", {}, status=303)
    page = post_form(testapp, f"/booking/reservations/{series[0].id}/cancel", {},
                     status=303).follow()
    assert "Rezervace není aktivní" in html_text(page)


def test_a_wrong_field_is_marked_the_way_core_forms_mark_it(testapp, dbsession, users):
    room = make_room(dbsession, "Značení chyb")
    testapp.login(users.member)
    values = {"title": "Porada", "date": "3/15", "start": "10:00", "end": "11:00",
              "attendees": "2"}
    page = post_form(testapp, f"/booking/rooms/{room.id}/book", values, status=400)
    date_input = page.html.find("input", id="date")
    assert date_input["aria-invalid"] == "true"
    assert "date-error" in date_input["aria-describedby"].split()
    error = page.html.find(id="date-error")
    assert error.find(class_="visually-hidden").text == "Chyba:"
    assert "den, měsíc a rok" in error.text
    assert page.html.find("input", id="title").get("aria-invalid") is None


def test_the_room_calendar_names_its_period_and_is_a_named_focusable_region(testapp, room):
    import html
    import re

    def title(page):
        return html.unescape(re.search(r"<title>([^<]*)</title>", page.text).group(1))

    week = testapp.get(f"/booking/rooms/{room.id}", {"day": "2031-03-12"})
    assert title(week).startswith(f"{room.name} – 10. 3. 2031 – 16. 3. 2031 |")
    month = testapp.get(f"/booking/rooms/{room.id}", {"day": "2031-03-12", "view": "month"})
    assert title(month).startswith(f"{room.name} – březen 2031 |")
    region = week.html.find("div", class_="hub-table-wrap")
    assert region["role"] == "region" and region["tabindex"] == "0"
    assert region["aria-label"] == \
        f"Obsazenost místnosti {room.name}, 10. 3. 2031 – 16. 3. 2031"
    assert region.find("table", class_="booking-calendar") is not None
