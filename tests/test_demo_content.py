"""Demo content a ministry could show: no videos of unrelated talks, no events on days the
hub is closed, and materials that open."""
import re

import sqlalchemy as sa

FOREIGN_VIDEO = re.compile(r"youtube|youtu\.be|vimeo|example\.org", re.I)


def load(dbsession, registry):
    from hub.demo import core_demo_data
    from hub_booking.demo import create_demo_data as booking
    from hub_elearning.demo import create_demo_data as elearning
    from hub_events.demo import create_demo_data as events

    core_demo_data(dbsession, 1)
    booking(dbsession, 1)
    events(dbsession, 1, registry)
    elearning(dbsession, 1)
    dbsession.flush()


def test_demo_events_avoid_the_hubs_closures_and_weekends(dbsession, registry):
    from hub_booking.models import ClosedPeriod
    from hub_events.models import Event
    from hub_events.services import PRAGUE

    load(dbsession, registry)
    events = dbsession.scalars(sa.select(Event)).all()
    closures = dbsession.scalars(sa.select(ClosedPeriod).where(
        ClosedPeriod.room_id.is_(None))).all()
    assert events and closures
    for event in events:
        assert event.starts_at.astimezone(PRAGUE).weekday() < 5, event.title
        for closure in closures:
            assert not (event.starts_at < closure.ends_at and closure.starts_at < event.ends_at), \
                (event.title, closure.reason)


def test_demo_recordings_link_no_unrelated_video_and_materials_open(
        dbsession, registry, testapp):
    import transaction

    from hub_elearning.models import Lesson
    from hub_events.models import Event

    load(dbsession, registry)
    events = dbsession.scalars(sa.select(Event)).all()
    lessons = dbsession.scalars(sa.select(Lesson)).all()
    for url in [e.video_url for e in events] + [e.embed_url for e in events] + \
            [lesson.video_url for lesson in lessons] + [lesson.embed_url for lesson in lessons]:
        assert not FOREIGN_VIDEO.search(url or ""), url
    recorded = [e for e in events if e.recording_published]
    assert recorded and all(e.transcript for e in recorded)
    transaction.commit()
    page = testapp.get(f"/events/{recorded[0].id}")
    # The materials are public documents of the media library, served by the hub itself.
    links = [a["href"] for a in page.html.select("#materials ~ ul a")]
    assert links
    for link in links:
        assert link.startswith("/media/"), link
        response = testapp.get(link)
        assert response.content_type == "application/pdf" and response.body[:5] == b"%PDF-"
