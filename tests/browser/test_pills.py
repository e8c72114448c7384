"""Pills (topics, accessibility features) are drawn without list bullets."""
import sqlalchemy as sa


def test_event_topic_pills_have_no_bullets(page_for, live_server):
    from hub_events.models import Event

    with live_server.registry["hub.dbsession_factory"]() as db:
        event = next(e for e in db.scalars(sa.select(Event).where(Event.state == "published")
                                           .order_by(Event.id)) if e.topics)
        event_id = event.id
    page = page_for()
    page.goto(f"{live_server.url}/events/{event_id}")
    pills = page.locator("ul.events-tags > li")
    assert pills.count() > 0
    bullets = pills.evaluate_all(
        "items => items.map(li => getComputedStyle(li, '::before').content)")
    assert set(bullets) <= {"none", "normal"}, bullets
