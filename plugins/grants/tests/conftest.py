import datetime as dt

import pytest

ORIGIN = "https://hub.example.org"


@pytest.fixture
def grants_app(make_app):
    return make_app("grants")


@pytest.fixture
def client(grants_app, make_testapp):
    return make_testapp(grants_app)


@pytest.fixture
def hub_request(dbsession, grants_app, bind_registry, users):
    from hub.jobs import background_request

    request = background_request(bind_registry(grants_app.registry))
    request.dbsession = dbsession
    return request


def api_headers(client):
    return {"X-CSRF-Token": client.csrf_token, "Origin": ORIGIN}


@pytest.fixture
def make_call(dbsession, users):
    from decimal import Decimal

    from hub.db import utcnow
    from hub_grants.models import Call, Criterion

    def _make(deadline=None, opens=None, multiple=False, documents=(), questions=(), **kw):
        now = utcnow()
        call = Call(title_cs="Malé granty", title_en="Small grants", description_cs="Popis",
                    eligible_kinds=["patient_organisation"], budget=Decimal("300000"),
                    max_amount=Decimal("100000"), cofinancing_percent=Decimal("10"),
                    opens_at=opens or now - dt.timedelta(days=1),
                    deadline_at=deadline or now + dt.timedelta(days=10),
                    multiple_per_organisation=multiple, published=True,
                    documents=list(documents), questions=list(questions), faq=[],
                    criteria=[Criterion(position=0, name_cs="Přínos", name_en="Benefit",
                                        weight=Decimal(60), max_score=10),
                              Criterion(position=1, name_cs="Rozpočet", name_en="Budget",
                                        weight=Decimal(40), max_score=5)], **kw)
        dbsession.add(call)
        dbsession.flush()
        return call

    return _make
