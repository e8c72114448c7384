"""``hub backup`` and ``hub restore``: the database and the files in one archive.

An archive is a gzipped tar file::

    manifest.json        created_at, versions, migration revisions, database kind,
                         every file with its size and SHA-256
    database.sqlite      SQLite: a copy made with SQLite's online backup API
    database.pgdump      PostgreSQL: ``pg_dump --format=custom``
    files/…              the file tree (``<hub.data_dir>``, without caches, queues,
                         the database itself and the erasure journal)
    storage/…            the file store (``hub.storage``) when it is not a directory
                         inside ``<hub.data_dir>``: a shared volume or an S3 bucket

A restore checks every checksum before it changes anything, replaces the database and the
files, migrates to this release and then erases again everyone the erasure journal
(``hub.erasures``) names who is not erased in the restored database: a restore never
brings back a person who asked to be forgotten.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata as md
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess  # nosec B404
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from hub import erasures, migrate

log = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files/"
STORAGE = "storage/"
DATABASE_FILES = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
# Kept under the data directory but not data: rebuilt on their own, or a live database.
SKIPPED_DIRS = {"cache"}
SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot be made; the message says why."""


@dataclass
class RestoreResult:
    manifest: dict
    files: int = 0
    erased_again: list[int] = field(default_factory=list)
    # Rows of the plugins' kinds (contacts, subscribers, cases) erased again, by kind.
    rows_erased_again: dict[str, list[int]] = field(default_factory=dict)


# -- what is backed up ------------------------------------------------------------------

def database_kind(engine: sa.Engine) -> str:
    name = engine.dialect.name
    if name not in DATABASE_FILES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def files_root(registry) -> Path:
    return Path(registry.settings.get("hub.data_dir") or "var").resolve()


def _excluded_paths(registry, extra: tuple[Path, ...] = ()) -> set[Path]:
    """Files and directories under the data directory that are not part of the files."""
    settings = registry.settings
    paths = {erasures.journal_dir(settings).resolve(), *(p.resolve() for p in extra)}
    engine = registry["hub.dbengine"]
    if engine.dialect.name == "sqlite" and engine.url.database:
        database = Path(engine.url.database).resolve()
        paths.update(Path(f"{database}{suffix}") for suffix in SQLITE_SIDE_FILES)
    queue = settings.get("hub.jobs.path")
    if queue and settings.get("hub.jobs.backend") == "sqlite":
        queue_path = Path(queue).resolve()
        paths.update(Path(f"{queue_path}{suffix}") for suffix in SQLITE_SIDE_FILES)
    return paths


def _file_list(root: Path, excluded: set[Path]) -> list[Path]:
    result = []
    if not root.is_dir():
        return result
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        dirnames[:] = sorted(d for d in dirnames if (here / d).resolve() not in excluded
                             and not (here == root and d in SKIPPED_DIRS))
        for name in sorted(filenames):
            path = here / name
            if path.resolve() not in excluded and path.is_file() and not path.is_symlink():
                result.append(path)
    return result


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return _sha256_of(handle)


def _sha256_of(handle) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def separate_store(registry):
    """The file store when the file tree does not already hold it, else None."""
    from fsspec.implementations.local import LocalFileSystem

    from hub.storage import get_store

    store = get_store(registry)
    if isinstance(store.fs, LocalFileSystem):
        if Path(store.root).resolve().is_relative_to(files_root(registry)):
            return None
    return store


def _store_keys(store) -> list[str]:
    root = store.root + "/"
    try:
        found = store.fs.find(store.root)
    except FileNotFoundError:
        return []
    return sorted(path[len(root):] for path in found if path.startswith(root))


def versions(registry) -> dict:
    return {"hub-core": md.version("hub-core"),
            "plugins": {name: {"distribution": info.distribution, "version": info.version}
                        for name, info in sorted(registry["hub.plugins"].items())}}


# -- the database -------------------------------------------------------------------------

def _sqlite_path(engine: sa.Engine) -> Path:
    if not engine.url.database or engine.url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(engine.url.database)


def _libpq(engine: sa.Engine) -> tuple[str, dict]:
    """A libpq address for pg_dump/pg_restore, and the environment carrying the password
    (never on the command line, where other users of the machine could read it)."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    address = url.set(drivername="postgresql", password=None)
    return address.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict) -> None:
    program = args[0]
    if shutil.which(program) is None:
        raise BackupError(f"{program} is not installed (PostgreSQL client programs, "
                          "the same major version as the server or newer).")
    # The arguments are ours: program names and paths, never input from a request.
    done = subprocess.run(args, env=env, capture_output=True, text=True)  # noqa: S603  # nosec B603
    if done.returncode != 0:
        raise BackupError(f"{program} failed: {done.stderr.strip()}")


def dump_database(engine: sa.Engine, target: Path) -> None:
    kind = database_kind(engine)
    if kind == "sqlite":
        source = sqlite3.connect(_sqlite_path(engine))
        copy = sqlite3.connect(target)
        try:
            # The online backup API copies a consistent snapshot while others keep writing.
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    else:
        address, env = _libpq(engine)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--file={target}", f"--dbname={address}"], env)


def load_database(engine: sa.Engine, dump: Path) -> None:
    """Replace the whole database with ``dump``."""
    kind = database_kind(engine)
    engine.dispose()
    if kind == "sqlite":
        source = sqlite3.connect(dump)
        target = sqlite3.connect(_sqlite_path(engine), timeout=30)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        # Tables made since the backup (a module enabled later) must go too: the schema is
        # emptied, then the dump loaded in one transaction.
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        address, env = _libpq(engine)
        _run(["pg_restore", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", f"--dbname={address}", str(dump)], env)
    engine.dispose()


# -- backup --------------------------------------------------------------------------------

def create_backup(registry, output: Path) -> dict:
    """Write a backup archive to ``output`` and return its manifest."""
    engine = registry["hub.dbengine"]
    kind = database_kind(engine)
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    created_at = dt.datetime.now(dt.UTC)
    root = files_root(registry)
    with tempfile.TemporaryDirectory(prefix="hub-backup-", dir=output.parent) as work:
        dump = Path(work) / DATABASE_FILES[kind]
        # The revisions are read before the dump: a migration run meanwhile makes the dump
        # newer than the manifest says, which a restore handles (it migrates), never older.
        revisions = {branch: current for branch, (current, _head)
                     in migrate.current_heads(registry).items()}
        dump_database(engine, dump)
        files = []
        paths = _file_list(root, _excluded_paths(registry, (output, Path(work))))
        for path in paths:
            files.append({"path": path.relative_to(root).as_posix(),
                          "size": path.stat().st_size, "sha256": _sha256(path)})
        store = separate_store(registry)
        stored = []
        for key in _store_keys(store) if store is not None else ():
            with store.fs.open(f"{store.root}/{key}", "rb") as handle:
                stored.append({"path": key, "size": int(store.fs.size(f"{store.root}/{key}")),
                               "sha256": _sha256_of(handle)})
        manifest = {
            "format": FORMAT,
            "created_at": created_at.isoformat(),
            "versions": versions(registry),
            "migrations": revisions,
            "database": {"kind": kind, "file": dump.name, "size": dump.stat().st_size,
                         "sha256": _sha256(dump)},
            "files": files,
            "storage": stored,
        }
        partial = output.with_name(f".{output.name}.partial")
        # Backups hold personal data: readable by the owner only.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(created_at.timestamp()), 0o600
            archive.addfile(info, io.BytesIO(data))
            archive.add(dump, arcname=dump.name, recursive=False)
            for path, entry in zip(paths, files, strict=True):
                archive.add(path, arcname=FILES + entry["path"], recursive=False)
            for entry in stored:
                info = tarfile.TarInfo(STORAGE + entry["path"])
                info.size, info.mode = entry["size"], 0o600
                info.mtime = int(created_at.timestamp())
                with store.fs.open(f"{store.root}/{entry['path']}", "rb") as handle:
                    archive.addfile(info, handle)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, output)
    log.info("backup written to %s (%d files)", output, len(files))
    return manifest


# -- restore -------------------------------------------------------------------------------

def read_manifest(archive_path: Path) -> dict:
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            member = archive.getmember(MANIFEST)
            manifest = json.loads(archive.extractfile(member).read())
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{archive_path} is not a backup made by hub backup: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def _check_compatible(registry, manifest: dict) -> None:
    kind = database_kind(registry["hub.dbengine"])
    if manifest["database"]["kind"] != kind:
        raise BackupError(f"The backup holds a {manifest['database']['kind']} database; "
                          f"this installation uses {kind}.")
    known = {}
    for branch, location in migrate.branches(registry):
        from alembic.script import ScriptDirectory

        scripts = ScriptDirectory.from_config(
            migrate.alembic_config(registry["hub.dbengine"], branch, location))
        known[branch] = {script.revision for script in scripts.walk_revisions()}
    for branch, revisions in manifest["migrations"].items():
        unknown = set((revisions or "").split(",")) - {""} - known.get(branch, set())
        if branch in known and unknown:
            raise BackupError(f"The backup was made by a newer release ({branch} at "
                              f"{', '.join(sorted(unknown))}); install that release first.")


def _extract(archive_path: Path, manifest: dict, work: Path) -> None:
    """Extract what the manifest lists into ``work`` and check every checksum."""
    wanted = {manifest["database"]["file"]: manifest["database"]["sha256"]}
    wanted.update({FILES + entry["path"]: entry["sha256"] for entry in manifest["files"]})
    wanted.update({STORAGE + entry["path"]: entry["sha256"]
                   for entry in manifest.get("storage", ())})
    with tarfile.open(archive_path, "r:gz") as archive:
        members = [m for m in archive.getmembers() if m.name in wanted and m.isfile()]
        missing = set(wanted) - {m.name for m in members}
        if missing:
            raise BackupError(f"The archive lacks {len(missing)} file(s) its manifest lists, "
                              f"e.g. {sorted(missing)[0]}.")
        # The "data" filter refuses absolute paths, links out of the directory and devices.
        archive.extractall(work, members=members, filter="data")
    for name, digest in wanted.items():
        if _sha256(work / name) != digest:
            raise BackupError(f"{name} in the archive is damaged (checksum differs).")


def _replace_files(registry, source: Path) -> int:
    root = files_root(registry)
    for path in _file_list(root, _excluded_paths(registry)):
        path.unlink()
    count = 0
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.is_file():
                target = root / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
                count += 1
    return count


def _replace_store(registry, source: Path, manifest: dict) -> int:
    from hub.storage import get_store

    store = separate_store(registry)
    if store is None:
        if not manifest.get("storage"):
            return 0
        # Backed up from a separate store, restored where the store is in the file tree.
        store = get_store(registry)
    for key in _store_keys(store):
        store.fs.rm(f"{store.root}/{key}")
    count = 0
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.is_file():
                store.fs.put_file(str(path),
                                  f"{store.root}/{path.relative_to(source).as_posix()}")
                count += 1
    return count


def reapply_erasures(registry) -> tuple[list[int], dict[str, list[int]]]:
    """Apply the journal: accounts first (their erasure reaches their rows in every plugin),
    then each plugin's kind of row still present. Returns the account ids and, by kind,
    the row ids erased again."""
    from hub.accounts.models import User
    from hub.jobs import background_request
    from hub.privacy import erase

    directory = erasures.journal_dir(registry.settings)
    entries = erasures.read(directory)
    if not entries:
        return [], {}
    key = erasures.key_of(directory)
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        wanted.setdefault(entry.kind, set()).add(entry.subject)
    request = background_request(registry)
    erased: list[int] = []
    rows: dict[str, list[int]] = {}
    with erasures.replaying(), request.tm:
        users = wanted.pop(erasures.USER, set())
        if users:
            candidates = request.dbsession.scalars(
                sa.select(User).where(User.erased_at.is_(None)).order_by(User.id)).all()
            for user in candidates:
                if erasures.subject_hash(key, erasures.USER, user.id) in users:
                    erase(request, user, actor=None, journal=False)
                    erased.append(user.id)
        request.dbsession.flush()
        for name, subjects in sorted(wanted.items()):
            kind = erasures.kind_of(name)
            if kind is None or not sa.inspect(request.dbsession.connection()).has_table(
                    kind.model.__tablename__):
                # Its plugin is not installed, or its tables are not in this database.
                log.warning("restore: erasure kind %s cannot be applied here, %d entries "
                            "skipped", name, len(subjects))
                continue
            model = kind.model
            # Only the identities are read; the few rows to erase are then loaded whole.
            columns = [model.id] + ([model.created_at] if hasattr(model, "created_at") else [])
            found = [row.id for row in request.dbsession.execute(
                         sa.select(*columns).order_by(model.id))
                     if erasures.subject_hash(key, name, erasures.row_identity(row)) in subjects]
            for row_id in found:
                row = request.dbsession.get(model, row_id)
                if row is not None:  # gone with an earlier erasure of this restore
                    kind.erase(request, row)
                    rows.setdefault(name, []).append(row_id)
            request.dbsession.flush()
    for user_id in erased:
        log.info("restore: account erased again user_id=%s", user_id)
    for name, ids in rows.items():
        log.info("restore: %s erased again ids=%s", name, ids)
    return erased, rows


def restore_backup(registry, archive_path: Path) -> RestoreResult:
    """Replace the database and the files with those of the archive, migrate, and apply
    the erasure journal. Stop the web processes and workers first."""
    manifest = read_manifest(archive_path)
    _check_compatible(registry, manifest)
    root = files_root(registry)
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hub-restore-", dir=root.parent) as work:
        work = Path(work)
        _extract(archive_path, manifest, work)
        load_database(registry["hub.dbengine"], work / manifest["database"]["file"])
        files = _replace_files(registry, work / FILES.rstrip("/"))
        files += _replace_store(registry, work / STORAGE.rstrip("/"), manifest)
    migrate.upgrade(registry)
    cache = registry.get("hub.cache")
    if cache is not None:
        cache.clear()
    users, rows = reapply_erasures(registry)
    return RestoreResult(manifest, files, users, rows)
