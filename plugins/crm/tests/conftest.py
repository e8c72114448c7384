import pytest
import transaction

from hub.topics.models import Topic
from hub_crm.consent import set_directory
from hub_crm.models import Contact, CustomField, FieldValue, Segment
from hub_crm.services import set_consent


@pytest.fixture
def crm_app(make_app):
    return make_app("crm")


@pytest.fixture
def client(crm_app, make_testapp):
    return make_testapp(crm_app)


def Req(dbsession, registry):  # noqa: N802 (used like the class it replaces)
    """A background request on the test's session, for setting up data (the services and
    the consent ledger take a request)."""
    from hub.jobs import background_request

    request = background_request(registry, tm=transaction.manager)
    request.dbsession = dbsession
    return request


@pytest.fixture
def anonymous(crm_app, make_testapp):
    """A second browser, never signed in (``HubTestApp.logout`` keeps the cookie jar)."""
    return make_testapp(crm_app)


@pytest.fixture
def crm(dbsession, crm_app):
    """Helpers building CRM data in the test's transaction."""

    class Helpers:
        req = Req(dbsession, crm_app.registry)

        def contact(self, email, first="Jana", last="Nováková", consents=(), directory=(),
                    **kw):
            """A contact; ``consents``: CRM purposes given, ``directory``: the fields the
            person shows in the public directory (both in the consent ledger)."""
            contact = Contact(kind="person", first_name=first, last_name=last,
                              name=f"{first} {last}", email=email, **kw)
            dbsession.add(contact)
            dbsession.flush()
            for purpose in consents:
                set_consent(self.req, contact, purpose, True, source="form")
            if directory:
                set_directory(self.req, contact, set(directory), "form")
            return contact

        def segment(self, name, purpose, conditions=(), match="all"):
            seg = Segment(name=name, purpose=purpose, match=match, conditions=list(conditions))
            dbsession.add(seg)
            dbsession.flush()
            return seg

        def field(self, key, special, type="text", choices=()):
            field = CustomField(key=key, label=key.title(), is_special=special, type=type,
                                choices=list(choices))
            dbsession.add(field)
            dbsession.flush()
            return field

        def value(self, contact, field, value):
            dbsession.add(FieldValue(contact_id=contact.id, field_id=field.id, value=value))
            dbsession.flush()

        def topic(self, name, kind, slug=None, name_en=None):
            """A topic of the core's taxonomy ("disease" or "theme")."""
            import re
            import unicodedata

            plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
            topic = Topic(slug=slug or re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-"),
                          name_cs=name, name_en=name_en or name, kind=kind, position=1000)
            dbsession.add(topic)
            dbsession.flush()
            return topic

        def commit(self):
            transaction.commit()
            transaction.begin()

    return Helpers()

