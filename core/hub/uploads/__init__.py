"""Resumable uploads (tus 1.0.0) for large files, on every machine of an installation.

A person with the staff permission uploads a file to ``/uploads`` with a tus client (the
core's ``hub:static/uploads.js`` drives tus-js-client): ``POST`` starts an upload and
answers its address ``/uploads/<token>``, each ``PATCH`` adds bytes at ``Upload-Offset``,
``HEAD`` tells how far it got (after a lost connection or a reload), ``DELETE`` cancels.
Every request is the owner's (another person's upload is 404) and carries the CSRF token
in ``X-CSRF-Token``.

Nothing is kept on one machine: the upload is a row (``upload``), and the bytes of each
``PATCH`` are their own object on the storage service (``hub.storage``; S3 has no
append), named in ``upload_part``. The offset moves with ``UPDATE ... WHERE offset =
<the offset the request saw>`` in the request's transaction, so of two requests sending
the same bytes one wins and the other gets 409; a part written by a request that rolls
back is removed.

A form posts the token (the hidden field ``upload`` of the ``resumable_file`` macro in
``hub:templates/uploads/field.pt``) and takes the file with::

    stored = claim(request, token, namespace="media", max_size=..., allowed_types=...)

which copies the parts, chunk by chunk, into one ``hub.storage.StoredFile`` with the
storage's checks (size; type sniffed), deletes the upload and removes its parts after
commit. It raises ``UploadError`` (``code``, translatable ``message``) for an unknown,
another person's or unfinished upload, and ``hub.storage.StorageError`` for a file the
form does not accept; nothing changes then.

Settings: ``hub.uploads.max_size`` (2 GiB), ``hub.uploads.max_unfinished`` (5 per person;
more is 429) and ``hub.uploads.expire_hours`` (24): the periodic job
``hub.uploads.expire`` removes uploads nobody added to or claimed for that long. A
``PATCH`` carries at most ``hub.max_body_size`` bytes; the client sends 5 MB chunks.
"""
from __future__ import annotations

from hub.uploads.models import Upload, UploadPart
from hub.uploads.services import UploadError, claim, expire

__all__ = ["Upload", "UploadError", "UploadPart", "claim", "expire"]

ID_PATTERN = r"[A-Za-z0-9_-]{43}"


def includeme(config):
    from hub.contributions import PeriodicJob

    config.add_route("uploads", "/uploads")
    # Any token reaches the views (which answer 404 for one of another shape): the CSRF and
    # permission checks then refuse a bad request before anything is looked up.
    config.add_route("upload", "/uploads/{token}")
    config.registry.setdefault("hub.core_periodic_jobs", []).append(
        PeriodicJob("hub.uploads.expire", expire, minute="23"))
    config.scan("hub.uploads.views")
