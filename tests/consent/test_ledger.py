"""The ledger itself: purposes, giving and withdrawing, history kept by the database."""
import datetime as dt
import sys
import types

import pytest
import sqlalchemy as sa

from hub import hookimpl
from hub.consent import (
    ConsentError,
    ConsentRecord,
    ConsentText,
    OutdatedText,
    Purpose,
    Subject,
    UnknownPurpose,
    consents_of,
    current,
    give,
    has_consent,
    history_of,
    holders,
    purposes,
    subjects_of_user,
    text_version,
    withdraw,
)
from hub.db import utcnow
from hub.plugins import PluginError

from .conftest import HEALTH, NEWS, RELEASE

# -- purposes ------------------------------------------------------------------------------


def test_the_core_declares_the_weekly_digest_purpose(app):
    digest = purposes(app.registry)["hub.topics.digest"]
    assert digest.legal_basis == "consent" and not digest.special_category
    assert "odvolat" in digest.text_in("cs") and "withdraw" in digest.text_in("en")


def test_declared_purposes_are_seen_and_versioned_by_their_text(app, ledger):
    declared = purposes(app.registry)
    assert {"testplugin.news", "testplugin.health", "testplugin.release"} <= set(declared)
    assert len(NEWS.text_version) == 16
    assert NEWS.text_version == text_version({"cs": NEWS.text["cs"] + "\r\n",
                                              "en": " " + NEWS.text["en"]})
    changed = Purpose(NEWS.key, NEWS.title, {**NEWS.text, "en": NEWS.text["en"] + " Thanks."})
    assert changed.text_version != NEWS.text_version
    retitled = Purpose(NEWS.key, {"cs": "Jiný název", "en": "Another title"}, NEWS.text)
    assert retitled.text_version == NEWS.text_version  # the title is not the text agreed to


@pytest.mark.parametrize("kwargs, message", [
    ({"key": "nodot"}, "the key must be"),
    ({"text": {"cs": "Text", "en": ""}}, "non-empty wording"),
    ({"special_category": True}, "explicit_consent"),
    ({"legal_basis": "legitimate_interest"}, "legal_basis must be"),
    ({"retention_days": -1}, "retention_days"),
])
def test_a_badly_declared_purpose_is_refused(kwargs, message):
    values = {"key": "testplugin.bad", "title": NEWS.title, "text": NEWS.text, **kwargs}
    with pytest.raises(PluginError, match=message):
        Purpose(**values)


def test_a_purpose_key_declared_twice_stops_start_up(base_settings, migrated_database,
                                                     monkeypatch):
    import hub.plugins
    from hub.app import make_config

    module = types.ModuleType("hub_test_duplicate_purpose")

    @hookimpl
    def hub_consent_purposes():
        return [Purpose("hub.topics.digest", NEWS.title, NEWS.text)]

    module.hub_consent_purposes = hub_consent_purposes
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(hub.plugins, "INTERNAL_PLUGINS",
                        (*hub.plugins.INTERNAL_PLUGINS, module.__name__))
    with pytest.raises(PluginError, match="'hub.topics.digest' is declared by both "
                                          "hub.topics.hooks and hub_test_duplicate_purpose"):
        make_config({**base_settings, "hub.plugins": "", "hub.dbengine": migrated_database})


def test_a_plugin_keeps_to_its_own_namespace(app, ledger):
    from hub.consent.purposes import collect

    pm = app.registry["hub.pm"]
    assert "testplugin.news" in collect(pm, {"testplugin"})
    with pytest.raises(PluginError, match="must start with 'test-consent-purposes.'"):
        collect(pm, {"test-consent-purposes"})


# -- giving and withdrawing ------------------------------------------------------------------


def test_give_withdraw_and_the_history(web_request, users, ledger, dbsession):
    member = Subject.of_user(users.member)
    record = give(web_request, member, NEWS.key, NEWS.text_version, "form")
    assert (record.subject_key, record.action, record.source) == (
        f"user:{users.member.id}", "given", "form")
    assert record.email is None and len(record.email_digest) == 64  # the account names it
    assert give(web_request, member, NEWS.key, NEWS.text_version, "form") is None  # idempotent
    assert has_consent(web_request, member, NEWS.key)
    stored = dbsession.get(ConsentText, (NEWS.key, NEWS.text_version))
    assert stored.text_cs == NEWS.text["cs"] and stored.retention_days == 30

    assert withdraw(web_request, member, NEWS.key, "form").action == "withdrawn"
    assert withdraw(web_request, member, NEWS.key, "form") is None  # idempotent
    state = current(web_request, member, NEWS.key)
    assert not state.given and state.withdrawn_at and state.given_at <= state.withdrawn_at
    assert [r.action for r in history_of(web_request, member)] == ["given", "withdrawn"]
    assert ledger.changes == [(member.key, NEWS.key, "", "given"),
                              (member.key, NEWS.key, "", "withdrawn")]
    assert not has_consent(web_request, Subject.of_user(users.representative), NEWS.key)


def test_refusals_are_clear(web_request, users, ledger):
    member = Subject.of_user(users.member)
    with pytest.raises(UnknownPurpose):
        give(web_request, member, "testplugin.nothing", "x", "form")
    with pytest.raises(OutdatedText) as outdated:
        give(web_request, member, NEWS.key, "0123456789abcdef", "form")
    assert outdated.value.current == NEWS.text_version
    with pytest.raises(ConsentError, match="needs a note"):
        give(web_request, member, NEWS.key, NEWS.text_version, "staff", by=users.staff)
    with pytest.raises(ConsentError, match="scoped: name the object"):
        give(web_request, member, RELEASE.key, RELEASE.text_version, "form")
    with pytest.raises(ConsentError, match="not scoped"):
        give(web_request, member, NEWS.key, NEWS.text_version, "form", object="list:1")
    with pytest.raises(ConsentError, match="not in the future"):
        give(web_request, member, NEWS.key, NEWS.text_version, "import",
             at=utcnow() + dt.timedelta(days=1))
    with pytest.raises(ConsentError, match="Unknown source"):
        give(web_request, member, NEWS.key, NEWS.text_version, "telepathy")
    assert history_of(web_request, member) == []


def test_staff_records_a_paper_form_with_its_date(web_request, users, ledger):
    member = Subject.of_user(users.member)
    signed = utcnow() - dt.timedelta(days=3)
    record = give(web_request, member, HEALTH.key, HEALTH.text_version, "staff",
                  by=users.staff, note="Paper form signed at the counselling desk.", at=signed)
    assert record.recorded_by_id == users.staff.id and record.at == signed
    # A withdrawal made online yesterday is later than the paper form, whenever it is typed.
    withdraw(web_request, member, HEALTH.key, "form", at=utcnow() - dt.timedelta(days=1))
    assert not has_consent(web_request, member, HEALTH.key)


def test_scoped_purposes_name_their_objects(web_request, users, ledger):
    member = Subject.of_user(users.member)
    give(web_request, member, RELEASE.key, RELEASE.text_version, "form", object="talk:12")
    give(web_request, member, RELEASE.key, RELEASE.text_version, "form", object="talk:13")
    withdraw(web_request, member, RELEASE.key, "form", object="talk:12")
    assert not has_consent(web_request, member, RELEASE.key, "talk:12")
    assert has_consent(web_request, member, RELEASE.key, "talk:13")
    rows = web_request.dbsession.execute(holders(RELEASE.key, object=None)).all()
    assert [(r.user_id, r.object) for r in rows] == [(users.member.id, "talk:13")]


def test_holders_is_a_selectable_to_join(web_request, users, ledger, dbsession):
    from hub.accounts.models import User

    give(web_request, Subject.of_user(users.member), NEWS.key, NEWS.text_version, "form")
    give(web_request, Subject.of_user(users.admin), NEWS.key, NEWS.text_version, "form")
    withdraw(web_request, Subject.of_user(users.admin), NEWS.key, "form")
    give(web_request, Subject.of_email("Reader@Example.org "), NEWS.key, NEWS.text_version,
         "double_opt_in")
    consenting = holders(NEWS.key).subquery()
    emails = dbsession.scalars(
        sa.select(sa.func.coalesce(User.email, consenting.c.email))
        .select_from(consenting).outerjoin(User, User.id == consenting.c.user_id)
        .order_by(consenting.c.subject_key)).all()
    assert sorted(emails) == ["member@test.example", "reader@example.org"]
    assert dbsession.execute(holders(NEWS.key, text_version="0" * 16)).all() == []


def test_a_verified_address_brings_its_consents_to_the_account(web_request, users, ledger):
    give(web_request, Subject.of_email("member@test.example"), NEWS.key, NEWS.text_version,
         "double_opt_in")
    states = consents_of(web_request, subjects_of_user(users.member))
    assert [(s.purpose, s.given) for s in states] == [(NEWS.key, True)]
    users.member.email_verified_at = None
    assert consents_of(web_request, subjects_of_user(users.member)) == []


def test_a_purpose_no_plugin_declares_any_more_can_still_be_withdrawn(app, web_request, users,
                                                                     ledger):
    member = Subject.of_user(users.member)
    give(web_request, member, NEWS.key, NEWS.text_version, "form")
    app.registry["hub.pm"].unregister(name="test-consent-purposes")
    try:
        assert withdraw(web_request, member, NEWS.key, "form").action == "withdrawn"
    finally:
        app.registry["hub.pm"].register(ledger, name="test-consent-purposes")


# -- the database keeps the history ----------------------------------------------------------


def _refused(dbsession, statement):
    with pytest.raises(sa.exc.IntegrityError, match="append-only"):
        with dbsession.begin_nested():
            dbsession.execute(statement)


def test_the_database_refuses_to_rewrite_or_delete_records(web_request, users, ledger,
                                                          dbsession):
    give(web_request, Subject.of_email("reader@example.org"), NEWS.key, NEWS.text_version,
         "double_opt_in")
    record = dbsession.scalar(sa.select(ConsentRecord))
    r = ConsentRecord.__table__
    _refused(dbsession, sa.update(r).where(r.c.id == record.id).values(action="withdrawn"))
    _refused(dbsession, sa.update(r).where(r.c.id == record.id).values(at=utcnow()))
    _refused(dbsession, sa.update(r).where(r.c.id == record.id)
             .values(email="someone@example.org"))
    _refused(dbsession, sa.update(r).where(r.c.id == record.id).values(email=None, note="x"))
    _refused(dbsession, sa.delete(r).where(r.c.id == record.id))
    _refused(dbsession, sa.delete(r))
    if dbsession.get_bind().dialect.name == "postgresql":
        _refused(dbsession, sa.text("TRUNCATE consent_record"))
    t = ConsentText.__table__
    _refused(dbsession, sa.update(t).values(text_en="Something else"))
    _refused(dbsession, sa.delete(t))
    # The one change erasure makes: the address blanked, everything else as it was.
    with dbsession.begin_nested():
        dbsession.execute(sa.update(r).where(r.c.id == record.id).values(email=None))
    row = dbsession.execute(sa.select(r).where(r.c.id == record.id)).one()
    assert row.email is None and row.action == "given" and len(row.email_digest) == 64
    _refused(dbsession, sa.update(r).where(r.c.id == record.id)
             .values(email="reader@example.org"))
