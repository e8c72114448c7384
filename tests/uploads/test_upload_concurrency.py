"""Two requests send the same bytes at the same offset: exactly one wins, over real HTTP
on a database where requests commit (file SQLite; PostgreSQL with HUB_TEST_DATABASE_URL)."""
import sqlalchemy as sa

from hub.storage import get_store
from hub.testing import HTTPClient, make_user, served
from hub.uploads.models import Upload, UploadPart

DATA = b"%PDF-1.7\n" + b"x" * 200_000


def tus(client, **extra) -> dict:
    return {"Tus-Resumable": "1.0.0", "X-CSRF-Token": client.cookies["hub_csrf"],
            **{name.replace("_", "-"): str(value) for name, value in extra.items()}}


def test_two_requests_at_the_same_offset(committed_app, concurrent):
    app = committed_app("news")
    with app.registry["hub.dbsession_factory"]() as db:
        staff = make_user(db, "uploader@race.example", "staff")
        db.commit()
        staff_id = staff.id
    with served(app, threads=4) as base:
        client = HTTPClient(base).with_session(app, staff_id)
        client.get("/")
        created = client.request("POST", "/uploads", b"", tus(client, Upload_Length=len(DATA)))
        assert created.status == 201, created.text
        path = "/uploads/" + created.headers["Location"].rsplit("/", 1)[1]
        # The first part is sent from two tabs at once.
        clients = []
        for _ in range(2):
            twin = HTTPClient(base)
            twin.cookies = dict(client.cookies)
            clients.append(twin)

        def send(i):
            c = clients[i]
            return c.request("PATCH", path, DATA[:100_000], {
                **tus(c, Upload_Offset=0), "Content-Type": "application/offset+octet-stream"})

        answers = concurrent(2, send)
        assert sorted(a.status for a in answers) == [204, 409], [
            getattr(a, "text", a) for a in answers]
        status = client.request("HEAD", path, None, tus(client))
        assert status.headers["Upload-Offset"] == "100000"
        second = client.request("PATCH", path, DATA[100_000:], {
            **tus(client, Upload_Offset=100_000),
            "Content-Type": "application/offset+octet-stream"})
        assert second.status == 204 and second.headers["Upload-Offset"] == str(len(DATA))

    token = path.rsplit("/", 1)[1]
    with app.registry["hub.dbsession_factory"]() as db:
        upload = db.get(Upload, token)
        assert (upload.offset, upload.parts) == (len(DATA), 2)
        parts = db.scalars(sa.select(UploadPart).where(UploadPart.upload_id == token)
                           .order_by(UploadPart.offset)).all()
    store = get_store(app.registry)
    # Exactly the winner's parts are on the storage: the loser's was removed, or never written.
    assert sorted(store.fs.ls(f"{store.root}/_uploads/{token}", detail=False)) == sorted(
        f"{store.root}/{p.key}" for p in parts)
    assert b"".join(store.fs.cat_file(f"{store.root}/{p.key}") for p in parts) == DATA
