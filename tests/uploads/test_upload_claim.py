"""Claiming a finished upload as one stored file, and removing old uploads."""
import datetime as dt
import hashlib
import io
import zipfile

import pytest
import sqlalchemy as sa
import transaction
from tus import create, patch, path_of, upload

from hub import storage as store
from hub.uploads import UploadError, claim, expire
from hub.uploads.models import Upload, UploadPart

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 300 + b"\n%%EOF\n"


@pytest.fixture
def staff_client(testapp, users):
    return testapp.login(users.staff)


def token_of(path: str) -> str:
    return path.rsplit("/", 1)[1]


def parts_prefix(app, token: str) -> str:
    s = store.get_store(app.registry)
    return f"{s.root}/_uploads/{token}"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>" * 2000)
    return buffer.getvalue()


def test_claim_assembles_the_exact_bytes_and_sniffs_the_type(staff_client, users, hook_request,
                                                             dbsession, app):
    token = token_of(upload(staff_client, PDF, 7000, filename="C:\\Dokumenty\\zpráva.pdf",
                            filetype="text/plain"))
    request = hook_request(users.staff)
    stored = claim(request, token, namespace="media", max_size=len(PDF),
                   allowed_types=store.DOCUMENTS)
    assert stored.content_type == store.PDF  # from the content, not the client's claim
    assert stored.size == len(PDF) and stored.filename == "zpráva.pdf"
    assert stored.key.startswith("media/")
    storage = store.get_store(app.registry)
    assert storage.read(stored.key) == PDF
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert dbsession.get(Upload, token) is None
    assert not dbsession.scalars(sa.select(UploadPart).where(UploadPart.upload_id == token)).all()
    prefix = parts_prefix(app, token)
    assert storage.fs.exists(prefix)  # parts go only once the claim has committed
    transaction.commit()
    assert not storage.fs.exists(prefix)
    assert storage.read(stored.key) == PDF
    storage.remove(stored.key)


def test_a_zipped_office_document_is_recognised_from_the_stored_file(staff_client, users,
                                                                     hook_request, app):
    data = docx()
    token = token_of(upload(staff_client, data, 5000, filename="návrh.docx", filetype=""))
    stored = claim(hook_request(users.staff), token, namespace="media", max_size=len(data),
                   allowed_types=store.DOCUMENTS)
    assert stored.content_type == store.DOCX
    assert store.get_store(app.registry).read(stored.key) == data


def test_claim_refuses_unfinished_unknown_and_other_peoples_uploads(staff_client, users,
                                                                   hook_request, dbsession):
    path = path_of(create(staff_client, len(PDF)))
    patch(staff_client, path, 0, PDF[:1000])
    request = hook_request(users.staff)
    with pytest.raises(UploadError) as unfinished:
        claim(request, token_of(path), namespace="media", max_size=len(PDF),
              allowed_types=store.DOCUMENTS)
    assert unfinished.value.code == "unfinished"
    with pytest.raises(UploadError) as unknown:
        claim(request, "x" * 43, namespace="media", max_size=len(PDF),
              allowed_types=store.DOCUMENTS)
    assert unknown.value.code == "not_found"
    patch(staff_client, path, 1000, PDF[1000:])
    with pytest.raises(UploadError) as foreign:
        claim(hook_request(users.admin), token_of(path), namespace="media", max_size=len(PDF),
              allowed_types=store.DOCUMENTS)
    assert foreign.value.code == "not_found"
    assert dbsession.get(Upload, token_of(path)) is not None


@pytest.mark.parametrize(("allowed", "max_size", "code"), [
    (store.IMAGES, 10 ** 9, "type_not_allowed"),
    (store.DOCUMENTS, len(PDF) - 1, "too_large"),
])
def test_a_file_the_form_does_not_accept_is_refused_and_nothing_is_stored(
        staff_client, users, hook_request, dbsession, app, allowed, max_size, code):
    token = token_of(upload(staff_client, PDF, 10_000))
    storage = store.get_store(app.registry)
    before = set(storage.fs.find(f"{storage.root}/media")) if storage.fs.exists(
        f"{storage.root}/media") else set()
    with pytest.raises(store.StorageError) as refused:
        claim(hook_request(users.staff), token, namespace="media", max_size=max_size,
              allowed_types=allowed)
    assert refused.value.code == code
    after = set(storage.fs.find(f"{storage.root}/media")) if storage.fs.exists(
        f"{storage.root}/media") else set()
    assert after == before
    assert dbsession.get(Upload, token) is not None


def test_an_empty_upload_is_complete_at_once_but_claims_nothing(staff_client, users,
                                                                hook_request):
    token = token_of(path_of(create(staff_client, 0)))
    with pytest.raises(store.StorageError) as refused:
        claim(hook_request(users.staff), token, namespace="media", max_size=100,
              allowed_types=store.DOCUMENTS)
    assert refused.value.code == "empty"


def test_expiry_removes_old_uploads_and_their_parts(staff_client, users, hook_request,
                                                    dbsession, app):
    old = token_of(path_of(create(staff_client, len(PDF))))
    patch(staff_client, "/uploads/" + old, 0, PDF[:500])
    fresh = token_of(path_of(create(staff_client, len(PDF))))
    dbsession.execute(sa.update(Upload).where(Upload.id == old).values(
        updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)))
    storage = store.get_store(app.registry)
    assert storage.fs.exists(parts_prefix(app, old))
    request = hook_request()
    assert expire(request) == 1
    transaction.commit()
    dbsession.expire_all()
    assert dbsession.get(Upload, old) is None
    assert dbsession.get(Upload, fresh) is not None
    assert not storage.fs.exists(parts_prefix(app, old))


def test_expiry_is_a_periodic_job(app):
    jobs = {job.name: job for job in app.registry["hub.core_periodic_jobs"]}
    assert jobs["hub.uploads.expire"].func is expire


def test_erasing_an_account_removes_its_uploads(staff_client, users, hook_request, dbsession):
    token = token_of(path_of(create(staff_client, 10)))
    request = hook_request(users.staff)
    exported = [part for part in request.hooks.hub_personal_data_export(
        request=request, user=users.staff) if part]
    assert any(r.get("filename") == "zprava.pdf" for part in exported
               for rows in part.values() for r in rows if isinstance(r, dict))
    request.hooks.hub_personal_data_erase(request=request, user=users.staff)
    dbsession.expire_all()
    assert dbsession.get(Upload, token) is None
