"""The staff's library at /admin/media: upload, describe, caption, delete."""
from pathlib import Path

import sqlalchemy as sa
from pyramid.renderers import render
from webtest import Upload

from hub.media import MediaItem

from .conftest import CAPTIONS, CAPTIONS_EN, PNG, WEBM

PLAYER_PAGE = str(Path(__file__).with_name("player_page.pt"))


def _items(dbsession, **where):
    dbsession.expire_all()
    return dbsession.scalars(sa.select(MediaItem).filter_by(**where)).all()


def test_the_library_is_for_staff_only_and_in_the_admin_menu(testapp, users):
    testapp.get("/admin/media", status=302)
    testapp.login(users.member)
    testapp.get("/admin/media", status=403)
    testapp.login(users.staff)
    page = testapp.get("/admin")
    assert 'href="/admin/media"' in page.text and "Knihovna médií" in page.text
    assert "Nahrát obrázek" in testapp.get("/admin/media").text


def test_an_image_needs_its_alternative_text_and_is_published_only_when_chosen(
        testapp, users, dbsession):
    testapp.login(users.staff)
    page = testapp.get("/admin/media/new?kind=image")
    form = page.forms["media-form"]
    assert not form["is_public"].checked  # a photo of people is published by a decision
    assert page.html.find("input", {"name": "file"}).has_attr("data-hub-resumable")
    form["file"] = Upload("logo.png", PNG, "image/png")
    form["title"] = "Logo spolku"
    answer = form.submit(status=422)
    assert "Vyplňte toto pole." in answer.text
    assert 'href="#media-alt"' in answer.text
    alt = answer.html.find(id="media-alt")
    assert "media-alt-error" in alt["aria-describedby"]
    assert _items(dbsession) == []
    form = answer.forms["media-form"]
    form["file"] = Upload("logo.png", PNG, "image/png")
    form["alt"] = "Logo spolku: modré srdce"
    form["is_public"] = True
    form.submit(status=303)
    item, = _items(dbsession)
    assert (item.kind, item.is_public, item.alt, item.file_name) == (
        "image", True, "Logo spolku: modré srdce", "logo.png")


def test_a_file_of_another_kind_is_refused_with_a_clear_message(testapp, users, english_staff):
    testapp.login(users.staff)
    form = testapp.get("/admin/media/new?kind=video").forms["media-form"]
    form["file"] = Upload("logo.png", PNG, "image/png")
    form["title"] = "Video"
    answer = form.submit(status=422)
    assert "Tento typ souboru zde nelze nahrát. Přijímáme: MP4, WebM." in answer.text
    testapp.login(english_staff)
    form = testapp.get("/admin/media/new?kind=video").forms["media-form"]
    form["file"] = Upload("logo.png", PNG, "image/png")
    form["title"] = "Video"
    answer = form.submit(status=422)
    assert "This type of file is not accepted here. Accepted: MP4, WebM." in answer.text


def test_a_video_is_uploaded_with_captions_and_a_transcript(testapp, users, dbsession,
                                                            english_staff):
    testapp.login(users.staff)
    form = testapp.get("/admin/media/new?kind=video").forms["media-form"]
    assert not form["is_public"].checked  # a recording of people is private by default
    form["file"] = Upload("prednaska.webm", WEBM, "video/webm")
    form["title"] = "Přednáška"
    form["captions_cs_file"] = Upload("titulky.vtt", CAPTIONS.encode(), "text/vtt")
    form["captions_en"] = "WEBVTT\n\n00:00:03.000 --> 00:00:01.000\nBad\n"
    answer = form.submit(status=422)
    assert "Řádek 3: titulek musí skončit později, než začne." in answer.text
    testapp.login(english_staff)
    form = testapp.get("/admin/media/new?kind=video").forms["media-form"]
    form["file"] = Upload("prednaska.webm", WEBM, "video/webm")
    form["title"] = "Přednáška"
    form["captions_en"] = "WEBVTT\n\n00:00:03.000 --> 00:00:01.000\nBad\n"
    assert "Line 3: a cue must end after it starts." in form.submit(status=422).text
    form["file"] = Upload("prednaska.webm", WEBM, "video/webm")
    form["captions_cs_file"] = Upload("titulky.vtt", CAPTIONS.encode(), "text/vtt")
    form["captions_en"] = CAPTIONS_EN
    form["transcript"] = "Dobrý den."
    form["transcript_en"] = "Good afternoon."
    form.submit(status=303)
    item, = _items(dbsession)
    assert (item.kind, item.is_public, item.transcript_en) == ("video", False,
                                                               "Good afternoon.")
    assert {c.language: c.vtt for c in item.captions} == {"cs": CAPTIONS, "en": CAPTIONS_EN}
    # Emptying a language's text removes its captions.
    form = testapp.get(f"/admin/media/{item.id}").forms["media-form"]
    form["captions_en"] = ""
    form.submit(status=303)
    assert [c.language for c in _items(dbsession)[0].captions] == ["cs"]


def test_list_filters_by_kind_and_title(testapp, users, add_item):
    add_item("image", title="Logo spolku")
    add_item("video", title="Přednáška o diabetu")
    testapp.login(users.staff)
    page = testapp.get("/admin/media", {"kind": "video"})
    assert "Přednáška o diabetu" in page.text and "Logo spolku" not in page.text
    page = testapp.get("/admin/media", {"q": "logo"})
    assert "Logo spolku" in page.text and "Přednáška" not in page.text


def test_deleting_an_unused_item(testapp, users, add_item, dbsession):
    item = add_item("image")
    testapp.login(users.staff)
    form = testapp.get(f"/admin/media/{item.id}").forms["media-delete"]
    form.submit(status=303)
    assert _items(dbsession) == []


def test_public_files_without_english_texts_are_listed_for_translators(
        testapp, users, add_item):
    add_item("image", title="Logo spolku", alt="Modré srdce", is_public=True)
    add_item("image", title="Plakát", title_en="Poster", alt="Plakát", alt_en="Poster",
             is_public=True)
    add_item("video", title="Neveřejný záznam")
    testapp.login(users.staff)
    page = testapp.get("/admin/translations")
    assert "Logo spolku" in page.text
    assert "Plakát" not in page.text and "Neveřejný záznam" not in page.text


def test_recordings_larger_than_the_setting_are_refused(make_app, make_testapp, users):
    client = make_testapp(make_app(**{"hub.media.max_size": "1024"}))
    client.login(users.staff)
    form = client.get("/admin/media/new?kind=video").forms["media-form"]
    form["file"] = Upload("dlouhy.webm", WEBM, "video/webm")
    form["title"] = "Dlouhý záznam"
    answer = form.submit(status=422)
    assert "Soubor je větší než 1 kB." in answer.text


def test_an_audio_recording_plays_in_an_audio_element(testapp, users, dbsession,
                                                       hook_request):
    ogg = b"OggS\x00\x02" + bytes(range(256)) * 4
    testapp.login(users.staff)
    form = testapp.get("/admin/media/new?kind=audio").forms["media-form"]
    assert "poster_id" not in form.fields  # a poster only for videos
    form["file"] = Upload("podcast.ogg", ogg, "audio/ogg")
    form["title"] = "Podcast"
    form["captions_cs"] = CAPTIONS
    form["is_public"] = True
    form.submit(status=303)
    item, = _items(dbsession)
    assert (item.kind, item.content_type) == ("audio", "audio/ogg")
    answer = testapp.get(f"/media/{item.id}/podcast.ogg")
    assert answer.content_type == "audio/ogg" and answer.body == ogg
    html = render(PLAYER_PAGE, {"item": item, "lang": "en"}, request=hook_request())
    assert "<video" not in html and '<audio id="media-' in html
    assert f'<source src="/media/{item.id}/podcast.ogg" type="audio/ogg">' in html
    assert 'kind="captions"' in html
