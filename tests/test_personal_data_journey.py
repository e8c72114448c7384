"""One person who touches every plugin: the export shows all of it under sections titled in
their language, and erasure removes all of it except what the law makes the hub keep, which
the export names with the reason."""
import datetime as dt
import io
import json
import zipfile

import pytest
import sqlalchemy as sa
import transaction

from hub.db import utcnow
from hub.testing import TEST_PASSWORD, make_user

MARK = "JOURNEY"  # in every free text the person wrote, to find it anywhere afterwards

# Section titles of every part, in both languages: (Czech, English).
SECTIONS = {
    "account": ("Účet", "Account"),
    "sessions": ("Přihlášení", "Signed-in sessions"),
    "account_events_kept": ("Události účtu po zrušení účtu",
                            "Account events after deleting the account"),
    "tokens": ("Tokeny API", "API tokens"),
    "notifications": ("Oznámení", "Notifications"),
    "notification_settings": ("Nastavení oznámení", "Notification settings"),
    "mail": ("E-maily, které jsme vám poslali", "E-mails sent to you"),
    "interests": ("Zájmy", "Interests"),
    "memberships": ("Členství v organizacích", "Organisation memberships"),
    "invitations": ("Pozvánky do organizací", "Invitations to organisations"),
    "join_requests": ("Žádosti o členství v organizacích", "Requests to join organisations"),
    "feedback": ("Podněty k přístupnosti", "Accessibility feedback"),
    "feedback_kept": ("Podněty k přístupnosti po zrušení účtu",
                      "Accessibility feedback after deleting the account"),
    "consents": ("Souhlasy", "Consents"),
    "consents_kept": ("Souhlasy po zrušení účtu", "Consents after deleting the account"),
    "bookings": ("Rezervace místností", "Room bookings"),
    "closures": ("Uzavřené místnosti, které smíte rezervovat",
                 "Room closures you may book in"),
    "rooms_managed": ("Místnosti, které spravujete", "Rooms you manage"),
    "registrations": ("Přihlášky na akce", "Event registrations"),
    "events_created": ("Akce, které jste založili", "Events created"),
    "talks": ("Vaše přednášky", "Talks given"),
    "events_organised": ("Akce, které pořádáte", "Events organised"),
    "proposals": ("Přihlášky navržené za vás", "Registrations proposed on your behalf"),
    "courses": ("Online kurzy", "Online courses"),
    "lessons": ("Dokončené lekce", "Completed lessons"),
    "quizzes": ("Pokusy v testech", "Quiz attempts"),
    "certificates": ("Certifikáty", "Certificates"),
    "crm": ("Záznam v kontaktech hubu", "The hub's contact record"),
    "newsletter": ("Adresa pro newslettery", "Newsletter address"),
    "newsletter_pending": ("Nepotvrzené žádosti o odběr",
                           "Subscription requests not confirmed"),
    "newsletter_sent": ("Newslettery, které vám přišly", "Newsletters sent to you"),
    "news": ("Články, které jste napsali", "News articles written"),
}


def _request(app, dbsession):
    from hub.jobs import background_request

    request = background_request(app.registry, tm=transaction.manager)
    request.dbsession = dbsession
    return request


def _touch_every_plugin(request, dbsession, person, staff) -> dict:
    """Everything the hub can hold about ``person``, made with each part's own services."""
    from hub import consent
    from hub.feedback.models import AccessibilityFeedback
    from hub.mail import queue_mail
    from hub.notifications import notify
    from hub.notifications.models import NotificationPreference
    from hub.organizations.invitations import MEMBERSHIP_PURPOSE, consent_object
    from hub.organizations.models import Membership, MembershipRequest, Organisation
    from hub.tokens import create_token
    from hub.topics.demo import seed_topics
    from hub.topics.digest import DIGEST_PURPOSE
    from hub.topics.models import Topic, TopicDigestSubscription, UserStakeholder, UserTopic
    from hub_booking import services as booking
    from hub_booking.models import (
        BookableHours,
        ClosedPeriod,
        ClosedPeriodException,
        FeedToken,
        Room,
        RoomManager,
    )
    from hub_crm.consent import set_consent
    from hub_crm.models import Activity, Contact, CustomField, Enquiry, FieldValue
    from hub_elearning import services as elearning
    from hub_elearning.models import Course, Lesson, LessonProgress, QuizAttempt, Section
    from hub_events import services as events
    from hub_events.models import Event, Feedback, Proposal, Registration, Talk
    from hub_events.needs import ACCOMMODATION_NEEDS
    from hub_news.models import Article
    from hub_newsletter import services as newsletter
    from hub_newsletter.models import Campaign, Delivery, NewsletterList, Subscription
    from hub_newsletter.purposes import LIST_PURPOSE

    db, me = dbsession, consent.Subject.of_user(person)
    email = person.email
    # -- core: organisations, interests, notifications, tokens, feedback, mail
    org = Organisation(name="Spolek cesty", slug="spolek-cesty")
    other_org = Organisation(name="Spolek pozvánek", slug="spolek-pozvanek")
    asked_org = Organisation(name="Spolek žádostí", slug="spolek-zadosti")
    db.add_all([org, other_org, asked_org])
    db.flush()
    db.add_all([
        Membership(organisation_id=org.id, user_id=person.id, answered_at=utcnow()),
        Membership(organisation_id=other_org.id, state="invited", email=email.lower(),
                   invitee_id=person.id, invited_by_id=staff.id, token_digest="d" * 64,
                   expires_at=utcnow() + dt.timedelta(days=7)),
        MembershipRequest(organisation_id=asked_org.id, user_id=person.id,
                          message=f"{MARK} přijměte mě")])
    consent.give(request, me, MEMBERSHIP_PURPOSE.key, MEMBERSHIP_PURPOSE.text_version, "form",
                 object=consent_object(org.id))
    seed_topics(db)
    topic = db.scalars(sa.select(Topic).order_by(Topic.id)).first()
    db.add_all([UserTopic(user_id=person.id, topic_id=topic.id),
                UserStakeholder(user_id=person.id, type="patient"),
                TopicDigestSubscription(user_id=person.id)])
    consent.give(request, me, DIGEST_PURPOSE.key, DIGEST_PURPOSE.text_version, "form")
    notify(request, person, "organisations.membership", f"{MARK} oznámení", "Text",
           channels=("inbox",))
    db.add(NotificationPreference(user_id=person.id, kind="organisations.membership",
                                  inbox=True, email=False))
    queue_mail(request, email, f"{MARK} e-mail", "Text")
    create_token(db, person, f"{MARK} token")
    db.add(AccessibilityFeedback(page_url="https://hub.example.org/akce",
                                 description=f"{MARK} nejde přečíst", contact_email=email,
                                 user_id=person.id, client_key="k" * 64))

    # -- booking: a future and a past booking, a feed, a closure exception, a managed room
    room = Room(name="Místnost cesty", capacity=10, min_notice_hours=0,
                hours=[BookableHours(weekday=d, opens_at=dt.time(0), closes_at=dt.time(23, 59))
                       for d in range(7)])
    db.add(room)
    db.flush()
    day = (utcnow() + dt.timedelta(days=7)).date()
    booking.book(request, room, person, first_day=day, start=dt.time(9), end=dt.time(10),
                 title=f"{MARK} schůzka", purpose=f"{MARK} skupina", status="approved")
    past = utcnow() - dt.timedelta(days=30)
    booking.place(request, booking.Reservation(
        room_id=room.id, room=room, user_id=person.id, title=f"{MARK} minulá",
        purpose=f"{MARK} účel", starts_at=past, ends_at=past + dt.timedelta(hours=1),
        status="approved"))
    closure = ClosedPeriod(room_id=room.id, starts_at=past, ends_at=past + dt.timedelta(days=1),
                           reason="Malování")
    db.add(closure)
    db.flush()
    db.add_all([FeedToken(user_id=person.id, token="f" * 64),
                ClosedPeriodException(closed_period_id=closure.id, user_id=person.id),
                RoomManager(room_id=room.id, user_id=person.id)])

    # -- events: a registration with accommodation needs, feedback on a past event, an
    # event created and organised, a talk given
    start = utcnow() + dt.timedelta(days=10)
    future = Event(title="Akce cesty", kind="lecture", venue="address", address="Praha",
                   state="published", audience="public", starts_at=start,
                   ends_at=start + dt.timedelta(hours=2), taken=0, created_by_id=person.id)
    future.organisers = [person]
    held = Event(title="Proběhlá akce", kind="lecture", venue="address", address="Brno",
                 state="published", audience="public", starts_at=past,
                 ends_at=past + dt.timedelta(hours=2), taken=1)
    db.add_all([future, held])
    db.flush()
    events.register(request, future.id, user=person, email=email, name=person.name,
                    answer=f"{MARK} odpověď", needs={"step_free": True, "note": f"{MARK} pes"},
                    needs_consent_version=ACCOMMODATION_NEEDS.text_version)
    attended = Registration(event_id=held.id, user_id=person.id, email=email.lower(),
                            name=person.name, status="confirmed", access_key="a" * 32,
                            attended=True)
    db.add(attended)
    db.flush()
    db.add_all([Feedback(event_id=held.id, registration_id=attended.id, rating=5,
                         comment=f"{MARK} skvělé"),
                Talk(event_id=held.id, title="Přednáška cesty", speaker=person.name,
                     speaker_email=email.lower(), starts_at=past,
                     ends_at=past + dt.timedelta(hours=1))])
    # a registration a representative proposed on the person's behalf, not answered yet
    proposed = Event(title="Navržená akce", kind="lecture", venue="address", address="Praha",
                     state="published", audience="public", starts_at=start,
                     ends_at=start + dt.timedelta(hours=2), taken=0)
    db.add(proposed)
    db.flush()
    db.add(Proposal(event_id=proposed.id, user_id=person.id, proposed_by_id=staff.id,
                    access_key="p" * 32))

    # -- e-learning: progress in a course, a quiz attempt, a certificate
    course = Course(slug="kurz-cesty", title="Kurz cesty", summary="", description="",
                    level="beginner", language="cs", visibility="public", is_published=True,
                    link_token="kurz-cesty-token")
    db.add(course)
    db.flush()
    section = Section(course_id=course.id, title="Úvod", position=1)
    db.add(section)
    db.flush()
    lessons = [Lesson(course_id=course.id, section_id=section.id, kind="article",
                      title="Lekce cesty", position=1, body="<p>Text</p>", is_published=True),
               Lesson(course_id=course.id, section_id=section.id, kind="quiz",
                      title="Test cesty", position=2, pass_mark=100, max_attempts=2,
                      is_published=True)]
    db.add_all(lessons)
    db.flush()
    elearning.ensure_enrolment(db, person, course)
    db.add_all([LessonProgress(user_id=person.id, lesson_id=lessons[0].id),
                QuizAttempt(user_id=person.id, lesson_id=lessons[-1].id, number=1, score=50,
                            passed=False, answers={"1": MARK})])
    elearning.issue_certificate(db, person, course)

    # -- newsletter: a subscription (a consent of the address in the ledger), a request not
    # confirmed yet, a newsletter received
    news_list = NewsletterList(slug="cesta", name="Zpravodaj cesty")
    other_list = NewsletterList(slug="cesta-2", name="Druhý zpravodaj")
    db.add_all([news_list, other_list])
    db.flush()
    subscriber = newsletter.get_or_create_subscriber(db, email.lower(), person.name,
                                                     person.language, person)
    newsletter.give_list_consent(request, email.lower(), news_list, LIST_PURPOSE.text_version,
                                 "double_opt_in")
    db.add(Subscription(list_id=other_list.id, subscriber_id=subscriber.id,
                        confirm_token="c" * 64))
    campaign = Campaign(subject=f"{MARK} zpravodaj", status="sent")
    db.add(campaign)
    db.flush()
    db.add(Delivery(campaign_id=campaign.id, subscriber_id=subscriber.id,
                    address=email.lower(), source="list:cesta", status="sent",
                    sent_at=utcnow()))

    # -- CRM: a contact known by the same address (not linked to the account), with
    # consents, a health field, a note and an enquiry sent through the public form
    contact = Contact(kind="person", first_name="Cesta", last_name=MARK,
                      name=f"Cesta {MARK}", email=email.lower(), phone="+420 777 000 111",
                      language=person.language)
    field = CustomField(key="journey_diagnosis", label="Diagnóza cesty", is_special=True)
    db.add_all([contact, field])
    db.flush()
    set_consent(request, contact, "research", True, "form")
    set_consent(request, contact, "newsletter", True, "form")
    db.add_all([FieldValue(contact_id=contact.id, field_id=field.id, value=f"{MARK} diagnóza"),
                Activity(contact_id=contact.id, kind="call", text=f"{MARK} telefonát",
                         author_id=staff.id),
                Enquiry(contact_id=contact.id, subject=f"{MARK} dotaz",
                        message=f"{MARK} jak na to")])

    # -- news: an article the person wrote
    db.add(Article(title_cs="Článek cesty", title_en="Journey article", author_id=person.id))
    db.flush()
    return {"contact_id": contact.id, "subscriber_id": subscriber.id, "event_id": future.id,
            "course_id": course.id, "org_id": org.id}


def _export(client) -> tuple[dict, dict, str]:
    """The API's JSON, the ZIP's ``data.json`` sections and its ``data.html``."""
    api = client.get("/api/v1/me/export").json
    archive = client.post_form("/profile/export", {})
    with zipfile.ZipFile(io.BytesIO(archive.body)) as files:
        data = json.loads(files.read("data.json"))["data"]
        html = files.read("data.html").decode()
    return api, data, html


def _left_behind(dbsession, person, email: str, ids: dict) -> dict:
    """What the hub still holds about the person, per table; empty lists when erased."""
    from hub.accounts.models import UserSession
    from hub.feedback.models import AccessibilityFeedback
    from hub.mail import MailMessage
    from hub.notifications.models import Notification, NotificationPreference
    from hub.organizations.models import Membership, MembershipRequest
    from hub.tokens import ApiToken
    from hub.topics.models import TopicDigestSubscription, UserStakeholder, UserTopic
    from hub_booking.models import ClosedPeriodException, FeedToken, Reservation, RoomManager
    from hub_crm.models import Activity, Contact, Enquiry, FieldValue
    from hub_elearning.models import Certificate, Enrolment, LessonProgress, QuizAttempt
    from hub_events.models import Feedback, Proposal, Registration, Talk, event_organiser
    from hub_news.models import Article
    from hub_newsletter.models import Delivery, Subscriber, Subscription

    db, uid, address = dbsession, person.id, email.lower()
    dbsession.expire_all()

    def rows(*query):
        return list(db.execute(sa.select(*query[:1]).where(*query[1:])).all())

    return {
        "session": rows(UserSession.id, UserSession.user_id == uid),
        "token": rows(ApiToken.id, ApiToken.user_id == uid),
        "notification": rows(Notification.id, Notification.user_id == uid),
        "notification_preference": rows(NotificationPreference.id,
                                        NotificationPreference.user_id == uid),
        "mail": rows(MailMessage.id, MailMessage.recipient == email),
        "topics": rows(UserTopic.topic_id, UserTopic.user_id == uid)
        + rows(UserStakeholder.type, UserStakeholder.user_id == uid)
        + rows(TopicDigestSubscription.user_id, TopicDigestSubscription.user_id == uid),
        "membership": rows(Membership.id, sa.or_(Membership.user_id == uid,
                                                 Membership.invitee_id == uid,
                                                 Membership.email == address)),
        "membership_request": rows(MembershipRequest.id, MembershipRequest.user_id == uid),
        "feedback": rows(AccessibilityFeedback.id, sa.or_(
            AccessibilityFeedback.user_id == uid, AccessibilityFeedback.contact_email == email)),
        "booking": rows(Reservation.id, sa.or_(Reservation.user_id == uid,
                                               Reservation.title.contains(MARK),
                                               Reservation.purpose.contains(MARK)))
        + rows(FeedToken.id, FeedToken.user_id == uid)
        + rows(ClosedPeriodException.id, ClosedPeriodException.user_id == uid)
        + rows(RoomManager.id, RoomManager.user_id == uid),
        "registration": rows(Registration.id, sa.or_(Registration.user_id == uid,
                                                     Registration.email == address,
                                                     Registration.needs_note.contains(MARK))),
        "event_feedback": rows(Feedback.id, Feedback.comment.contains(MARK),
                               Feedback.registration_id.is_not(None)),
        "organiser": rows(event_organiser.c.event_id, event_organiser.c.user_id == uid),
        "talk": rows(Talk.id, Talk.speaker_email == address),
        "proposal": rows(Proposal.id, Proposal.user_id == uid),
        "elearning": rows(Enrolment.id, Enrolment.user_id == uid)
        + rows(LessonProgress.id, LessonProgress.user_id == uid)
        + rows(QuizAttempt.id, QuizAttempt.user_id == uid)
        + rows(Certificate.id, Certificate.user_id == uid),
        "newsletter": rows(Subscriber.id, sa.or_(Subscriber.email == address,
                                                 Subscriber.user_id == uid))
        + rows(Subscription.id, Subscription.subscriber_id == ids["subscriber_id"])
        + rows(Delivery.id, sa.or_(Delivery.address == address,
                                   Delivery.subscriber_id == ids["subscriber_id"])),
        "crm": rows(Contact.id, sa.or_(Contact.email == address, Contact.id == ids["contact_id"]))
        + rows(FieldValue.value, FieldValue.contact_id == ids["contact_id"])
        + rows(Activity.id, Activity.contact_id == ids["contact_id"])
        + rows(Enquiry.id, Enquiry.contact_id == ids["contact_id"]),
        "news": rows(Article.id, Article.author_id == uid),
    }


@pytest.mark.parametrize("language", ["cs", "en"])
def test_one_person_across_every_plugin_is_exported_then_erased(app, testapp, dbsession,
                                                                 users, language):
    from hub.accounts.models import AuditEvent, User
    from hub.consent import ConsentRecord
    from hub.consent.services import email_digest

    person = make_user(dbsession, f"cesta-{language}@test.example", name="Jana Cesta",
                       language=language)
    email = person.email
    ids = _touch_every_plugin(_request(app, dbsession), dbsession, person, users.staff)
    transaction.commit()
    client = testapp.login(person)
    held = _left_behind(dbsession, person, email, ids)
    assert [table for table, found in held.items() if not found] == []  # all of it is there
    api, data, html = _export(client)
    index = 0 if language == "cs" else 1
    titles = {key: pair[index] for key, pair in SECTIONS.items()}
    other_language = {pair[1 - index] for pair in SECTIONS.values()} - set(titles.values())
    for exported in (api, data):
        missing = {key: title for key, title in titles.items() if not exported.get(title)}
        assert missing == {}, f"sections missing or empty: {missing}; got {sorted(exported)}"
        assert not other_language & set(exported), "a section titled in the other language"
    text = json.dumps(api, ensure_ascii=False)
    for written in ("schůzka", "pes", "odpověď", "skvělé", "diagnóza", "telefonát", "dotaz",
                    "přijměte mě", "nejde přečíst", "zpravodaj", "oznámení", "token"):
        assert f"{MARK} {written}" in text, written
    assert titles["bookings"] in html and titles["crm"] in html
    assert json.loads(json.dumps(data)) == json.loads(json.dumps(api))
    # What erasure keeps is named with the reason, next to the data itself.
    kept = json.dumps(api[titles["consents_kept"]], ensure_ascii=False)
    assert ("čl. 17 odst. 3 písm. e)" if language == "cs" else "Art. 17(3)(e)") in kept
    kept = json.dumps(api[titles["account_events_kept"]], ensure_ascii=False)
    assert ("GDPR čl. 5 odst. 2" if language == "cs" else "GDPR Art. 5(2)") in kept
    kept = json.dumps(api[titles["feedback_kept"]], ensure_ascii=False)
    assert ("bez vašeho jména" if language == "cs" else "without your name") in kept

    form = client.get("/profile/delete").forms["erase-form"]
    form["password"], form["confirm"] = TEST_PASSWORD, True
    form.submit(status=303)

    left = {table: found for table, found in
            _left_behind(dbsession, person, email, ids).items() if found}
    assert left == {}, f"still held after erasure: {left}"
    erased = dbsession.get(User, person.id)
    assert erased.erased_at and erased.name == "" and erased.email != email
    # Kept by law, without the address: proof of every consent the hub relied on ...
    proof = dbsession.scalars(sa.select(ConsentRecord).where(sa.or_(
        ConsentRecord.user_id == person.id,
        ConsentRecord.email_digest == email_digest(email)))).all()
    assert {r.purpose for r in proof} >= {"hub.topics.digest", "newsletter.list",
                                          "events.accommodation_needs",
                                          "organisations.membership", "crm.research"}
    assert all(r.email is None for r in proof)
    assert {r.action for r in proof if r.source == "erasure"} == {"withdrawn"}
    # ... and the account's history (accountability), which holds ids and no names.
    assert dbsession.scalar(sa.select(AuditEvent.id).where(
        AuditEvent.subject_id == person.id, AuditEvent.action == "account_erased"))
    every_text = json.dumps([
        [str(v) for v in row] for table in ("audit_event", "crm_audit", "consent_record")
        for row in dbsession.execute(sa.text(f"SELECT * FROM {table}")).all()],  # noqa: S608
        ensure_ascii=False)
    assert MARK not in every_text and email not in every_text
