"""The tus 1.0.0 endpoints: creation, offsets, parts on the storage, owners, CSRF, limits."""
import types

import pytest
import sqlalchemy as sa
from tus import OFFSET_STREAM, b64, create, head, patch, path_of, tus_headers, upload

from hub.storage import get_store
from hub.uploads.models import Upload, UploadPart

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


@pytest.fixture
def staff_client(testapp, users):
    return testapp.login(users.staff)


def parts_dir(app, path: str):
    store = get_store(app.registry)
    return store.fs, f"{store.root}/_uploads/{path.rsplit('/', 1)[1]}"


def row(dbsession, path: str) -> Upload | None:
    dbsession.expire_all()
    return dbsession.get(Upload, path.rsplit("/", 1)[1])


def test_options_names_the_version_extensions_and_largest_size(staff_client):
    response = staff_client.options("/uploads", status=204)
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.headers["Tus-Version"] == "1.0.0"
    assert response.headers["Tus-Extension"] == "creation,termination,expiration"
    assert response.headers["Tus-Max-Size"] == str(2 * 1024 ** 3)


def test_an_upload_in_several_parts(staff_client, dbsession, users, app):
    created = create(staff_client, len(PDF), filename="Výroční zpráva.pdf")
    path = path_of(created)
    assert created.headers["Location"].startswith("https://hub.example.org/uploads/")
    assert "GMT" in created.headers["Upload-Expires"]
    upload_row = row(dbsession, path)
    assert (upload_row.user_id, upload_row.length, upload_row.offset) == (
        users.staff.id, len(PDF), 0)
    assert upload_row.filename == "Výroční zpráva.pdf"
    assert upload_row.content_type == "application/pdf"

    status = head(staff_client, path)
    assert status.headers["Upload-Offset"] == "0"
    assert status.headers["Upload-Length"] == str(len(PDF))
    assert status.headers["Cache-Control"] == "no-store"
    assert status.headers["Upload-Metadata"] == (
        f"filename {b64('Výroční zpráva.pdf')},filetype {b64('application/pdf')}")
    assert "GMT" in status.headers["Upload-Expires"]

    offset = 0
    for size in (4000, 4000, len(PDF) - 8000):
        answer = patch(staff_client, path, offset, PDF[offset:offset + size])
        offset += size
        assert answer.headers["Upload-Offset"] == str(offset)
        assert ("Upload-Expires" in answer.headers) == (offset < len(PDF))
    assert head(staff_client, path).headers["Upload-Offset"] == str(len(PDF))
    upload_row = row(dbsession, path)
    assert upload_row.completed_at is not None and upload_row.parts == 3
    parts = dbsession.scalars(sa.select(UploadPart).where(UploadPart.upload_id == upload_row.id)
                              .order_by(UploadPart.offset)).all()
    assert [(p.offset, p.size) for p in parts] == [(0, 4000), (4000, 4000),
                                                  (8000, len(PDF) - 8000)]
    fs, _prefix = parts_dir(app, path)
    store = get_store(app.registry)
    assert b"".join(fs.cat_file(f"{store.root}/{p.key}") for p in parts) == PDF


def test_a_wrong_offset_is_a_conflict(staff_client, dbsession):
    path = path_of(create(staff_client, len(PDF)))
    patch(staff_client, path, 0, PDF[:100])
    refused = patch(staff_client, path, 0, PDF[:100], status=409)
    assert "100" in refused.text
    patch(staff_client, path, 200, PDF[200:300], status=409)
    assert row(dbsession, path).offset == 100


def test_the_offset_moves_only_from_the_offset_the_request_saw(staff_client, dbsession,
                                                                monkeypatch, app):
    """Two requests read the same offset; the second one's UPDATE finds the row moved."""
    from hub.uploads import views

    path = path_of(create(staff_client, len(PDF)))
    stale = types.SimpleNamespace(**{c: getattr(row(dbsession, path), c) for c in (
        "id", "user_id", "offset", "length", "updated_at", "completed_at")})
    patch(staff_client, path, 0, PDF[:100])
    monkeypatch.setattr(views, "_own_upload", lambda request: stale)
    patch(staff_client, path, 0, PDF[:100], status=409)
    monkeypatch.undo()
    assert row(dbsession, path).offset == 100
    fs, prefix = parts_dir(app, path)
    assert len(fs.ls(prefix)) == 1  # the loser wrote nothing


def test_a_wrong_content_type_is_refused(staff_client, dbsession):
    path = path_of(create(staff_client, len(PDF)))
    patch(staff_client, path, 0, PDF[:100], status=415, content_type="application/octet-stream")
    assert row(dbsession, path).offset == 0


def test_too_large_uploads_and_bytes_past_the_length_are_refused(staff_client, dbsession):
    refused = create(staff_client, 2 * 1024 ** 3 + 1, status=413)
    assert refused.headers["Tus-Max-Size"] == str(2 * 1024 ** 3)
    path = path_of(create(staff_client, 10))
    patch(staff_client, path, 0, b"x" * 11, status=413)
    assert row(dbsession, path).offset == 0


@pytest.mark.parametrize("headers", [
    {"Upload-Length": "-1"},
    {"Upload-Length": "ten"},
    {},
    {"Upload-Length": "10", "Upload-Metadata": "filename ***"},
    {"Upload-Defer-Length": "1"},
])
def test_missing_or_invalid_creation_headers_are_refused(staff_client, headers):
    staff_client.post("/uploads", b"", headers={**tus_headers(staff_client), **headers},
                      status=400)


def test_a_client_of_another_protocol_version_is_refused(staff_client):
    headers = {**tus_headers(staff_client, Upload_Length=10), "Tus-Resumable": "0.2.2"}
    refused = staff_client.post("/uploads", b"", headers=headers, status=412)
    assert refused.headers["Tus-Version"] == "1.0.0"


def test_another_persons_upload_is_unknown(testapp, users, dbsession):
    testapp.login(users.staff)
    path = path_of(create(testapp, len(PDF)))
    testapp.logout().login(users.admin)
    head(testapp, path, status=404)
    patch(testapp, path, 0, PDF[:100], status=404)
    testapp.delete(path, headers=tus_headers(testapp), status=404)
    assert row(dbsession, path).offset == 0


def test_only_staff_may_upload(testapp, users, dbsession):
    before = dbsession.scalar(sa.select(sa.func.count()).select_from(Upload))
    create(testapp, 10, status=403)  # anonymous
    testapp.login(users.member)
    create(testapp, 10, status=403)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Upload)) == before


def test_requests_without_the_csrf_token_are_refused(staff_client, dbsession):
    headers = tus_headers(staff_client, csrf=False, Upload_Length=10)
    staff_client.post("/uploads", b"", headers=headers, status=400)
    path = path_of(create(staff_client, len(PDF)))
    patch(staff_client, path, 0, PDF[:100], status=400, csrf=False)
    headers = {**tus_headers(staff_client, Upload_Offset=0), "X-CSRF-Token": "forged" * 8}
    staff_client.patch(path, PDF[:100], headers=headers, content_type=OFFSET_STREAM, status=400)
    staff_client.delete(path, headers=tus_headers(staff_client, csrf=False), status=400)
    assert row(dbsession, path).offset == 0


def test_delete_removes_the_upload_and_its_parts(staff_client, dbsession, app):
    path = upload(staff_client, PDF[:3000], 1000)
    fs, prefix = parts_dir(app, path)
    assert len(fs.ls(prefix)) == 3
    staff_client.delete(path, headers=tus_headers(staff_client), status=204)
    head(staff_client, path, status=404)
    assert row(dbsession, path) is None
    assert not fs.exists(prefix)


def test_a_person_has_a_limited_number_of_unfinished_uploads(staff_client, app):
    limit = app.registry.settings["hub.uploads.max_unfinished"]
    paths = [path_of(create(staff_client, 10)) for _ in range(limit)]
    refused = create(staff_client, 10, status=429)
    assert f"Máte nedokončená nahrávání ({limit})" in refused.text  # a sentence to show
    patch(staff_client, paths[0], 0, b"0123456789")  # a finished upload does not count
    create(staff_client, 10)


def test_the_file_name_is_kept_without_control_characters(staff_client, dbsession):
    name = b64("a\nb.txt")
    headers = tus_headers(staff_client, Upload_Length=5, Upload_Metadata=f"filename {name}")
    path = path_of(staff_client.post("/uploads", b"", headers=headers, status=201))
    assert row(dbsession, path).filename == "ab.txt"
