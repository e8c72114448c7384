"""Concurrent first decisions for one consent: no error, one current row, full evidence."""
import sqlalchemy as sa

from hub.consent import ConsentRecord
from hub.testing import _make_testapp
from hub_crm.models import Contact
from hub_crm.services import make_token


def test_concurrent_preference_submissions(committed_app, concurrent):
    app = committed_app("crm")
    factory = app.registry["hub.dbsession_factory"]
    with factory() as db:
        contact = Contact(kind="person", first_name="Jana", last_name="Souběžná",
                          name="Jana Souběžná", email="jana@example.cz")
        db.add(contact)
        db.flush()

        class Req:
            dbsession = db
            registry = app.registry

        token = make_token(Req(), contact.id)
        contact_id = contact.id
        db.commit()
    url = f"/crm/preferences/{token}"

    def submit(i):
        client = _make_testapp(app)
        form = client.get(url).forms["preferences-form"]
        form["consent_newsletter"].checked = True
        return form.submit().status_int

    results = concurrent(12, submit)
    assert results == [303] * 12, results
    with factory() as db:
        records = db.scalars(sa.select(ConsentRecord).where(
            ConsentRecord.contact_ref == f"crm:{contact_id}")).all()
        assert records and {(r.purpose, r.action) for r in records} == {
            ("crm.newsletter", "given")}
