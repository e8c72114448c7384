"""Events use the core's shared topics; "For you" suggests upcoming events to the right people."""
import datetime as dt

import sqlalchemy as sa

from hub.db import utcnow
from hub.testing import html_text

from .conftest import api_headers, form_post


class _Request:
    def __init__(self, dbsession):
        self.dbsession = dbsession

    def route_path(self, name, **kw):
        return f"/events/{kw['id']}"


def _for_you(dbsession, user, topics):
    from hub_events.hooks import hub_for_you

    return [s.title for s in hub_for_you(_Request(dbsession), user, topics)]


def test_list_filters_by_topic_slug_and_shows_topic_names(testapp, make_event):
    make_event(title="Cukrovka v praxi", topics=["diabetes"])
    make_event(title="Nádorová onemocnění", topics=["oncology", "patient-rights"])
    page = testapp.get("/events")
    options = {o[0]: o[2] for o in page.forms["events-filter"].fields["topic"][0].options}
    assert options["diabetes"] == "Diabetes" and options["oncology"] == "Onkologie"
    text = html_text(testapp.get("/events?topic=oncology"))
    assert "Nádorová onemocnění" in text and "Cukrovka v praxi" not in text
    assert "Onkologie, Práva pacientů" in text
    text = html_text(testapp.get("/events?topic=no-such-topic"))
    assert "Nádorová onemocnění" not in text and "Cukrovka v praxi" not in text


def test_detail_links_topics_to_the_filtered_list(testapp, make_event):
    event = make_event(title="Cukrovka v praxi", topics=["diabetes"])
    page = testapp.get(f"/events/{event.id}")
    assert 'href="/events?topic=diabetes"' in page.text


def test_organiser_chooses_topics_and_audience_from_the_core_lists(testapp, users, dbsession,
                                                                  topics):
    from hub_events.models import Event

    testapp.login(users.staff)
    form = testapp.get("/events/manage/new").forms["events-event"]
    boxes = {b._value: b for b in form.fields["topics"]}
    assert {"diabetes", "rare-diseases", "legislation"} <= set(boxes)
    start = (utcnow() + dt.timedelta(days=20)).strftime("%Y-%m-%dT10:00")
    end = (utcnow() + dt.timedelta(days=20)).strftime("%Y-%m-%dT12:00")
    fields = {"title": "Seminář o legislativě", "kind": "seminar", "venue": "online",
              "online_url": "https://meet.example.org/l", "audience": "public",
              "state": "published", "starts_at": start, "ends_at": end}
    response = testapp.post(
        "/events/manage/new",
        [*fields.items(), ("topics", "legislation"), ("topics", "rare-diseases"),
         ("stakeholders", "patient_organisation"),
         ("csrf_token", testapp.csrf_token.strip('"'))],
        headers={"Origin": "https://hub.example.org"}, status=303)
    event = dbsession.scalar(sa.select(Event).where(Event.title == "Seminář o legislativě"))
    assert sorted(event.topic_slugs) == ["legislation", "rare-diseases"]
    assert event.stakeholders == ["patient_organisation"]
    page = testapp.get(response.location)
    checked = {b._value for b in page.forms["events-event"].fields["topics"] if b.checked}
    assert checked == {"legislation", "rare-diseases"}


def test_unknown_topic_is_refused_and_nothing_is_written(testapp, users, dbsession):
    from hub_events.models import Event

    testapp.login(users.staff)
    start = (utcnow() + dt.timedelta(days=20)).strftime("%Y-%m-%dT10:00")
    end = (utcnow() + dt.timedelta(days=20)).strftime("%Y-%m-%dT12:00")
    page = form_post(testapp, "/events/manage/new", {
        "title": "Neznámé téma", "kind": "seminar", "venue": "online",
        "online_url": "https://meet.example.org/l", "audience": "public",
        "state": "published", "starts_at": start, "ends_at": end,
        "topics": "astrology", "stakeholders": "wizard"}, status=422)
    assert "Choose topics from the list." in page.text or "Vyberte témata" in page.text
    assert dbsession.scalar(sa.select(Event.id).where(Event.title == "Neznámé téma")) is None


def test_api_shows_and_filters_topic_slugs(testapp, users, make_event, topics):
    event = make_event(title="Cukrovka v praxi", topics=["diabetes"], stakeholders=["patient"])
    make_event(title="Jiné téma", topics=["oncology"])
    data = testapp.get("/api/v1/events?topic=diabetes").json
    assert [e["title"] for e in data["items"]] == ["Cukrovka v praxi"]
    assert data["items"][0]["topics"] == ["diabetes"]
    assert testapp.get(f"/api/v1/events/{event.id}").json["stakeholders"] == ["patient"]
    testapp.login(users.staff)
    start = (utcnow() + dt.timedelta(days=5)).isoformat(timespec="minutes")
    end = (utcnow() + dt.timedelta(days=5, hours=1)).isoformat(timespec="minutes")
    body = {"title": "Z API", "starts_at": start, "ends_at": end, "venue": "online",
            "online_url": "https://meet.example.org/api", "topics": ["oncology", "diabetes"]}
    created = testapp.post_json("/api/v1/events", body, headers=api_headers(testapp),
                                status=201).json
    assert sorted(created["topics"]) == ["diabetes", "oncology"]
    bad = testapp.post_json("/api/v1/events", {**body, "topics": ["nope"]},
                            headers=api_headers(testapp), status=422).json
    assert "topics" in bad["error"]["details"]["fields"]


def test_search_finds_events_by_topic_name(app, make_event, dbsession):
    from hub.jobs import background_request
    from hub.search.query import search

    make_event(title="Přednáška bez slova v názvu", topics=["oncology"])
    make_event(title="Koncept o onkologii", topics=["oncology"], state="draft")
    request = background_request(app.registry)
    request.dbsession = dbsession
    titles = [r.title for r in search(request, "Onkologie").results]
    assert titles == ["Přednáška bez slova v názvu"]


def test_for_you_suggests_only_published_upcoming_events_in_the_users_topics(
        make_event, users, dbsession):
    make_event(title="Zveřejněná onkologie", topics=["oncology"])
    make_event(title="Koncept onkologie", topics=["oncology"], state="draft")
    make_event(title="Zrušená onkologie", topics=["oncology"], state="cancelled")
    make_event(title="Proběhlá onkologie", topics=["oncology"],
               starts_at=utcnow() - dt.timedelta(days=3))
    make_event(title="Diabetes", topics=["diabetes"])
    assert _for_you(dbsession, users.member, ["oncology"]) == ["Zveřejněná onkologie"]
    assert _for_you(dbsession, users.member, []) == []


def test_for_you_respects_the_events_audience(make_event, users, dbsession):
    from hub.topics.models import UserStakeholder

    make_event(title="Pro lékaře", topics=["oncology"], stakeholders=["doctor"])
    make_event(title="Pro všechny", topics=["oncology"])
    # no declared type: every event in the topics
    assert set(_for_you(dbsession, users.member, ["oncology"])) == {"Pro lékaře",
                                                                    "Pro všechny"}
    dbsession.add(UserStakeholder(user_id=users.member.id, type="patient"))
    dbsession.flush()
    assert _for_you(dbsession, users.member, ["oncology"]) == ["Pro všechny"]


def test_my_hub_shows_the_suggestions(testapp, make_event, users, dbsession):
    from hub.topics.models import Topic, UserTopic

    make_event(title="Zveřejněná onkologie", topics=["oncology"])
    make_event(title="Koncept onkologie", topics=["oncology"], state="draft")
    topic = dbsession.scalar(sa.select(Topic).where(Topic.slug == "oncology"))
    dbsession.add(UserTopic(user_id=users.member.id, topic_id=topic.id))
    dbsession.flush()
    testapp.login(users.member)
    text = html_text(testapp.get("/my"))
    assert "Zveřejněná onkologie" in text and "Koncept onkologie" not in text


def test_demo_data_sets_topics_and_builds_the_benchmark_volume(dbsession):
    from hub_events.demo import create_demo_data
    from hub_events.models import Event, Registration

    create_demo_data(dbsession, 1)
    event = dbsession.scalar(sa.select(Event).where(
        Event.title == "Konference Vzácná onemocnění 2027"))
    assert event.topic_slugs == ["rare-diseases"] and "patient" in event.stakeholders
    before = dbsession.scalar(sa.select(sa.func.count()).select_from(Event))
    regs_before = dbsession.scalar(sa.select(sa.func.count()).select_from(Registration))
    create_demo_data(dbsession, 2)
    create_demo_data(dbsession, 2)  # idempotent
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Event)) == before + 40
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Registration)) \
        == regs_before + 1000
    big = dbsession.scalar(sa.select(Event).where(Event.title.like("Přednáška 1: %")))
    assert big.taken == 500 and big.topics
    # the places held match the registrations of every generated event
    mismatched = dbsession.execute(
        sa.select(Event.id).where(Event.title.like("Přednáška %: %"), Event.taken != (
            sa.select(sa.func.count()).select_from(Registration)
            .where(Registration.event_id == Event.id).scalar_subquery()))).all()
    assert mismatched == []
