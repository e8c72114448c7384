"""Fixtures of the newsletter plugin's tests."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from hub.db import utcnow
from hub.markers import hookimpl, hookspec


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
    from hub_newsletter import sending

    def install(action):
        original = sending.Transport.transfer
        calls = []

        def transfer(self, data, name):
            original(self, data, name)
            calls.append(name)
            if len(calls) == 1:
                action()

        monkeypatch.setattr(sending.Transport, "transfer", transfer)

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

    nl = NewsletterList(slug=slug, name=name, description="Měsíční přehled",
                        consent_text="Souhlasím se zasíláním novinek.", is_public=public)
    db.add(nl)
    db.flush()
    return nl


def add_subscriber(db, nl, email, name="", status="confirmed", gender=None):
    from hub_newsletter.models import Subscriber, Subscription
    from hub_newsletter.salutation import split_name

    first, last = split_name(name)
    subscriber = Subscriber(email=email, name=name, first_name=first, last_name=last,
                            gender=gender)
    db.add(subscriber)
    db.flush()
    db.add(Subscription(list_id=nl.id, subscriber_id=subscriber.id, status=status,
                        consent_at=utcnow() if status == "confirmed" else None,
                        consent_text_version=1, consent_source="test"))
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
    from hub_newsletter.models import Delivery, Subscriber, Subscription

    rows = db.execute(sa.select(Subscriber.id, Subscriber.email, Subscription.list_id)
                      .join(Subscription).where(Subscription.status == "confirmed")).all()
    for subscriber_id, email, list_id in rows:
        db.add(Delivery(campaign_id=campaign.id, subscriber_id=subscriber_id, address=email,
                        source=f"list:{list_id}"))
    campaign.status = "sending"
    db.flush()


class FakeCrmSpecs:
    """The crm plugin's audience hooks (the contract), for tests without the crm plugin."""

    @hookspec
    def hub_audiences(self, request):
        """Audiences."""

    @hookspec(firstresult=True)
    def hub_audience_members(self, request, key):
        """Consenting members of an audience."""

    @hookspec(firstresult=True)
    def hub_audience_consents(self, request, key, email):
        """Consent of one address, re-checked at send time."""


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
    if not hasattr(pm.hook, "hub_audiences"):
        pm.add_hookspecs(FakeCrmSpecs)
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
