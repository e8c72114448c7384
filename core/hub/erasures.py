"""The erasure journal: every account erasure, kept outside the database.

A restore puts the database back as it was when the backup was taken. Without a record
kept elsewhere, a person who deleted their account after that moment would come back.
The journal is a directory (``hub.erasure_journal``, by default ``<hub.data_dir>/erasures``;
on several machines a shared volume) holding one small JSON file per erasure, so writers on
different processes or machines never append to the same file. An entry holds only a
keyed hash (HMAC-SHA-256) of the erased identity, ``user:<id>``, and when it happened;
the key is the file ``key`` in the same directory. Nothing in the journal names anybody:
without the database it says nothing, and with it only which anonymised row to anonymise
again.

An entry is written while the erasure's transaction is still open and removed if the
transaction does not commit. A crash between the two leaves an entry for an erasure that
never committed: the restore then erases a person who did ask for it, never the opposite.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

KEY_FILE = "key"
ENTRY_SUFFIX = ".json"
USER = "user"


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    kind: str
    subject: str  # hex HMAC of "<kind>:<id>"
    name: str     # file name in the journal


def journal_dir(settings: dict) -> Path:
    configured = settings.get("hub.erasure_journal")
    if configured:
        return Path(configured)
    return Path(settings.get("hub.data_dir") or "var") / "erasures"


def _key(directory: Path) -> bytes:
    path = directory / KEY_FILE
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    directory.mkdir(parents=True, exist_ok=True)
    # O_EXCL: when two processes make the first entry together, one key wins, and the
    # loser reads it.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
        handle.flush()
        os.fsync(handle.fileno())
    return bytes.fromhex(path.read_text().strip())


def subject_hash(key: bytes, kind: str, ident: int | str) -> str:
    return hmac.new(key, f"{kind}:{ident}".encode(), hashlib.sha256).hexdigest()


def write_entry(directory: Path, kind: str, ident: int | str,
                at: dt.datetime | None = None) -> Path:
    """Add an entry to the journal in ``directory`` and return its path (durable on return)."""
    at = at or dt.datetime.now(dt.UTC)
    subject = subject_hash(_key(directory), kind, ident)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{at:%Y%m%dT%H%M%S%f}Z-{subject[:16]}{ENTRY_SUFFIX}"
    body = json.dumps({"v": 1, "at": at.isoformat(), "kind": kind, "subject": subject})
    temporary = path.with_suffix(".tmp")
    with open(temporary, "w") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return path


def record(request, kind: str, ident: int | str) -> None:
    """Journal the erasure of ``kind:ident`` made in ``request``'s transaction."""
    path = write_entry(journal_dir(request.registry.settings), kind, ident)

    def forget(success: bool = False) -> None:
        if not success:
            path.unlink(missing_ok=True)

    current = request.tm.get()
    current.addAfterCommitHook(forget)
    current.addAfterAbortHook(forget)


def read(directory: Path) -> list[Entry]:
    """Every entry of the journal in ``directory``, oldest first (unreadable files are
    reported and skipped: one damaged file must not stop the others being applied)."""
    entries = []
    if not directory.is_dir():
        return entries
    for path in sorted(directory.glob(f"*{ENTRY_SUFFIX}")):
        try:
            data = json.loads(path.read_text())
            entries.append(Entry(dt.datetime.fromisoformat(data["at"]), data["kind"],
                                 data["subject"], path.name))
        except (OSError, ValueError, KeyError) as exc:
            log.error("erasure journal: cannot read %s: %s", path, exc)
    return entries


def key_of(directory: Path) -> bytes:
    return _key(directory)
