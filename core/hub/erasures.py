"""The erasure journal: every erasure of a person, kept outside the database.

A restore puts the database back as it was when the backup was taken. Without a record
kept elsewhere, a person who deleted their account after that moment would come back.
Plugins journal the people they hold without an account the same way (a CRM contact, a
newsletter subscriber, a counselling case): ``register`` names a kind, the model and the
function that erases one row; the erasing code calls ``record_row``. The identity of such a
row is its id with the second it was created, so that an id SQLite hands out again after a
deletion is never taken for the erased row. A kind is named ``<module>:<what>``, the module
that registers it, so a restore finds it without the plugin having been imported.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from transaction.interfaces import NoTransaction

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


@dataclass(frozen=True)
class Kind:
    """Rows of ``model`` erased by ``erase(request, row)``, journalled as ``name``."""
    name: str
    model: type
    erase: Callable


KINDS: dict[str, Kind] = {}
# Set while a restore applies the journal: erasing again writes no new entries.
_replaying: ContextVar[bool] = ContextVar("hub_erasures_replaying", default=False)


def register(name: str, model: type, erase: Callable) -> Kind:
    """Declare a kind of erased row; ``name`` is ``<module registering it>:<what>``."""
    if ":" not in name:
        raise ValueError(f"an erasure kind is named <module>:<what>, not {name!r}")
    KINDS[name] = Kind(name, model, erase)
    return KINDS[name]


def kind_of(name: str) -> Kind | None:
    """The registered kind ``name``, importing the module that registers it if need be."""
    if name not in KINDS and ":" in name:
        import importlib

        try:
            importlib.import_module(name.split(":", 1)[0])
        except ImportError as exc:
            log.error("erasure journal: kind %s cannot be loaded: %s", name, exc)
    return KINDS.get(name)


def row_identity(row) -> str:
    """``<id>:<creation second>``: a reused id is another row."""
    created = getattr(row, "created_at", None)
    if created is None:
        return str(row.id)
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    return f"{row.id}:{int(created.timestamp())}"


@contextmanager
def replaying() -> Iterator[None]:
    token = _replaying.set(True)
    try:
        yield
    finally:
        _replaying.reset(token)


def record_row(request, kind: str, row) -> None:
    """Journal the erasure of ``row`` (of the registered ``kind``) in ``request``'s
    transaction; a row never flushed has nothing to journal."""
    if getattr(row, "id", None) is not None:
        record(request, kind, row_identity(row))


def record(request, kind: str, ident: int | str) -> None:
    """Journal the erasure of ``kind:ident`` made in ``request``'s transaction."""
    if _replaying.get():
        return
    path = write_entry(journal_dir(request.registry.settings), kind, ident)

    def forget(success: bool = False) -> None:
        if not success:
            path.unlink(missing_ok=True)

    try:
        current = request.tm.get()
    except (AttributeError, NoTransaction):
        # No transaction to follow (a session used outside a transaction manager): the
        # entry stays, which at worst erases again a row whose erasure did not commit.
        return
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
