"""hub.storage: checks by content, random keys, files following the request's transaction."""
import io
import uuid
import zipfile

import pytest
import transaction
from pyramid.request import Request

from hub import storage as st

PDF = b"%PDF-1.7\n" + b"x" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 50


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def odt_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", st.ODT)
        z.writestr("content.xml", "<office:document/>")
    return out.getvalue()


@pytest.fixture(params=["local", "memory"])
def store(request, tmp_path):
    if request.param == "local":
        return st.Storage(str(tmp_path / "files"))
    return st.Storage(f"memory://hub-test-{uuid.uuid4().hex}")


class FakeRequest:
    """What the store needs of a request: its transaction manager."""

    def __init__(self):
        self.tm = transaction.TransactionManager(explicit=True)
        self.tm.begin()


def test_sniffing_recognises_the_common_types():
    assert st.sniff(PDF) == st.PDF
    assert st.sniff(PNG) == st.PNG
    assert st.sniff(b"\xff\xd8\xff\xe0" + b"\x00" * 20) == st.JPEG
    assert st.sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 ") == st.WEBP
    assert st.sniff(docx_bytes()[:64], docx_bytes()) == st.DOCX
    assert st.sniff(odt_bytes()[:64], odt_bytes()) == st.ODT
    assert st.sniff("Rozpočet: 12 000 Kč".encode()) == st.TEXT
    assert st.sniff(b"\x00\x00\x00\x20ftypisom\x00\x00") == st.MP4
    assert st.sniff(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81") == st.WEBM
    assert st.sniff(b"MZ\x90\x00\x03\x00\x00\x00") is None  # a Windows program
    assert st.sniff(b"PK\x03\x04garbage", b"PK\x03\x04garbage") is None


def test_save_keeps_a_random_key_and_the_facts(store):
    saved = store.write(io.BytesIO(PDF), namespace="grants", filename="C:\\Users\\x\\..\\plán.pdf",
                        max_size=1000, allowed_types=st.DOCUMENTS)
    assert saved.content_type == st.PDF and saved.size == len(PDF)
    assert saved.filename == "plán.pdf"
    assert "plán" not in saved.key and saved.key.startswith("grants/")
    assert len(saved.sha256) == 64
    assert store.read(saved.key) == PDF
    store.remove(saved.key)
    assert not store.exists(saved.key)


def test_type_is_taken_from_the_content_not_the_claim(store):
    with pytest.raises(st.StorageError) as refused:
        store.write(b"<script>alert(1)</script>" + b"\x00", namespace="grants",
                    filename="report.pdf", content_type=st.PDF, max_size=1000,
                    allowed_types=st.DOCUMENTS)
    assert refused.value.code == "type_not_allowed"
    with pytest.raises(st.StorageError):
        store.write(PNG, namespace="grants", filename="a.pdf", content_type=st.PDF,
                    max_size=1000, allowed_types=st.DOCUMENTS)
    saved = store.write(docx_bytes(), namespace="grants", filename="a.bin",
                        content_type="application/octet-stream", max_size=10_000,
                        allowed_types=st.DOCUMENTS)
    assert saved.content_type == st.DOCX


def test_size_limits(store):
    with pytest.raises(st.StorageError) as refused:
        store.write(io.BytesIO(PDF), namespace="grants", filename="a.pdf", max_size=100,
                    allowed_types=st.DOCUMENTS)
    assert refused.value.code == "too_large"
    with pytest.raises(st.StorageError) as empty:
        store.write(b"", namespace="grants", filename="a.pdf", max_size=100,
                    allowed_types=st.DOCUMENTS)
    assert empty.value.code == "empty"
    with pytest.raises(ValueError):
        store.write(PDF, namespace="../etc", filename="a.pdf", max_size=1000,
                    allowed_types=st.DOCUMENTS)


def test_keys_outside_the_store_are_refused(store):
    with pytest.raises(KeyError):
        store.open("../../etc/passwd")
    assert not store.exists("grants/../../x")


def test_a_rolled_back_request_leaves_no_file(store):
    request = FakeRequest()
    bound = st.BoundStorage(store, request)
    saved = bound.save(PDF, namespace="grants", filename="a.pdf", max_size=1000,
                       allowed_types=st.DOCUMENTS)
    assert store.exists(saved.key)
    request.tm.abort()
    assert not store.exists(saved.key)


def test_a_failed_commit_leaves_no_file(store):
    request = FakeRequest()
    bound = st.BoundStorage(store, request)
    saved = bound.save(PDF, namespace="grants", filename="a.pdf", max_size=1000,
                       allowed_types=st.DOCUMENTS)

    class Failing:
        def abort(self, txn): pass
        def tpc_begin(self, txn): pass
        def commit(self, txn): raise RuntimeError("database gone")
        def tpc_vote(self, txn): pass
        def tpc_finish(self, txn): pass
        def tpc_abort(self, txn): pass
        def sortKey(self): return "failing"  # noqa: N802

    request.tm.get().join(Failing())
    with pytest.raises(RuntimeError):
        request.tm.commit()
    assert not store.exists(saved.key)


def test_delete_happens_only_after_commit(store):
    saved = store.write(PDF, namespace="grants", filename="a.pdf", max_size=1000,
                        allowed_types=st.DOCUMENTS)
    request = FakeRequest()
    st.BoundStorage(store, request).delete(saved.key)
    assert store.exists(saved.key)
    request.tm.abort()
    assert store.exists(saved.key)
    request = FakeRequest()
    st.BoundStorage(store, request).delete(saved.key)
    request.tm.commit()
    assert not store.exists(saved.key)


def test_a_committed_file_stays(store):
    request = FakeRequest()
    saved = st.BoundStorage(store, request).save(
        PDF, namespace="grants", filename="a.pdf", max_size=1000, allowed_types=st.DOCUMENTS)
    request.tm.commit()
    assert store.read(saved.key) == PDF


def test_file_response_is_a_download_that_is_never_sniffed(store):
    saved = store.write(PDF, namespace="grants", filename="a.pdf", max_size=1000,
                        allowed_types=st.DOCUMENTS)
    request = Request.blank("/")
    response = st.BoundStorage(store, request).file_response(
        request, saved.key, "Žádost \"1\".pdf", saved.content_type)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"")
    assert "filename*=UTF-8''%C5%BD%C3%A1dost%20_1_.pdf" in disposition
    assert b"".join(response.app_iter) == PDF
    assert response.content_length == len(PDF)


def test_file_response_answers_a_range_request(store):
    """A video player seeks: the store answers 206 with the bytes asked for."""
    video = b"\x00\x00\x00\x20ftypisom" + bytes(range(256)) * 20
    saved = store.write(video, namespace="elearning", filename="v.mp4", max_size=10_000,
                        allowed_types=st.VIDEOS)
    request = Request.blank("/", headers={"Range": "bytes=100-199"})
    response = st.BoundStorage(store, request).file_response(
        request, saved.key, "v.mp4", saved.content_type, inline=True,
        cache_control="public, max-age=60")
    answer = request.get_response(response)
    assert answer.status_int == 206
    assert answer.body == video[100:200]
    assert answer.headers["Content-Range"] == f"bytes 100-199/{len(video)}"
    assert answer.headers["Cache-Control"] == "public, max-age=60"
    whole = Request.blank("/").get_response(st.BoundStorage(store, request).file_response(
        request, saved.key, "v.mp4", saved.content_type))
    assert whole.status_int == 200 and whole.body == video
    assert whole.headers["Accept-Ranges"] == "bytes"


def test_settings_choose_the_store(tmp_path):
    local = st.Storage.from_settings({"hub.data_dir": str(tmp_path)})
    assert local.root.endswith("files")
    memory = st.Storage.from_settings({"hub.data_dir": str(tmp_path),
                                       "hub.storage.url": "memory://hub-settings",
                                       "hub.storage.options.skip_instance_cache": True})
    assert memory.fs.protocol in ("memory", ("memory",))


def test_the_app_accepts_storage_settings(make_app, tmp_path):
    app = make_app(**{"hub.plugins": "", "hub.storage.url": f"memory://app-{uuid.uuid4().hex}",
                      "hub.storage.options.skip_instance_cache": "true"})
    store = st.get_store(app.registry)
    saved = store.write(PDF, namespace="test", filename="a.pdf", max_size=1000,
                        allowed_types=st.DOCUMENTS)
    assert store.read(saved.key) == PDF
