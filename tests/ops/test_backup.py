"""Backup, restore and the erasure journal: a restore never brings back an erased person."""
import hashlib
import io
import json
import shutil
import tarfile

import pytest
import sqlalchemy as sa
import transaction
from click.testing import CliRunner

from hub import erasures
from hub.accounts.models import User
from hub.backup import BackupError, create_backup, read_manifest, restore_backup
from hub.cli import main
from hub.jobs import background_request
from hub.privacy import erase
from hub.testing import TEST_PASSWORD, HubTestApp, make_user, need_service


def _client(app) -> HubTestApp:
    return HubTestApp(app, extra_environ={"wsgi.url_scheme": "https",
                                          "HTTP_HOST": "hub.example.org"})


def _need_pg_tools(app):
    if app.registry["hub.dbengine"].dialect.name == "postgresql":
        if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
            need_service("pg_dump", "PostgreSQL client programs are not installed")


def _add_user(registry, email):
    with registry["hub.dbsession_writer"]() as db:
        user = make_user(db, email, name=email.split("@")[0].title())
        db.commit()
        return user.id


def _user(registry, user_id):
    with registry["hub.dbsession_factory"]() as db:
        return db.get(User, user_id)


@pytest.fixture
def drill_app(committed_app, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    app = committed_app("news", **{"hub.data_dir": str(data)})
    _need_pg_tools(app)
    return app, data


def test_restore_drill_erased_person_does_not_come_back(drill_app, tmp_path):
    app, data = drill_app
    registry = app.registry
    leaving = _add_user(registry, "leaving@test.example")
    staying = _add_user(registry, "staying@test.example")
    (data / "news" / "images").mkdir(parents=True)
    (data / "news" / "images" / "photo.png").write_bytes(b"\x89PNG before")
    archive = tmp_path / "backups" / "hub.tar.gz"

    manifest = create_backup(registry, archive)

    assert manifest["database"]["kind"] == registry["hub.dbengine"].dialect.name
    assert set(manifest["migrations"]) == {"core", "news"} and manifest["migrations"]["core"]
    assert manifest["versions"]["hub-core"] and "news" in manifest["versions"]["plugins"]
    assert [f["path"] for f in manifest["files"]] == ["news/images/photo.png"]
    assert len(manifest["files"][0]["sha256"]) == 64
    assert archive.stat().st_mode & 0o077 == 0  # personal data: the owner's only
    assert read_manifest(archive) == manifest

    # After the backup: one person deletes their account on the web, a file changes, a
    # new file and a new account appear.
    client = _client(app).login(_user(registry, leaving))
    form = client.get("/profile/delete").forms["erase-form"]
    form["password"], form["confirm"] = TEST_PASSWORD, True
    assert form.submit().status_int == 303
    assert _user(registry, leaving).erased_at is not None
    (data / "news" / "images" / "photo.png").write_bytes(b"\x89PNG after")
    (data / "news" / "images" / "new.png").write_bytes(b"new")
    _add_user(registry, "later@test.example")

    journal = list((data / "erasures").glob("*.json"))
    assert len(journal) == 1
    text = journal[0].read_text()
    assert "leaving" not in text and "Leaving" not in text and f'"{leaving}"' not in text

    result = restore_backup(registry, archive)

    assert result.erased_again == [leaving]
    gone = _user(registry, leaving)
    assert gone.erased_at is not None and gone.name == "" and gone.password_hash is None
    assert "leaving" not in gone.email
    assert _user(registry, staying).email == "staying@test.example"
    with registry["hub.dbsession_factory"]() as db:
        emails = set(db.scalars(sa.select(User.email)))
    assert "later@test.example" not in emails and "leaving@test.example" not in emails
    assert (data / "news" / "images" / "photo.png").read_bytes() == b"\x89PNG before"
    assert not (data / "news" / "images" / "new.png").exists()
    # The journal survives the restore and is not written twice.
    assert len(list((data / "erasures").glob("*.json"))) == 1
    # The erased person cannot sign in to the restored portal.
    page = _client(app).get("/login").forms["login-form"]
    page["email"], page["password"] = "leaving@test.example", TEST_PASSWORD
    assert page.submit().status_int == 200

    # A second restore of the same archive gives the same result.
    assert restore_backup(registry, archive).erased_again == [leaving]


def test_damaged_archive_is_refused_before_anything_changes(drill_app, tmp_path):
    app, data = drill_app
    registry = app.registry
    (data / "doc.txt").write_text("original")
    archive = tmp_path / "hub.tar.gz"
    create_backup(registry, archive)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            body = source.extractfile(member).read()
            if member.name == "files/doc.txt":
                body = b"tampered"
                member.size = len(body)
            target.addfile(member, io.BytesIO(body))
    (data / "doc.txt").write_text("current")
    added = _add_user(registry, "current@test.example")

    with pytest.raises(BackupError, match="damaged"):
        restore_backup(registry, damaged)
    assert (data / "doc.txt").read_text() == "current"
    assert _user(registry, added) is not None


def test_backup_of_another_database_kind_is_refused(drill_app, tmp_path):
    app, _data = drill_app
    archive = tmp_path / "hub.tar.gz"
    manifest = create_backup(app.registry, archive)
    other = {"sqlite": "postgresql", "postgresql": "sqlite"}[manifest["database"]["kind"]]
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(forged, "w:gz") as target:
        for member in source.getmembers():
            body = source.extractfile(member).read()
            if member.name == "manifest.json":
                data = json.loads(body)
                data["database"]["kind"] = other
                body = json.dumps(data).encode()
                member.size = len(body)
            target.addfile(member, io.BytesIO(body))
    with pytest.raises(BackupError, match=f"holds a {other} database"):
        restore_backup(app.registry, forged)


def test_an_erasure_that_rolls_back_leaves_no_journal_entry(drill_app):
    app, data = drill_app
    registry = app.registry
    user_id = _add_user(registry, "changed-mind@test.example")
    request = background_request(registry)
    with pytest.raises(RuntimeError), request.tm:
        erase(request, request.dbsession.get(User, user_id), actor=None)
        assert len(list((data / "erasures").glob("*.json"))) == 1
        raise RuntimeError("the request fails after the erasure")
    assert list((data / "erasures").glob("*.json")) == []
    assert _user(registry, user_id).erased_at is None
    assert transaction.manager  # the global manager was never involved


def test_journal_entries_hold_a_keyed_hash_only(tmp_path):
    path = erasures.write_entry(tmp_path, erasures.USER, 42)
    entry = json.loads(path.read_text())
    assert set(entry) == {"v", "at", "kind", "subject"} and len(entry["subject"]) == 64
    assert entry["subject"] != hashlib.sha256(b"user:42").hexdigest()
    key = erasures.key_of(tmp_path)
    assert entry["subject"] == erasures.subject_hash(key, erasures.USER, 42)
    assert (tmp_path / "key").stat().st_mode & 0o077 == 0
    # Another installation (another key) cannot tell which account it was.
    assert erasures.subject_hash(b"other key", erasures.USER, 42) != entry["subject"]


def test_backup_and_restore_commands(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    ini = tmp_path / "hub.ini"
    ini.write_text("[app:main]\nuse = egg:hub-core\nhub.plugins = news\n"
                   f"hub.jobs.backend = immediate\nhub.data_dir = {data}\n"
                   f"sqlalchemy.url = sqlite:///{data / 'hub.sqlite'}\n")
    runner = CliRunner()
    assert runner.invoke(main, ["-c", str(ini), "db", "upgrade"]).exit_code == 0
    (data / "mail").mkdir()
    (data / "mail" / "one.eml").write_text("Subject: hello\n")
    archive = tmp_path / "b.tar.gz"
    made = runner.invoke(main, ["-c", str(ini), "backup", "--output", str(archive)])
    assert made.exit_code == 0, made.output
    assert "sqlite database and 1 files" in made.output
    # The live database is not among the files: it is in the archive once, as the dump.
    assert [f["path"] for f in read_manifest(archive)["files"]] == ["mail/one.eml"]
    (data / "mail" / "one.eml").unlink()
    refused = runner.invoke(main, ["-c", str(ini), "restore", str(archive)], input="n\n")
    assert refused.exit_code != 0 and not (data / "mail" / "one.eml").exists()
    done = runner.invoke(main, ["-c", str(ini), "restore", "--yes", str(archive)])
    assert done.exit_code == 0, done.output
    assert "erased again from the erasure journal: 0" in done.output
    assert (data / "mail" / "one.eml").read_text() == "Subject: hello\n"
    bad = runner.invoke(main, ["-c", str(ini), "restore", "--yes", str(ini)])
    assert bad.exit_code != 0 and "not a backup" in bad.output


def test_a_store_outside_the_data_directory_is_backed_up_and_restored(committed_app, tmp_path):
    import uuid

    from hub.storage import get_store

    data = tmp_path / "data"
    data.mkdir()
    app = committed_app("news", **{"hub.data_dir": str(data),
                                     "hub.storage.url": f"memory://backup-{uuid.uuid4().hex}"})
    _need_pg_tools(app)
    store = get_store(app.registry)
    store.fs.pipe_file(f"{store.root}/news/2026/12/kept-file-key-abcdefghijkl", b"kept")
    archive = tmp_path / "hub.tar.gz"
    manifest = create_backup(app.registry, archive)
    assert [f["path"] for f in manifest["storage"]] == ["news/2026/12/kept-file-key-abcdefghijkl"]
    store.fs.rm(f"{store.root}/news/2026/12/kept-file-key-abcdefghijkl")
    store.fs.pipe_file(f"{store.root}/news/2026/12/later-file-key-abcdefghijk", b"later")

    restore_backup(app.registry, archive)

    assert store.read("news/2026/12/kept-file-key-abcdefghijkl") == b"kept"
    assert not store.exists("news/2026/12/later-file-key-abcdefghijk")


def test_restore_drill_erased_contact_subscriber_and_case_stay_erased(committed_app, tmp_path):
    """People without an account (a CRM contact, a newsletter subscriber, the asker of a
    counselling case) erased after the backup do not come back with the restore."""
    from hub_counselling import services as counselling
    from hub_counselling.hooks import CASE_CONSENT
    from hub_counselling.models import Case
    from hub_crm.gdpr import erase_contact
    from hub_crm.models import Contact
    from hub_newsletter.hooks import erase_subscriber
    from hub_newsletter.models import Subscriber

    data = tmp_path / "data"
    data.mkdir()
    app = committed_app("crm", "newsletter", "counselling", **{"hub.data_dir": str(data)})
    _need_pg_tools(app)
    registry = app.registry

    def run(work):
        request = background_request(registry)
        with request.tm:
            return work(request, request.dbsession)

    def build(request, db):
        made = {}
        for who in ("leaving", "staying"):
            contact = Contact(name=who.title(), email=f"{who}-contact@test.example")
            subscriber = Subscriber(email=f"{who}-reader@test.example")
            db.add_all([contact, subscriber])
            case = counselling.create_case(request, {
                "subject": "Dotaz", "message": "Text dotazu", "email": f"{who}-asker@test.example",
                "category": "grants", "consent_version": CASE_CONSENT.text_version}, None, "form")
            db.flush()
            made[who] = (contact.id, subscriber.id, case.id)
        return made

    made = run(build)
    archive = tmp_path / "hub.tar.gz"
    create_backup(registry, archive)

    contact_id, subscriber_id, case_id = made["leaving"]
    run(lambda request, db: (erase_contact(request, db.get(Contact, contact_id)),
                             erase_subscriber(request, db.get(Subscriber, subscriber_id)),
                             counselling.erase_case(request, db.get(Case, case_id), "withdrawn")))
    journal = sorted((data / "erasures").glob("*.json"))
    assert len(journal) == 3
    kinds = {json.loads(path.read_text())["kind"] for path in journal}
    assert kinds == {"hub_crm.gdpr:contact", "hub_newsletter.hooks:subscriber",
                     "hub_counselling.services:case"}
    assert not any("leaving" in path.read_text() for path in journal)

    result = restore_backup(registry, archive)

    assert result.erased_again == []
    assert result.rows_erased_again == {"hub_crm.gdpr:contact": [contact_id],
                                        "hub_newsletter.hooks:subscriber": [subscriber_id],
                                        "hub_counselling.services:case": [case_id]}

    def emails(request, db):
        return (set(db.scalars(sa.select(Contact.email))),
                set(db.scalars(sa.select(Subscriber.email))),
                set(db.scalars(sa.select(Case.email))))

    contacts, subscribers, cases = run(emails)
    assert contacts == {"staying-contact@test.example"}
    assert subscribers == {"staying-reader@test.example"}
    assert cases == {"staying-asker@test.example"}
    # Re-applied without new entries; a second restore gives the same result.
    assert len(list((data / "erasures").glob("*.json"))) == 3
    assert restore_backup(registry, archive).rows_erased_again == result.rows_erased_again


def test_a_reused_id_is_not_the_erased_row():
    """SQLite may hand out a deleted row's id again: the identity carries its creation."""
    import datetime as dt
    from types import SimpleNamespace

    first = SimpleNamespace(id=7, created_at=dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC))
    reused = SimpleNamespace(id=7, created_at=dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC))
    naive = SimpleNamespace(id=7, created_at=dt.datetime(2026, 3, 1, 10))
    assert erasures.row_identity(first) != erasures.row_identity(reused)
    assert erasures.row_identity(first) == erasures.row_identity(naive)
    with pytest.raises(ValueError, match="<module>:<what>"):
        erasures.register("contact", object, print)


def test_a_restore_finds_a_kind_whose_module_was_never_imported(monkeypatch):
    import sys

    monkeypatch.delitem(sys.modules, "hub_crm.gdpr", raising=False)
    monkeypatch.delitem(erasures.KINDS, "hub_crm.gdpr:contact", raising=False)
    kind = erasures.kind_of("hub_crm.gdpr:contact")
    assert kind is not None and kind.model.__tablename__ == "crm_contact"
    assert erasures.kind_of("hub_gone.module:row") is None


def test_entries_of_a_plugin_not_here_are_skipped_and_the_rest_applied(drill_app, tmp_path,
                                                                      caplog):
    app, data = drill_app  # the news plugin only: no CRM tables
    registry = app.registry
    leaving = _add_user(registry, "leaving-too@test.example")
    archive = tmp_path / "hub.tar.gz"
    create_backup(registry, archive)
    erasures.write_entry(data / "erasures", "hub_crm.gdpr:contact", "1:1767225600")
    erasures.write_entry(data / "erasures", "hub_gone.module:row", 1)
    erasures.write_entry(data / "erasures", erasures.USER, leaving)

    result = restore_backup(registry, archive)

    assert result.erased_again == [leaving] and result.rows_erased_again == {}
    skipped = [r.getMessage() for r in caplog.records if "cannot be applied" in r.getMessage()]
    assert len(skipped) == 2
