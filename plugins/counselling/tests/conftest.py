import pytest
import sqlalchemy as sa

ORIGIN = "https://hub.example.org"


@pytest.fixture
def counselling_app(make_app):
    return make_app("counselling")


@pytest.fixture
def client(counselling_app, make_testapp):
    return make_testapp(counselling_app)


@pytest.fixture
def version():
    from hub_counselling.hooks import CASE_CONSENT

    return CASE_CONSENT.text_version


def api_headers(client):
    return {"X-CSRF-Token": client.csrf_token, "Origin": ORIGIN}


def mails_to(dbsession, address):
    from hub.mail import MailMessage

    return dbsession.scalars(sa.select(MailMessage).where(MailMessage.recipient == address)
                             .order_by(MailMessage.id)).all()


@pytest.fixture
def ask(client, version):
    """Ask through the public form; returns the response."""

    def _ask(email="anna@example.org", subject="Nárok na lázně",
             message="Mám nárok na lázeňskou péči po operaci?", category="patients_rights",
             consent=True, status=303, **extra):
        fields = {"subject": subject, "message": message, "email": email, "name": "",
                  "category": category, "consent_version": version, **extra}
        if consent:
            fields["consent"] = "1"
        return client.post_form("/counselling", fields, status=status)

    return _ask


@pytest.fixture
def hub_request(dbsession, counselling_app, bind_registry):
    """A background request on the test's session (for services and the ledger)."""
    from hub.jobs import background_request

    request = background_request(bind_registry(counselling_app.registry))
    request.dbsession = dbsession
    return request


@pytest.fixture
def make_case(dbsession, hub_request):
    """A case made through the service, as the form makes it."""
    from hub_counselling import services
    from hub_counselling.hooks import CASE_CONSENT

    def _make(email="petr@example.org", user=None, **values):
        request = hub_request
        data = {"subject": "Dotaz", "message": "Text dotazu", "email": email,
                "category": "grants", "consent_version": CASE_CONSENT.text_version, **values}
        case = services.create_case(request, data, user, "form")
        dbsession.flush()
        return case

    return _make
