"""Files and captions at /media: ranges, validators, who may read, the player."""
import hashlib
from pathlib import Path

from .conftest import CAPTIONS, CAPTIONS_EN, WEBM

PAGE = str(Path(__file__).with_name("player_page.pt"))


def test_a_public_file_answers_ranges_with_validators(testapp, add_item):
    item = add_item(is_public=True, file_name="zaznam.webm")
    url = f"/media/{item.id}/zaznam.webm"
    whole = testapp.get(url)
    assert whole.body == WEBM and whole.content_type == "video/webm"
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    assert whole.headers["Content-Disposition"].startswith("inline")
    assert whole.headers["ETag"] == f'"{hashlib.sha256(WEBM).hexdigest()}"'
    assert whole.headers["Last-Modified"]
    part = testapp.get(url, headers={"Range": "bytes=10-19"}, status=206)
    assert part.body == WEBM[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(WEBM)}"
    tail = testapp.get(url, headers={"Range": "bytes=-5"}, status=206)
    assert tail.body == WEBM[-5:]
    outside = testapp.get(url, headers={"Range": f"bytes={len(WEBM) + 10}-"}, status=416)
    assert outside.headers["Content-Range"] == f"bytes */{len(WEBM)}"
    testapp.get(url, headers={"If-None-Match": whole.headers["ETag"]}, status=304)


def test_serving_a_file_reads_only_its_item(testapp, add_item, connection, dbsession):
    """A player asks for many ranges of a file: each answer reads the item, not its
    captions or poster."""
    from hub.testing import count_queries

    item = add_item(is_public=True, file_name="zaznam.webm", captions={"cs": CAPTIONS})
    dbsession.expunge_all()
    with count_queries(connection) as statements:
        testapp.get(f"/media/{item.id}/zaznam.webm", headers={"Range": "bytes=0-9"},
                    status=206)
    media_reads = [s for s in statements if "media_" in s]
    assert len(media_reads) == 1 and "media_caption" not in media_reads[0]


def test_a_private_file_is_not_there_for_visitors_but_staff_read_it(testapp, users, add_item):
    item = add_item(is_public=False, captions={"cs": CAPTIONS})
    testapp.get(f"/media/{item.id}/soubor.video", status=404)
    testapp.get(f"/media/{item.id}/captions/cs.vtt", status=404)
    testapp.get(f"/api/v1/media/{item.id}", status=404)
    testapp.login(users.member)
    testapp.get(f"/media/{item.id}/soubor.video", status=404)
    testapp.login(users.staff)
    answer = testapp.get(f"/media/{item.id}/soubor.video")
    assert answer.body == WEBM and "no-store" in answer.headers["Cache-Control"]


def test_captions_are_served_as_webvtt(testapp, add_item):
    item = add_item(is_public=True, captions={"cs": CAPTIONS, "en": CAPTIONS_EN})
    answer = testapp.get(f"/media/{item.id}/captions/en.vtt")
    assert answer.headers["Content-Type"] == "text/vtt; charset=utf-8"
    assert answer.text == CAPTIONS_EN
    assert testapp.get(f"/media/{item.id}/captions/cs.vtt").text == CAPTIONS
    testapp.get(f"/media/{item.id}/captions/de.vtt", status=404)


def test_the_player_has_captions_tracks_a_poster_and_the_transcript(
        hook_request, add_item):
    from pyramid.renderers import render

    poster = add_item("image", is_public=True, file_name="plakat.png")
    item = add_item(is_public=True, poster=poster, captions={"cs": CAPTIONS, "en": CAPTIONS_EN},
                    transcript="První odstavec.\n\nDruhý odstavec.",
                    transcript_en="First paragraph.")
    request = hook_request()
    html = " ".join(render(PAGE, {"item": item, "lang": "cs"}, request=request).split())
    assert f'poster="/media/{poster.id}/plakat.png"' in html
    assert 'preload="metadata"' in html and "controls" in html
    assert f'<source src="/media/{item.id}/soubor.video" type="video/webm">' in html
    assert (f'src="/media/{item.id}/captions/cs.vtt" srclang="cs" label="Čeština" '
            'default="default"') in html
    assert html.count('kind="captions"') == 2
    assert html.index('srclang="cs"') < html.index('srclang="en"')
    assert "<details" in html and "<p>Druhý odstavec.</p>" in html
    assert "http" not in html.split("<details")[0].replace("https://hub.example.org", "")
