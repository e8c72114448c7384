"""Uploaded files: one storage for every plugin, local by default, any fsspec store to scale.

``storage(request)`` gives the installation's store bound to the request:

- ``save(data, namespace=..., filename=..., max_size=..., allowed_types=...)`` checks the
  size and the type (sniffed from the first bytes, never taken from the client), writes the
  file under a random key (``<namespace>/<yyyy>/<mm>/<random>``, never the client's name)
  and returns a ``StoredFile`` (key, size, content type, SHA-256, original name) for the
  plugin to keep in its own table. A file saved while the request's transaction rolls back
  is removed again, so no file outlives a row that was never committed.
- ``open(key)`` / ``read(key)`` read a file; ``delete(key)`` removes it after the
  transaction commits (nothing is removed when it rolls back).
- ``file_response(request, key, filename, content_type)`` serves a file as a download
  with ``X-Content-Type-Options: nosniff``. The view decides who may read it: the store
  has no URL of its own and serves nothing by itself.

Settings: ``hub.storage.url`` (default ``<hub.data_dir>/files``) is a directory or any
fsspec URL (``s3://bucket/prefix``, ``memory://name`` in tests); ``hub.storage.options.*``
are passed to the filesystem (``hub.storage.options.endpoint_url`` for an S3-compatible
store, ``key``, ``secret``...). S3 needs ``s3fs`` (``pip install hub-core[s3]``), which pins
the fsspec release it works with: upgrade the two together.
"""
from __future__ import annotations

import hashlib
import io
import re
import secrets
import urllib.parse
import zipfile
from dataclasses import dataclass
from pathlib import Path

import fsspec
from pyramid.response import Response
from webob.static import FileIter  # seeks to a requested range

from hub.db import utcnow
from hub.i18n import _
from hub.params import format_size

OPTIONS_PREFIX = "hub.storage.options."
CHUNK = 64 * 1024

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
GIF = "image/gif"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
TEXT = "text/plain"
CSV = "text/csv"
MP4 = "video/mp4"
WEBM = "video/webm"
MP3 = "audio/mpeg"
OGG = "audio/ogg"
M4A = "audio/mp4"
AUDIO_WEBM = "audio/webm"

DOCUMENTS = frozenset({PDF, DOCX, XLSX, ODT, ODS})
IMAGES = frozenset({PNG, JPEG, WEBP, GIF})
VIDEOS = frozenset({MP4, WEBM})
AUDIOS = frozenset({MP3, OGG, M4A, AUDIO_WEBM})
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", WEBP: ".webp", GIF: ".gif", DOCX: ".docx",
              XLSX: ".xlsx", ODT: ".odt", ODS: ".ods", TEXT: ".txt", CSV: ".csv",
              MP4: ".mp4", WEBM: ".webm", MP3: ".mp3", OGG: ".ogg", M4A: ".m4a",
              AUDIO_WEBM: ".weba"}
TYPE_NAMES = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", WEBP: "WebP", GIF: "GIF", DOCX: "DOCX",
              XLSX: "XLSX", ODT: "ODT", ODS: "ODS", TEXT: "TXT", CSV: "CSV", MP4: "MP4",
              WEBM: "WebM", MP3: "MP3", OGG: "Ogg", M4A: "M4A", AUDIO_WEBM: "WebM audio"}
_NAMESPACE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}/\d{4}/\d{2}/[A-Za-z0-9_-]{20,64}$")


class StorageError(Exception):
    """A file was refused: ``code`` is ``empty``, ``too_large`` or ``type_not_allowed``;
    ``message`` a translation string for the person who uploaded it."""

    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    content_type: str
    sha256: str
    filename: str


def sniff(head: bytes, data: bytes | None = None) -> str | None:
    """The type of a file from its content (``data`` is needed only for zip containers),
    or ``None`` for anything not recognised."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[4:8] == b"ftyp":
        # The major brand tells sound alone (iTunes' M4A/M4B) from a video.
        return M4A if head[8:12] in (b"M4A ", b"M4B ") else MP4
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # A WebM file names its tracks' codecs near the start: sound only is audio.
        sound = any(codec in head for codec in (b"A_OPUS", b"A_VORBIS"))
        picture = any(codec in head for codec in (b"V_VP8", b"V_VP9", b"V_AV1"))
        return AUDIO_WEBM if sound and not picture else WEBM
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF
                                   and head[1] & 0xE6 in (0xE2, 0xE4, 0xE6)):
        return MP3  # an ID3 tag, or an MPEG audio frame (sync bits, layer I-III)
    if head.startswith(b"PK\x03\x04") and data is not None:
        return zip_type(io.BytesIO(data))
    if head and b"\x00" not in head:
        try:
            # A multi-byte letter cut at the end of the sample is still text.
            head.decode("utf-8") if len(head) < CHUNK else head[:-4].decode("utf-8")
        except UnicodeDecodeError:
            return None
        return TEXT
    return None


def zip_type(source) -> str | None:
    """An office document's type from its zip directory (``source``: a file object, so a
    stored file is read without loading it)."""
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                return declared if declared in (ODT, ODS) else None
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return DOCX
                if any(n.startswith("xl/") for n in names):
                    return XLSX
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    return None


def check_size(size: int, max_size: int) -> None:
    """Raise ``StorageError`` for an empty file or one over ``max_size`` bytes."""
    if not size:
        raise StorageError("empty", _("The file is empty."))
    if size > max_size:
        raise StorageError("too_large", _("The file is larger than ${size}.",
                                          mapping={"size": format_size(max_size)}))


def type_not_allowed(allowed) -> StorageError:
    names = ", ".join(sorted({TYPE_NAMES.get(t, t) for t in allowed}))
    return StorageError("type_not_allowed", _(
        "This type of file is not accepted here. Accepted: ${types}.", mapping={"types": names}))


def new_key(namespace: str) -> str:
    """A fresh key under ``namespace`` (year and month keep directories small)."""
    if not _NAMESPACE.match(namespace):
        raise ValueError(f"bad storage namespace {namespace!r}")
    now = utcnow()
    return f"{namespace}/{now:%Y}/{now:%m}/{secrets.token_urlsafe(24)}"


def clean_filename(filename: str, kind: str) -> str:
    """The client's file name without folders, or ``file`` with the type's extension."""
    return (Path((filename or "").replace("\\", "/")).name[:200]
            or "file" + EXTENSIONS.get(kind, ""))


def remove_unless_committed(txn, remove) -> None:
    """Call ``remove()`` once ``txn`` ends without committing (a file written for it)."""
    def undo(*_args, committed=None):
        if committed is not True:
            remove()

    txn.addAfterCommitHook(lambda ok: undo(committed=ok))
    txn.addAfterAbortHook(undo)


def _read_all(data, max_size: int) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    chunks, total = [], 0
    while True:
        chunk = data.read(CHUNK)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > max_size:  # stop reading: the rest would only be refused
            break
    return b"".join(chunks)


def content_disposition(filename: str, inline: bool = False) -> str:
    """``attachment`` with an ASCII fallback name and the exact one per RFC 6266/5987."""
    name = re.sub(r"[\r\n\"\\/]", "_", filename or "file") or "file"
    fallback = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(name)}"


class Storage:
    """The installation's file store (one per registry)."""

    def __init__(self, url: str, options: dict | None = None):
        self.url = url
        options = dict(options or {})
        if "://" not in url:
            options.setdefault("auto_mkdir", True)
        self.fs, root = fsspec.core.url_to_fs(url, **options)
        self.root = root.rstrip("/")

    @classmethod
    def from_settings(cls, settings: dict) -> Storage:
        url = settings.get("hub.storage.url") or str(Path(settings["hub.data_dir"]) / "files")
        options = {k[len(OPTIONS_PREFIX):]: v for k, v in settings.items()
                   if k.startswith(OPTIONS_PREFIX)}
        return cls(url, options)

    def path(self, key: str) -> str:
        if not _KEY.match(key or ""):
            raise KeyError(key)
        return f"{self.root}/{key}"

    def write(self, data, *, namespace: str, filename: str, content_type: str | None = None,
              max_size: int, allowed_types) -> StoredFile:
        """Check and write a file; see ``BoundStorage.save`` (which also cleans up)."""
        body = _read_all(data, max_size)
        check_size(len(body), max_size)
        allowed = frozenset(allowed_types)
        kind = sniff(body[:CHUNK], body)
        if kind == TEXT and content_type == CSV:
            kind = CSV  # text types look alike; the claim may only choose among them
        if kind is None or kind not in allowed:
            raise type_not_allowed(allowed)
        key = new_key(namespace)
        with self.fs.open(self.path(key), "wb") as out:
            out.write(body)
        return StoredFile(key=key, size=len(body), content_type=kind,
                          sha256=hashlib.sha256(body).hexdigest(),
                          filename=clean_filename(filename, kind))

    def open(self, key: str):
        return self.fs.open(self.path(key), "rb")

    def read(self, key: str) -> bytes:
        with self.open(key) as f:
            return f.read()

    def exists(self, key: str) -> bool:
        try:
            return self.fs.exists(self.path(key))
        except KeyError:
            return False

    def size(self, key: str) -> int:
        return int(self.fs.size(self.path(key)))

    def remove(self, key: str) -> None:
        """Remove a file now (a missing file is not an error)."""
        try:
            self.fs.rm(self.path(key))
        except (FileNotFoundError, KeyError):
            pass


class BoundStorage:
    """The store seen from one request: writes and deletions follow its transaction."""

    def __init__(self, store: Storage, request):
        self.store = store
        self.request = request

    def _transaction(self):
        tm = getattr(self.request, "tm", None)
        return tm.get() if tm is not None else None

    def save(self, data, *, namespace: str, filename: str, content_type: str | None = None,
             max_size: int, allowed_types) -> StoredFile:
        """Store ``data`` (bytes or a file object) and return what to keep in a table.

        Raises ``StorageError`` for an empty file, one over ``max_size`` bytes, or one
        whose content is none of ``allowed_types`` (MIME types; see ``DOCUMENTS``,
        ``IMAGES``, ``VIDEOS``, ``AUDIOS``). ``content_type``, the client's claim, only
        tells CSV from plain text.
        When the request's transaction does not commit, the file is removed again.
        """
        stored = self.store.write(data, namespace=namespace, filename=filename,
                                  content_type=content_type, max_size=max_size,
                                  allowed_types=allowed_types)
        txn = self._transaction()
        if txn is not None:
            remove_unless_committed(txn, lambda: self.store.remove(stored.key))
        return stored

    def open(self, key: str):
        return self.store.open(key)

    def read(self, key: str) -> bytes:
        return self.store.read(key)

    def exists(self, key: str) -> bool:
        return self.store.exists(key)

    def delete(self, key: str) -> None:
        """Remove the file once the transaction has committed (never if it rolls back)."""
        txn = self._transaction()
        if txn is None:
            self.store.remove(key)
            return
        txn.addAfterCommitHook(lambda ok: ok and self.store.remove(key))

    def file_response(self, request, key: str, filename: str, content_type: str,
                      inline: bool = False, cache_control: str = "private, no-store"
                      ) -> Response:
        """The file as a response, answering range requests (a video player seeks); the
        caller has checked that the person may read it."""
        try:
            size = self.store.size(key)
            handle = self.store.open(key)
        except (FileNotFoundError, KeyError):
            from pyramid.httpexceptions import HTTPNotFound

            raise HTTPNotFound() from None
        response = Response(app_iter=FileIter(handle), content_type=content_type,
                            content_length=size, conditional_response=True)
        response.accept_ranges = "bytes"
        response.headers["Content-Disposition"] = content_disposition(filename, inline)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = cache_control
        return response



def get_store(registry) -> Storage:
    store = registry.get("hub.storage")
    if store is None:
        store = registry["hub.storage"] = Storage.from_settings(registry.settings)
    return store


def storage(request) -> BoundStorage:
    """The installation's store, bound to ``request`` (its transaction)."""
    return BoundStorage(get_store(request.registry), request)
