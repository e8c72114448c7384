"""A plugin declaring consent purposes, registered for the tests that need it."""
from __future__ import annotations

import pytest

from hub import hookimpl
from hub.consent import Purpose

NEWS = Purpose(
    "testplugin.news",
    title={"cs": "Novinky e-mailem", "en": "News by e-mail"},
    text={"cs": "Posílejte mi novinky e-mailem. Souhlas mohu kdykoli odvolat.",
          "en": "Send me news by e-mail. I can withdraw this consent at any time."},
    retention_days=30, order=20)
HEALTH = Purpose(
    "testplugin.health",
    title={"cs": "Moje onemocnění", "en": "My condition"},
    text={"cs": "Hub smí uchovávat, jakým onemocněním trpím, a nabízet mi podle toho obsah.",
          "en": "The hub may keep which condition I have and offer me content for it."},
    legal_basis="explicit_consent", special_category=True, order=30)
RELEASE = Purpose(
    "testplugin.release",
    title={"cs": "Zveřejnění záznamu", "en": "Publishing the recording"},
    text={"cs": "Souhlasím se zveřejněním záznamu mé přednášky.",
          "en": "I agree that the recording of my talk is published."},
    scoped=True, describe=lambda request, obj: f"Talk {obj.split(':')[1]}", order=40)


class LedgerPlugin:
    """Declares the three purposes and remembers every change it is told about."""

    def __init__(self):
        self.changes: list[tuple] = []

    @hookimpl
    def hub_consent_purposes(self):
        return [NEWS, HEALTH, RELEASE]

    @hookimpl
    def hub_consent_changed(self, request, subject, purpose, record):
        self.changes.append((subject.key, purpose.key, record.object, record.action))


@pytest.fixture
def ledger(app):
    plugin = LedgerPlugin()
    app.registry["hub.pm"].register(plugin, name="test-consent-purposes")
    yield plugin
    app.registry["hub.pm"].unregister(name="test-consent-purposes")


@pytest.fixture
def web_request(app, dbsession):
    """A background request on the test's session (services take a request)."""
    import transaction

    from hub.jobs import background_request

    request = background_request(app.registry, tm=transaction.manager)
    request.dbsession = dbsession
    return request
