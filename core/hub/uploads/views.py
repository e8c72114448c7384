"""The tus 1.0.0 endpoints: core protocol, ``creation``, ``termination``, ``expiration``.

Answers are plain text (a translated sentence a client may show) with ``Tus-Resumable``.
Error answers roll the request's transaction back, and with it any part written.
"""
from __future__ import annotations

import base64
import binascii
import email.utils
import re
import secrets

import sqlalchemy as sa
from pyramid.response import Response
from pyramid.view import view_config

from hub.db import utcnow
from hub.i18n import _
from hub.params import format_size
from hub.security import STAFF
from hub.uploads import ID_PATTERN
from hub.uploads.models import Upload, UploadPart
from hub.uploads.services import delete_upload, expires_at, write_part

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration"
OFFSET_STREAM = "application/offset+octet-stream"
_NUMBER = re.compile(r"[0-9]{1,19}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TOKEN = re.compile(ID_PATTERN)

NOT_FOUND = _("This upload does not exist or has expired. Start the upload again.")


def _answer(status: int, text: str = "", **headers) -> Response:
    response = Response(status=status, content_type="text/plain", charset="utf-8",
                        text=text + "\n" if text else "")
    response.headers["Tus-Resumable"] = TUS_VERSION
    response.headers["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = str(value)
    return response


def tus_error(request, status: int, message, **headers) -> Response:
    return _answer(status, request.localizer.translate(message), **headers)


def _number(value: str | None) -> int | None:
    if value is None or not _NUMBER.fullmatch(value.strip()):
        return None
    return int(value.strip())


def parse_metadata(header: str) -> dict[str, str] | None:
    """``Upload-Metadata`` (``key base64,key base64``) as text, or ``None`` when it cannot
    be read."""
    found: dict[str, str] = {}
    for pair in header.split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _space, value = pair.partition(" ")
        if not key or key in found or " " in value.strip():
            return None
        try:
            found[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
    return found


def _expires(request, last_change) -> dict:
    return {"Upload-Expires": email.utils.format_datetime(expires_at(request, last_change),
                                                          usegmt=True)}


def _metadata(upload: Upload) -> str:
    pairs = (("filename", upload.filename), ("filetype", upload.content_type))
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}"
                    for key, value in pairs if value)


def _wrong_version(request) -> Response | None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        return tus_error(request, 412, _("This server speaks tus ${version} only.",
                                         mapping={"version": TUS_VERSION}),
                         Tus_Version=TUS_VERSION)
    return None


def _own_upload(request) -> Upload | None:
    """The upload in the address if it is the signed-in person's (another person's upload
    is as unknown as one that never existed)."""
    token = request.matchdict["token"]
    if not _TOKEN.fullmatch(token):
        return None
    return request.dbsession.scalars(sa.select(Upload).where(
        Upload.id == token,
        Upload.user_id == request.identity.id)).one_or_none()


def _addressed_upload(request) -> tuple[Upload | None, Response | None]:
    """The signed-in person's upload in the address, or the answer refusing the request
    (another version of the protocol; an unknown upload)."""
    refused = _wrong_version(request)
    if refused is not None:
        return None, refused
    upload = _own_upload(request)
    if upload is None:
        return None, tus_error(request, 404, NOT_FOUND)
    return upload, None


@view_config(route_name="uploads", request_method="OPTIONS", permission=STAFF)
def options(request):
    return _answer(204, Tus_Version=TUS_VERSION, Tus_Extension=TUS_EXTENSIONS,
                   Tus_Max_Size=request.registry.settings["hub.uploads.max_size"])


@view_config(route_name="uploads", request_method="POST", permission=STAFF)
def create(request):
    refused = _wrong_version(request)
    if refused is not None:
        return refused
    settings = request.registry.settings
    if "Upload-Defer-Length" in request.headers:
        return tus_error(request, 400, _("Say the size of the file in Upload-Length."))
    length = _number(request.headers.get("Upload-Length"))
    if length is None:
        return tus_error(request, 400, _("Say the size of the file in Upload-Length."))
    largest = settings["hub.uploads.max_size"]
    if length > largest:
        return tus_error(request, 413, _("The file is larger than ${size}.",
                                         mapping={"size": format_size(largest)}),
                         Tus_Max_Size=largest)
    metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
    if metadata is None:
        return tus_error(request, 400, _("Upload-Metadata cannot be read."))
    db = request.dbsession
    user = request.identity
    # A soft limit: two creations at the same moment on PostgreSQL may both pass it, which
    # is harmless; it keeps a forgotten tab from leaving parts behind without end.
    unfinished = db.scalar(sa.select(sa.func.count()).select_from(Upload).where(
        Upload.user_id == user.id, Upload.completed_at.is_(None)))
    limit = settings["hub.uploads.max_unfinished"]
    if unfinished >= limit:
        return tus_error(request, 429, _(
            "You have ${count} unfinished uploads. Finish or cancel one of them, or wait "
            "until they expire, before you start another.", mapping={"count": unfinished}))
    now = utcnow()
    filetype = metadata.get("filetype", "")
    upload = Upload(
        id=secrets.token_urlsafe(32), user_id=user.id, length=length, offset=0, parts=0,
        filename=_CONTROL.sub("", metadata.get("filename", ""))[:255],
        content_type=filetype if filetype.isascii() and len(filetype) <= 100 else "",
        created_at=now, updated_at=now, completed_at=now if length == 0 else None)
    db.add(upload)
    db.flush()
    return _answer(201, Location=request.route_url("upload", token=upload.id),
                   **({} if length == 0 else _expires(request, now)))


@view_config(route_name="upload", request_method="HEAD", permission=STAFF)
def status(request):
    upload, refused = _addressed_upload(request)
    if refused is not None:
        return refused
    headers = {"Upload-Offset": upload.offset, "Upload-Length": upload.length}
    if upload.completed_at is None:
        headers.update(_expires(request, upload.updated_at))
    metadata = _metadata(upload)
    if metadata:
        headers["Upload-Metadata"] = metadata
    return _answer(200, **headers)


@view_config(route_name="upload", request_method="PATCH", permission=STAFF)
def append(request):
    upload, refused = _addressed_upload(request)
    if refused is not None:
        return refused
    if (request.content_type or "").lower() != OFFSET_STREAM:
        return tus_error(request, 415, _("Send the bytes as ${type}.",
                                         mapping={"type": OFFSET_STREAM}))
    offset = _number(request.headers.get("Upload-Offset"))
    if offset is None:
        return tus_error(request, 400, _("Say where the bytes start in Upload-Offset."))
    if offset != upload.offset:
        return tus_error(request, 409, _("The upload is at ${offset} bytes; continue from there.",
                                         mapping={"offset": upload.offset}))
    data = request.body
    end = offset + len(data)
    if end > upload.length:
        return tus_error(request, 413, _("These bytes go past the size the upload was "
                                         "started with."))
    if not data:
        return _answer(204, Upload_Offset=offset)
    now = utcnow()
    # The stored offset moves only from the offset this request saw: of two requests that
    # send the same bytes at once (two tabs, a retry), one wins and the other gets 409, on
    # every process and machine. PostgreSQL holds the row until this transaction ends.
    moved = request.dbsession.execute(
        sa.update(Upload).where(Upload.id == upload.id, Upload.user_id == upload.user_id,
                                Upload.offset == offset)
        .values(offset=end, parts=Upload.parts + 1, updated_at=now,
                completed_at=now if end == upload.length else None)
        .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        return tus_error(request, 409, _("Another request sent these bytes first; ask where "
                                         "the upload is and continue from there."))
    key = write_part(request, upload, offset, data)
    request.dbsession.add(UploadPart(upload_id=upload.id, offset=offset, size=len(data),
                                     key=key))
    request.dbsession.flush()
    return _answer(204, Upload_Offset=end,
                   **({} if end == upload.length else _expires(request, now)))


@view_config(route_name="upload", request_method="DELETE", permission=STAFF)
def terminate(request):
    upload, refused = _addressed_upload(request)
    if refused is not None:
        return refused
    delete_upload(request, upload)
    return _answer(204)
