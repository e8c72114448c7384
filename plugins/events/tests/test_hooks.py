import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from hub.db import utcnow
from hub.testing import html_text

from .test_organiser import _register


def _request(app, dbsession, user=None):
    from pyramid.request import Request
    from pyramid.threadlocal import RequestContext

    request = Request.blank("/", base_url="https://hub.example.org")
    request.registry = app.registry
    request.dbsession = dbsession
    request.identity_override = user
    return request, RequestContext(request)


def test_home_widget_dashboard_and_my_events(testapp, users, make_event, dbsession):
    event = make_event(title="Widgetová přednáška")
    _register(dbsession, event, users.member)
    assert "Widgetová přednáška" in html_text(testapp.get("/"))
    testapp.login(users.member)
    assert "Widgetová přednáška" in html_text(testapp.get("/my"))
    mine = html_text(testapp.get("/events/mine"))
    assert "Widgetová přednáška" in mine


def test_profile_section_is_private(app, users, make_event, dbsession):
    from hub_events.hooks import hub_profile_sections

    event = make_event(title="Soukromá registrace")
    _register(dbsession, event, users.member)
    section = hub_profile_sections(None, users.member)[0]

    class Viewer:
        def __init__(self, user, staff=False):
            self.identity = user
            self._staff = staff

        def has_permission(self, permission):
            return self._staff

    assert section.render(Viewer(users.other_representative), users.member) is None


def test_personal_data_export_and_erase(app, users, make_event, dbsession, registry):
    from hub.jobs import background_request
    from hub_events.hooks import hub_personal_data_erase, hub_personal_data_export
    from hub_events.models import Feedback, Registration

    past = make_event(title="Minulá", starts_at=utcnow() - dt.timedelta(days=3))
    future = make_event(title="Budoucí", capacity=1)
    old = _register(dbsession, past, users.member, needs_step_free=True, attended=True)
    _register(dbsession, future, users.member)
    waiting = _register(dbsession, future, users.representative, status="waitlisted")
    dbsession.add(Feedback(event_id=past.id, registration_id=old.id, rating=4, comment="Dobré"))
    dbsession.flush()
    request = background_request(registry)
    request.dbsession = dbsession
    request.tm = __import__("transaction").manager
    exported = hub_personal_data_export(request, users.member)["Event registrations"]
    assert {r["event"] for r in exported} == {"Minulá", "Budoucí"}
    assert any(r["needs_step_free"] for r in exported)
    past.created_by_id = users.member.id
    dbsession.flush()
    assert hub_personal_data_export(request, users.member)["Events created"][0]["id"] == past.id
    hub_personal_data_erase(request, users.member)
    dbsession.refresh(past)
    assert past.created_by_id is None
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.email == users.member.email)) == 0
    dbsession.refresh(waiting)
    assert waiting.status == "offered"  # the freed place went to the waiting list
    feedback = dbsession.scalar(sa.select(Feedback))
    assert feedback.registration_id is None and feedback.rating == 4


def test_segment_criteria_and_activity(app, users, make_event, dbsession):
    from hub_events.hooks import hub_activity, hub_segment_criteria

    event = make_event(starts_at=utcnow() - dt.timedelta(days=1))
    _register(dbsession, event, users.member, attended=True)
    _register(dbsession, event, users.representative)
    criteria = {c.name: c for c in hub_segment_criteria()}
    registered = set(dbsession.scalars(criteria["events.registered_for"].user_ids(
        None, str(event.id))))
    attended = set(dbsession.scalars(criteria["events.attended"].user_ids(None, str(event.id))))
    assert registered == {users.member.id, users.representative.id}
    assert attended == {users.member.id}

    class Req:
        def __init__(self):
            self.dbsession = dbsession

        def route_path(self, name, **kw):
            return f"/events/{kw['id']}"

    kinds = [e["kind"] for e in hub_activity(Req(), users.member)]
    assert sorted(kinds) == ["event_attendance", "event_registration"]


def test_recordings_and_upcoming_hooks(testapp, make_event, dbsession, registry):
    from hub.jobs import background_request

    make_event(title="Nahraná", starts_at=utcnow() - dt.timedelta(days=9),
               embed_url="https://www.youtube-nocookie.com/embed/x", recording_published=True)
    make_event(title="Nezveřejněná", starts_at=utcnow() - dt.timedelta(days=9),
               video_url="https://video.example.org/1")
    make_event(title="Brzy")
    request = background_request(registry)
    request.dbsession = dbsession
    recordings = [r for part in registry["hub.pm"].hook.hub_event_recordings(request=request)
                  for r in part]
    assert [r["title"] for r in recordings] == ["Nahraná"]
    upcoming = [e for part in registry["hub.pm"].hook.hub_upcoming_events(request=request)
                for e in part]
    assert "Brzy" in [e["title"] for e in upcoming]
    assert "Nahraná" in html_text(testapp.get("/events/archive"))


def test_search(app, make_event, dbsession, registry):
    from hub.jobs import background_request
    from hub.search.query import search

    make_event(title="Roztroušená skleróza dnes")
    draft = make_event(title="Roztroušená – koncept", state="draft")
    request = background_request(registry)
    request.dbsession = dbsession
    titles = [r.title for r in search(request, "skleroza").results]
    assert titles == ["Roztroušená skleróza dnes"]
    draft.state = "published"
    dbsession.flush()
    assert len(search(request, "ROZTROUŠ").results) == 2


def test_demo_data_is_idempotent(dbsession, registry):
    from hub_events.demo import create_demo_data
    from hub_events.models import Event

    create_demo_data(dbsession, 1, registry)
    first = dbsession.scalar(sa.select(sa.func.count()).select_from(Event))
    create_demo_data(dbsession, 1, registry)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Event)) == first
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.recording_published.is_(True))) >= 2
    create_demo_data(dbsession, 3)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Event)) == first + 60


def test_list_page_does_not_query_per_row(testapp, make_event, registry):
    for i in range(40):
        make_event(title=f"Akce {i}", topics=[("diabetes", "oncology", "legislation")[i % 3]])
    engine = registry["hub.dbengine"]
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    testapp.get("/events")  # warm caches
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        testapp.get("/events")
        few = len(statements)
        statements.clear()
        testapp.get("/events?page=2")
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert few <= 12 and len(statements) <= 12


def test_czech_catalogue_is_complete():
    from babel.messages.pofile import read_po

    po = Path(__file__).parents[1] / "hub_events/locale/cs/LC_MESSAGES/hub_events.po"
    with po.open("rb") as handle:
        catalog = read_po(handle)
    empty = [m.id for m in catalog if m.id and not m.string]
    assert empty == []
    assert len(catalog) > 100


def test_profile_page_lists_my_events(testapp, users, make_event, dbsession):
    event = make_event(title="Profilová akce")
    _register(dbsession, event, users.member)
    testapp.login(users.member)
    assert "Profilová akce" in html_text(testapp.get("/profile"))


def test_detail_and_registrations_pages_do_not_query_per_registration(testapp, users,
                                                                       make_event, dbsession,
                                                                       registry):
    """Counts this plugin's queries (the page shell's own queries are the core's)."""
    from hub.testing import make_user

    event = make_event(capacity=100)
    for i in range(60):
        _register(dbsession, event, make_user(dbsession, f"many{i}@example.org"))
    engine = registry["hub.dbengine"]
    statements = []

    def count(conn, cursor, statement, *args):
        if "events_" in statement:
            statements.append(statement)

    testapp.login(users.staff)
    counts = {}
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for url in (f"/events/{event.id}", f"/events/manage/{event.id}/registrations",
                    f"/events/manage/{event.id}/checkin"):
            statements.clear()
            testapp.get(url)
            counts[url] = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert all(n <= 6 for n in counts.values()), counts
