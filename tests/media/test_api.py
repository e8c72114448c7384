"""/api/v1/media: the library for API clients and the editor's image picker."""
import sqlalchemy as sa

from hub.media import MediaItem

from .conftest import CAPTIONS, PNG, WEBM, csrf_headers


def test_visitors_list_public_items_and_staff_all(testapp, users, add_item):
    public = add_item("image", title="Logo", title_en="Logo EN", alt="Logo spolku",
                      alt_en="The association's logo", is_public=True)
    add_item("video", title="Neveřejné video")
    answer = testapp.get("/api/v1/media", {"kind": "image"}).json
    assert answer["total"] == 1 and answer["next_offset"] is None
    item, = answer["items"]
    assert item["url"] == f"https://hub.example.org/media/{public.id}/soubor.image"
    assert (item["alt"], item["translations"]["en"]["alt"]) == (
        "Logo spolku", "The association's logo")
    english = testapp.get("/api/v1/media", headers={"Accept-Language": "en"}).json
    assert english["items"][0]["alt"] == "The association's logo"
    assert testapp.get("/api/v1/media").json["total"] == 1
    testapp.login(users.staff)
    assert testapp.get("/api/v1/media").json["total"] == 2
    assert testapp.get("/api/v1/media", {"q": "video"}).json["total"] == 1
    # What a page may show (the editor's image picker asks for it): public items only.
    assert [i["id"] for i in testapp.get("/api/v1/media", {"public": "1"}).json["items"]] == [
        public.id]
    testapp.get("/api/v1/media", {"kind": "program"}, status=422)
    testapp.get("/api/v1/media", {"public": "yes"}, status=422)


def test_staff_upload_with_a_multipart_body(testapp, users, dbsession):
    testapp.login(users.staff)
    answer = testapp.post("/api/v1/media", {"title": "Logo", "alt": ""},
                          upload_files=[("file", "logo.png", PNG)],
                          headers=csrf_headers(testapp), status=422).json
    assert answer["error"]["details"]["fields"]["alt"] == (
        "Popište obrázek pro lidi, kteří ho nevidí (alternativní text).")
    answer = testapp.post("/api/v1/media", {"title": "Přednáška", "captions_cs": CAPTIONS,
                                            "transcript": "Dobrý den."},
                          upload_files=[("file", "film.webm", WEBM)],
                          headers=csrf_headers(testapp), status=201).json
    assert (answer["kind"], answer["is_public"], answer["content_type"]) == (
        "video", False, "video/webm")
    assert answer["captions"] == [{"language": "cs", "url": answer["url"].rsplit("/", 1)[0]
                                   + "/captions/cs.vtt"}]
    assert dbsession.get(MediaItem, answer["id"]).transcript == "Dobrý den."


def test_patch_checks_captions_and_messages_follow_the_language(testapp, users, add_item,
                                                                english_staff):
    item = add_item("video", is_public=False)
    testapp.login(users.staff)
    url = f"/api/v1/media/{item.id}"
    bad = {"captions": {"en": "WEBVTT\n\n00:02.000 --> 00:01.000\nx\n"}}
    answer = testapp.patch_json(url, bad, headers=csrf_headers(testapp), status=422).json
    assert answer["error"]["details"]["fields"]["captions.en"] == (
        "Řádek 3: titulek musí skončit později, než začne.")
    testapp.login(english_staff)
    answer = testapp.patch_json(url, bad, headers=csrf_headers(testapp), status=422).json
    assert answer["error"]["details"]["fields"]["captions.en"] == (
        "Line 3: a cue must end after it starts.")
    answer = testapp.patch_json(url, {"captions": {"cs": CAPTIONS}, "is_public": True,
                                      "translations": {"en": {"title": "Recording"}}},
                                headers=csrf_headers(testapp)).json
    assert answer["is_public"] and answer["captions"][0]["language"] == "cs"
    assert answer["translations"]["en"]["title"] == "Recording"
    testapp.patch_json(url, {"kind": "image"}, headers=csrf_headers(testapp), status=422)


def test_an_image_cannot_lose_its_alternative_text(testapp, users, add_item, dbsession):
    item = add_item("image")
    testapp.login(users.staff)
    testapp.patch_json(f"/api/v1/media/{item.id}", {"alt": " "},
                       headers=csrf_headers(testapp), status=422)
    dbsession.expire_all()
    assert dbsession.get(MediaItem, item.id).alt == "Popis obrázku"


def test_members_cannot_write_and_a_json_upload_needs_a_usable_token(testapp, users):
    testapp.login(users.member)
    testapp.post_json("/api/v1/media", {"upload": "x", "title": "T"},
                      headers=csrf_headers(testapp), status=403)
    testapp.login(users.staff)
    answer = testapp.post_json("/api/v1/media", {"upload": "no-such-upload", "title": "T"},
                               headers=csrf_headers(testapp), status=409).json
    assert answer["error"]["code"] == "upload_unusable"


def test_delete(testapp, users, add_item, dbsession):
    item = add_item("image")
    testapp.login(users.staff)
    testapp.delete(f"/api/v1/media/{item.id}", headers=csrf_headers(testapp))
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(MediaItem)) == 0
    testapp.delete(f"/api/v1/media/{item.id}", headers=csrf_headers(testapp), status=404)


def _tus_upload(client, data: bytes, filename: str) -> str:
    """A finished resumable upload (hub.uploads, tus 1.0.0); its token."""
    import base64

    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}"
                    for k, v in (("filename", filename), ("filetype", "video/webm")))
    base = {"Tus-Resumable": "1.0.0", "Origin": client.origin,
            "X-CSRF-Token": client.csrf_token}
    created = client.post("/uploads", b"", headers={**base, "Upload-Length": str(len(data)),
                                                    "Upload-Metadata": meta}, status=201)
    path = created.headers["Location"].split("hub.example.org", 1)[-1]
    client.patch(path, data, headers={**base, "Upload-Offset": "0"},
                 content_type="application/offset+octet-stream", status=204)
    return path.rsplit("/", 1)[1]


def test_a_resumable_upload_is_claimed_by_its_token(testapp, users, dbsession):
    testapp.login(users.staff)
    token = _tus_upload(testapp, WEBM, "dlouhy-zaznam.webm")
    answer = testapp.post_json("/api/v1/media", {"upload": token, "title": "Dlouhý záznam",
                                                 "captions": {"cs": CAPTIONS}},
                               headers=csrf_headers(testapp), status=201).json
    assert (answer["kind"], answer["file_name"], answer["size"]) == (
        "video", "dlouhy-zaznam.webm", len(WEBM))
    # The token is used up.
    testapp.post_json("/api/v1/media", {"upload": token, "title": "Znovu"},
                      headers=csrf_headers(testapp), status=409)
    # The library's form takes a token in its hidden field instead of a file.
    token = _tus_upload(testapp, WEBM, "druhy.webm")
    form = testapp.get("/admin/media/new?kind=video").forms["media-form"]
    form["title"] = "Druhý záznam"
    form["upload"].force_value(token)
    form.submit(status=303)
    dbsession.expire_all()
    assert dbsession.scalar(sa.select(MediaItem.file_name).where(
        MediaItem.title == "Druhý záznam")) == "druhy.webm"


def test_an_uploaded_file_of_a_refused_type_is_invalid_input(testapp, users):
    testapp.login(users.staff)
    token = _tus_upload(testapp, b"MZ\x90\x00" + b"\x00" * 100, "program.exe")
    answer = testapp.post_json("/api/v1/media", {"upload": token, "title": "Program"},
                               headers=csrf_headers(testapp), status=422).json
    assert answer["error"]["details"]["fields"] == {"file": "invalid"}
