"""Fixtures of the newsletter plugin's tests."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.markers import hookimpl


def smtp_settings(sink) -> dict:
    return {"newsletter.backend": "smtp", "newsletter.smtp_host": sink.host,
            "newsletter.smtp_port": str(sink.port)}


@pytest.fixture(scope="session")
def session_sinks():

    sinks = {}
    yield sinks
    for sink in sinks.values():
        sink.stop()


@pytest.fixture
def sink(request, session_sinks):
    """A real SMTP server (aiosmtpd) shared by the session, emptied for each test.

    Parametrize indirectly with ``"pipelining"`` for one that offers RFC 2920 pipelining.
    """
    from hub.testing import SMTPSink

    kind = getattr(request, "param", "plain")
    if kind not in session_sinks:
        session_sinks[kind] = SMTPSink(pipelining=kind == "pipelining").start()
    session_sinks[kind].clear()
    session_sinks[kind].refuse.clear()
    return session_sinks[kind]


both_sinks = pytest.mark.parametrize("sink", ["plain", "pipelining"], indirect=True)


@pytest.fixture
def after_first_message(monkeypatch):
    """``after_first_message(action)``: run ``action()`` once the first message of a send
    has been transferred (to change something while the send goes on)."""
    from hub_newsletter.transport import Transport

    def install(action):
        original = Transport.transfer
        calls = []

        def transfer(self, data, name):
            original(self, data, name)
            calls.append(name)
            if len(calls) == 1:
                action()

        monkeypatch.setattr(Transport, "transfer", transfer)

    return install


@pytest.fixture
def nl_app(make_app, sink):
    """The newsletter plugin alone, sending bulk mail to the SMTP sink (one app, cached)."""
    return make_app("newsletter", **smtp_settings(sink))


@pytest.fixture
def nl_testapp(nl_app, make_testapp):
    return make_testapp(nl_app)


def add_list(db, slug="novinky", name="Novinky", public=True):
    from hub_newsletter.models import NewsletterList

    nl = NewsletterList(slug=slug, name=name, description="Měsíční přehled", is_public=public)
    db.add(nl)
    db.flush()
    return nl


def give_consent(db, nl, email, registry=None):
    """A consent in force in the ledger, as the double opt-in records it."""
    from hub.consent import ConsentRecord, ConsentText
    from hub.consent.services import email_digest
    from hub_newsletter.purposes import LIST_PURPOSE, list_object, subject_of

    if db.get(ConsentText, (LIST_PURPOSE.key, LIST_PURPOSE.text_version)) is None:
        db.add(ConsentText(purpose=LIST_PURPOSE.key, version=LIST_PURPOSE.text_version,
                           title_cs=LIST_PURPOSE.title["cs"], title_en=LIST_PURPOSE.title["en"],
                           text_cs=LIST_PURPOSE.text["cs"], text_en=LIST_PURPOSE.text["en"],
                           legal_basis="consent"))
        db.flush()
    db.add(ConsentRecord(subject_key=subject_of(email).key, email=email,
                         email_digest=email_digest(email), purpose=LIST_PURPOSE.key,
                         object=list_object(nl.id), text_version=LIST_PURPOSE.text_version,
                         action="given", source="double_opt_in"))
    db.flush()


def add_subscriber(db, nl, email, name="", status="confirmed", gender=None):
    """A subscriber of ``nl``: with a consent in the ledger (``confirmed``) or a request
    waiting for confirmation (``pending``)."""
    from hub_newsletter.models import Subscriber, Subscription
    from hub_newsletter.salutation import split_name

    first, last = split_name(name)
    subscriber = Subscriber(email=email, name=name, first_name=first, last_name=last,
                            gender=gender)
    db.add(subscriber)
    db.flush()
    if status == "confirmed":
        give_consent(db, nl, email)
    else:
        db.add(Subscription(list_id=nl.id, subscriber_id=subscriber.id,
                            confirm_token=f"confirm-{subscriber.id}"))
        db.flush()
    return subscriber


def add_campaign(db, lists, status="approved", body="${salutation},\n\nnovinky z hubu.",
                 subject="Novinky", created_by=None, **kw):
    from hub_newsletter.models import Campaign

    campaign = Campaign(subject=subject, body=body, status=status,
                        created_by_id=created_by.id if created_by else None, **kw)
    campaign.lists = list(lists)
    db.add(campaign)
    db.flush()
    return campaign


def prepare_deliveries(db, campaign):
    """What start_sending writes, without enqueuing (tests run the workers themselves)."""
    from hub.consent import holders
    from hub_newsletter.models import Delivery, Subscriber
    from hub_newsletter.purposes import LIST_PURPOSE_KEY

    held = holders(LIST_PURPOSE_KEY, object=None).subquery()
    rows = db.execute(sa.select(Subscriber.id, Subscriber.email, held.c.object)
                      .join(held, held.c.email == Subscriber.email)).all()
    for subscriber_id, email, source in rows:
        db.add(Delivery(campaign_id=campaign.id, subscriber_id=subscriber_id, address=email,
                        source=source))
    campaign.status = "sending"
    db.flush()


class FakeCrm:
    def __init__(self, members, withdrawn=()):
        self.members = members
        self.withdrawn = set(withdrawn)

    @hookimpl
    def hub_audiences(self, request):
        return [{"key": "patients", "label": "Pacienti", "purpose": "newsletter",
                 "count": len(self.members)}]

    @hookimpl
    def hub_audience_members(self, request, key):
        return self.members if key == "patients" else []

    @hookimpl
    def hub_audience_consents(self, request, key, email):
        return key == "patients" and email not in self.withdrawn


@pytest.fixture
def fake_crm(nl_app):
    pm = nl_app.registry["hub.pm"]
    registered = []

    def _register(members, withdrawn=()):
        crm = FakeCrm(members, withdrawn)
        pm.register(crm, name="fake-crm")
        registered.append(crm)
        return crm

    yield _register
    for crm in registered:
        pm.unregister(crm)


def post(testapp, url, fields=None, **kwargs):
    """``testapp.post_form`` that also works for a client's second POST.

    hub.testing's ``csrf_token`` returns the cookie as WebTest stores it, in quotes, once the
    cookie exists (reported to the core); strip them here.
    """
    token = testapp.csrf_token.strip('"')
    headers = {"Origin": testapp.origin, **kwargs.pop("headers", {})}
    return testapp.post(url, {**(fields or {}), "csrf_token": token}, headers=headers, **kwargs)
