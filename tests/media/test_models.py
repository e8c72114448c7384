"""The library's invariants live in the database."""
import pytest
import sqlalchemy as sa

from hub.media import MediaCaption, MediaItem

FILE = {"file_key": "media/2026/12/abcdefghijklmnopqrstuvwxyz", "file_name": "a.png",
        "content_type": "image/png", "size": 10, "sha256": "0" * 64}


def test_an_image_without_alternative_text_is_refused_by_the_database(dbsession):
    for alt in ("", "   "):
        with pytest.raises(sa.exc.IntegrityError), dbsession.begin_nested():
            dbsession.add(MediaItem(kind="image", title="Logo", alt=alt, **FILE))
            dbsession.flush()
    dbsession.add(MediaItem(kind="image", title="Logo", alt="Logo spolku", **FILE))
    dbsession.flush()


def test_kinds_and_captions_are_checked(dbsession):
    with pytest.raises(sa.exc.IntegrityError), dbsession.begin_nested():
        dbsession.add(MediaItem(kind="program", title="x", **FILE))
        dbsession.flush()
    item = MediaItem(kind="video", title="Video", **{**FILE, "content_type": "video/webm"})
    dbsession.add(item)
    dbsession.flush()
    dbsession.add(MediaCaption(item_id=item.id, language="cs", vtt="WEBVTT\n"))
    dbsession.flush()
    with pytest.raises(sa.exc.IntegrityError), dbsession.begin_nested():
        dbsession.add(MediaCaption(item_id=item.id, language="cs", vtt="WEBVTT\n"))
        dbsession.flush()
    with pytest.raises(sa.exc.IntegrityError), dbsession.begin_nested():
        dbsession.add(MediaCaption(item_id=item.id, language="de", vtt="WEBVTT\n"))
        dbsession.flush()


def test_deleting_an_item_deletes_its_captions_and_clears_posters(dbsession):
    poster = MediaItem(kind="image", title="Plakát", alt="Plakát akce", **FILE)
    video = MediaItem(kind="video", title="Video", poster=poster,
                      **{**FILE, "content_type": "video/webm"})
    dbsession.add_all([poster, video])
    dbsession.flush()
    dbsession.add(MediaCaption(item_id=video.id, language="en", vtt="WEBVTT\n"))
    dbsession.flush()
    dbsession.execute(sa.delete(MediaItem).where(MediaItem.id == poster.id))
    dbsession.expire_all()
    assert dbsession.get(MediaItem, video.id).poster_id is None
    dbsession.execute(sa.delete(MediaItem).where(MediaItem.id == video.id))
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(MediaCaption)) == 0
