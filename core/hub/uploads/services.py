"""Parts on the storage service, claiming a finished upload, and removing old ones."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa

from hub import storage as store
from hub.db import utcnow
from hub.i18n import _
from hub.uploads.models import Upload, UploadPart

PARTS_DIR = "_uploads"  # not a valid storage namespace, so never a stored file's key


class UploadError(Exception):
    """A resumable upload cannot be used: ``code`` is ``not_found``, ``unfinished`` or
    ``incomplete``; ``message`` a translation string for the person who uploaded it."""

    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message


# -- parts ------------------------------------------------------------------------------

def _parts_prefix(storage: store.Storage, token: str) -> str:
    return f"{storage.root}/{PARTS_DIR}/{token}"


def write_part(request, upload: Upload, offset: int, data: bytes) -> str:
    """Keep ``data`` as its own object (S3 has no append) and return its key; the object
    is removed again when the request's transaction does not commit."""
    storage = store.get_store(request.registry)
    key = f"{PARTS_DIR}/{upload.id}/{offset:015d}-{secrets.token_urlsafe(9)}"
    path = f"{storage.root}/{key}"
    with storage.fs.open(path, "wb") as out:
        out.write(data)

    store.remove_unless_committed(request.tm.get(), lambda: _remove(storage, path))
    return key


def _remove(storage: store.Storage, path: str, recursive: bool = False) -> None:
    try:
        storage.fs.rm(path, recursive=recursive)
    except FileNotFoundError:
        pass


def remove_parts_after_commit(request, token: str) -> None:
    """Remove every object of upload ``token`` once the transaction has committed: the
    parts the rows name, and any a crashed request left behind."""
    storage = store.get_store(request.registry)
    prefix = _parts_prefix(storage, token)
    request.tm.get().addAfterCommitHook(
        lambda ok: ok and _remove(storage, prefix, recursive=True))


def delete_upload(request, upload: Upload) -> None:
    """Delete the row (its parts' rows go with it) and, after commit, the objects."""
    request.dbsession.execute(sa.delete(Upload).where(Upload.id == upload.id))
    remove_parts_after_commit(request, upload.id)


# -- claiming ---------------------------------------------------------------------------

def _chunks(storage: store.Storage, parts: list[UploadPart]):
    for part in parts:
        with storage.fs.open(f"{storage.root}/{part.key}", "rb") as handle:
            left = part.size
            while left > 0:
                chunk = handle.read(min(store.CHUNK, left))
                if not chunk:
                    raise UploadError("incomplete", INCOMPLETE)
                left -= len(chunk)
                yield chunk


def _head(storage: store.Storage, parts: list[UploadPart]) -> bytes:
    head = b""
    chunks = _chunks(storage, parts)
    try:
        for chunk in chunks:
            head += chunk
            if len(head) >= store.CHUNK:
                break
    finally:
        chunks.close()  # closes the part being read
    return head[:store.CHUNK]


NOT_FOUND = _("The uploaded file was not found (it may have expired). Upload it again.")
UNFINISHED = _("The file has not been uploaded completely. Wait until the upload finishes, "
               "or upload the file again.")
INCOMPLETE = _("Part of the uploaded file is missing. Upload the file again.")


def claim(request, token: str, *, namespace: str, max_size: int,
          allowed_types) -> store.StoredFile:
    """The finished upload ``token`` of the signed-in person, as one stored file.

    The parts are copied, one chunk at a time, into a file under ``namespace`` with the
    checks of ``hub.storage`` (size, type sniffed from the content; the client's type only
    tells CSV from plain text); the row is deleted and the parts are removed after commit.
    The file is removed again if the transaction does not commit, and then the upload
    stays. Raises ``UploadError`` (unknown, another person's, unfinished) or
    ``hub.storage.StorageError``.
    """
    user = request.identity
    if user is None or not isinstance(token, str) or len(token) != 43:
        raise UploadError("not_found", NOT_FOUND)
    db = request.dbsession
    # Locked until the transaction ends: two claims of one upload cannot both copy it.
    upload = db.scalars(sa.select(Upload).where(Upload.id == token, Upload.user_id == user.id)
                        .with_for_update()).one_or_none()
    if upload is None:
        raise UploadError("not_found", NOT_FOUND)
    if upload.completed_at is None:
        raise UploadError("unfinished", UNFINISHED)
    parts = db.scalars(sa.select(UploadPart).where(UploadPart.upload_id == token)
                       .order_by(UploadPart.offset)).all()
    expected = 0
    for part in parts:
        if part.offset != expected:
            raise UploadError("incomplete", INCOMPLETE)
        expected += part.size
    if expected != upload.length:
        raise UploadError("incomplete", INCOMPLETE)
    store.check_size(upload.length, max_size)
    storage = store.get_store(request.registry)
    allowed = frozenset(allowed_types)
    try:
        head = _head(storage, parts)
    except FileNotFoundError:
        raise UploadError("incomplete", INCOMPLETE) from None
    kind = store.sniff(head)
    container = kind is None and head.startswith(b"PK\x03\x04")
    if kind == store.TEXT and upload.content_type == store.CSV:
        kind = store.CSV  # text types look alike; the claim may only choose among them
    if not container and (kind is None or kind not in allowed):
        raise store.type_not_allowed(allowed)
    key = store.new_key(namespace)
    path = storage.path(key)
    digest = hashlib.sha256()
    try:
        with storage.fs.open(path, "wb") as out:
            for chunk in _chunks(storage, parts):
                digest.update(chunk)
                out.write(chunk)
        if container:
            with storage.fs.open(path, "rb") as handle:
                kind = store.zip_type(handle)
            if kind is None or kind not in allowed:
                raise store.type_not_allowed(allowed)
    except FileNotFoundError:
        storage.remove(key)
        raise UploadError("incomplete", INCOMPLETE) from None
    except Exception:
        storage.remove(key)
        raise

    store.remove_unless_committed(request.tm.get(), lambda: storage.remove(key))
    delete_upload(request, upload)
    return store.StoredFile(key=key, size=upload.length, content_type=kind,
                            sha256=digest.hexdigest(),
                            filename=store.clean_filename(upload.filename, kind))


# -- expiry -----------------------------------------------------------------------------

def expire(request) -> int:
    """Periodic job: remove uploads nobody added to or claimed for ``hub.uploads.expire_hours``
    (unfinished ones, and finished ones no form took); return how many."""
    hours = request.registry.settings["hub.uploads.expire_hours"]
    cutoff = utcnow() - dt.timedelta(hours=hours)
    db = request.dbsession
    old = db.scalars(sa.select(Upload).where(Upload.updated_at < cutoff)
                     .order_by(Upload.updated_at).limit(1000)).all()
    for upload in old:
        delete_upload(request, upload)
    return len(old)


def expires_at(request, last_change: dt.datetime) -> dt.datetime:
    """When an upload last changed at ``last_change`` is removed (``Upload-Expires``)."""
    return last_change + dt.timedelta(hours=request.registry.settings["hub.uploads.expire_hours"])
