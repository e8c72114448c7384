"""Recordings hosted in the core's media library: captions required, played by the hub."""
import datetime as dt

import pytest
import sqlalchemy as sa

from hub.consent import Subject, give
from hub.db import utcnow

from .conftest import api_headers, job_request

WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 28 + b"V_VP9" + bytes(range(256)) * 4
CAPTIONS = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nDobrý den.\n"
CAPTIONS_EN = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nGood afternoon.\n"


@pytest.fixture
def library_video(add_media):
    """``library_video(captions={...})``: a private video of the media library."""

    def _make(captions=None, **values):
        return add_media("video", WEBM, file_name="zaznam.webm", captions=captions, **{
            "title": "Záznam přednášky", "transcript": "Dobrý den, vítejte.",
            "transcript_en": "Good afternoon, welcome.", **values})

    return _make


@pytest.fixture
def released_event(make_event, dbsession, registry):
    """A past event whose only speaker released the recording."""
    from hub_events import release
    from hub_events.models import Talk

    event = make_event(starts_at=utcnow() - dt.timedelta(days=2), transcript="")
    talk = Talk(event_id=event.id, title="Úvod", speaker="MUDr. Jana Dvořáková",
                speaker_email="jana@example.org", starts_at=event.starts_at,
                ends_at=event.ends_at)
    dbsession.add(talk)
    dbsession.flush()
    give(job_request(registry, dbsession), Subject.of_email(talk.speaker_email),
         release.PURPOSE, release.SPEAKER_RELEASE.text_version, "double_opt_in",
         object=f"recording:{event.id}")
    return event


def _publish(testapp, event, media_id, status=303):
    form = testapp.get(f"/events/manage/{event.id}").forms["events-event"]
    form["recording_media_id"] = str(media_id)
    form["recording_published"] = True
    return form.submit(status=status)


def test_a_recording_without_captions_cannot_be_published(
        testapp, users, released_event, library_video, dbsession):
    from hub.media import MediaCaption

    item = library_video()
    testapp.login(users.staff)
    page = _publish(testapp, released_event, item.id, status=422)
    assert "Záznam v knihovně médií nemá titulky." in page.text
    dbsession.refresh(released_event)
    assert not released_event.recording_published
    item.captions.append(MediaCaption(language="cs", vtt=CAPTIONS))
    dbsession.flush()
    _publish(testapp, released_event, item.id)
    dbsession.refresh(released_event)
    assert released_event.recording_published
    assert released_event.recording_media_id == item.id


def test_only_audio_or_video_of_the_library_can_be_chosen(
        testapp, users, released_event, dbsession):
    testapp.login(users.staff)
    form = testapp.get(f"/events/manage/{released_event.id}").forms["events-event"]
    form["recording_media_id"].force_value("999999")
    page = form.submit(status=422)
    assert "Vyberte video nebo zvukový záznam z knihovny médií." in page.text


def test_the_api_refuses_publishing_a_recording_without_captions(
        testapp, users, library_video):
    item = library_video()
    testapp.login(users.staff)
    start = utcnow() + dt.timedelta(days=3)
    body = {"title": "Záznam", "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=1)).isoformat(), "address": "Praha",
            "recording_media_id": item.id, "recording_published": True}
    answer = testapp.post_json("/api/v1/events", body, headers=api_headers(testapp),
                               status=422).json
    assert "titulky" in answer["error"]["details"]["fields"]["recording_published"]


def test_the_event_page_plays_the_hosted_recording_with_captions(
        testapp, users, released_event, library_video, dbsession):
    item = library_video(captions={"cs": CAPTIONS, "en": CAPTIONS_EN})
    released_event.recording_media_id = item.id
    released_event.recording_published = True
    dbsession.flush()
    page = testapp.get(f"/events/{released_event.id}")
    video = page.html.find("video")
    source = video.find("source")
    assert source["src"] == f"/events/{released_event.id}/recording/zaznam.webm"
    tracks = video.find_all("track")
    assert [(t["kind"], t["srclang"]) for t in tracks] == [("captions", "cs"),
                                                         ("captions", "en")]
    assert tracks[0].has_attr("default") and not tracks[1].has_attr("default")
    assert "Dobrý den, vítejte." in page.html.find("details", class_="hub-media-transcript").text
    # The item stays private in the library; the event serves it under its own rules.
    testapp.get(f"/media/{item.id}/zaznam.webm", status=404)
    part = testapp.get(source["src"], headers={"Range": "bytes=0-3"}, status=206)
    assert part.body == WEBM[:4]
    vtt = testapp.get(tracks[1]["src"])
    assert vtt.headers["Content-Type"] == "text/vtt; charset=utf-8" and vtt.text == CAPTIONS_EN
    # Withdrawn or unpublished: the file goes with the page's recording. (Signed in: the
    # kept anonymous page empties only when a change commits, which a test never does.)
    released_event.recording_published = False
    dbsession.flush()
    testapp.login(users.member)
    assert testapp.get(f"/events/{released_event.id}").html.find("video") is None
    testapp.get(source["src"], status=404)
    testapp.get(tracks[0]["src"], status=404)


def test_a_hosted_recording_is_shown_only_while_it_has_captions(
        testapp, users, released_event, library_video, dbsession):
    item = library_video(captions={"cs": CAPTIONS})
    released_event.recording_media_id = item.id
    released_event.recording_published = True
    dbsession.flush()
    assert testapp.get(f"/events/{released_event.id}").html.find("video") is not None
    item.captions.clear()
    dbsession.flush()
    testapp.login(users.member)  # past the kept anonymous page (see above)
    assert testapp.get(f"/events/{released_event.id}").html.find("video") is None
    testapp.get(f"/events/{released_event.id}/recording/zaznam.webm", status=404)


def test_the_library_refuses_deleting_a_recording_an_event_uses(
        testapp, users, released_event, library_video, dbsession):
    from hub.media import MediaItem

    item = library_video(captions={"cs": CAPTIONS})
    released_event.recording_media_id = item.id
    dbsession.flush()
    testapp.login(users.staff)
    answer = testapp.delete(f"/api/v1/media/{item.id}", headers=api_headers(testapp),
                            status=409).json
    assert answer["error"]["code"] == "in_use"
    assert answer["error"]["details"]["uses"] == [
        f"Záznam akce „{released_event.title}“"]
    form = testapp.get(f"/admin/media/{item.id}").forms["media-delete"]
    page = form.submit(status=409)
    assert "Soubor se stále používá" in page.text and released_event.title in page.text
    dbsession.expire_all()
    assert dbsession.get(MediaItem, item.id) is not None
    released_event.recording_media_id = None
    dbsession.flush()
    testapp.delete(f"/api/v1/media/{item.id}", headers=api_headers(testapp))
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(MediaItem)) == 0


def test_the_demo_recording_is_a_real_video_hosted_by_the_hub(testapp, dbsession, registry):
    from hub.demo import core_demo_data
    from hub.media.vtt import vtt_problem
    from hub.storage import sniff
    from hub_events.demo import create_demo_data
    from hub_events.models import Event

    core_demo_data(dbsession, 1)
    create_demo_data(dbsession, 1, registry)
    event = dbsession.scalars(sa.select(Event).where(Event.recording_media_id.is_not(None))
                              ).one()
    assert event.recording_published and not (event.video_url or event.embed_url)
    page = testapp.get(f"/events/{event.id}")
    video = page.html.find("video")
    assert [t["srclang"] for t in video.find_all("track")] == ["cs", "en"]
    assert video["poster"].startswith("/media/")
    body = testapp.get(video.find("source")["src"]).body
    assert sniff(body[:65536]) == "video/webm" and 1000 < len(body) < 50_000
    for track in video.find_all("track"):
        assert vtt_problem(testapp.get(track["src"]).text) is None
    assert page.text.count("Dobrý den, vítejte na přednášce.") == 1  # one transcript shown



def _hosted_events(make_event, library_video, n, first, **values):
    for i in range(first, first + n):
        item = library_video(captions={"cs": CAPTIONS, "en": CAPTIONS_EN})
        make_event(title=f"Záznam {i}", recording_published=True, recording_media_id=item.id,
                   **values)


def test_the_api_list_reads_hosted_recordings_in_a_fixed_number_of_statements(
        testapp, make_event, library_video, dbsession, connection):
    from hub.testing import page_query_counts

    pages = {"api list": "/api/v1/events"}
    _hosted_events(make_event, library_video, 1, 0)
    few = page_query_counts(testapp, connection, pages, "FROM media_")
    _hosted_events(make_event, library_video, 6, 1)
    items = testapp.get("/api/v1/events").json["items"]
    assert len(items) == 7
    assert all(e["recording"]["media"]["captions"] for e in items)
    many = page_query_counts(testapp, connection, pages, "FROM media_")
    assert many == few and few["api list"] <= 2, (few, many)


def test_the_recordings_hook_reads_hosted_recordings_in_a_fixed_number_of_statements(
        make_event, library_video, dbsession, registry, connection):
    from hub.testing import count_queries

    request = job_request(registry, dbsession)
    past = {"starts_at": utcnow() - dt.timedelta(days=3)}

    def count():
        dbsession.expunge_all()  # as a new request: nothing read yet
        with count_queries(connection) as statements:
            recordings = [r for part in registry["hub.pm"].hook.hub_event_recordings(
                request=request) for r in part]
        return recordings, sum("FROM media_" in s for s in statements)

    _hosted_events(make_event, library_video, 1, 0, **past)
    make_event(title="Vlastní video", recording_published=True,
               recording_media_id=library_video(captions={"cs": CAPTIONS}).id,
               video_url="https://video.example.org/1", **past)
    recordings, few = count()
    assert {r["title"]: r["video_url"].startswith("https://video.example.org/")
            for r in recordings} == {"Záznam 0": False, "Vlastní video": True}
    _hosted_events(make_event, library_video, 6, 1, **past)
    recordings, many = count()
    assert len(recordings) == 8 and many == few <= 2, (few, many)
