"""The shared topics taxonomy: staff management, users' interests, "For you", the digest."""
import datetime as dt

import pytest
import sqlalchemy as sa
import transaction

from hub import hookimpl
from hub.consent import ConsentRecord, Subject, give, has_consent, withdraw
from hub.contributions import Suggestion
from hub.db import utcnow
from hub.testing import html_text
from hub.topics import (
    Topic,
    TopicDigestSubscription,
    UserStakeholder,
    UserTopic,
    stakeholder_type,
    topic_choices,
    user_topics,
)
from hub.topics.demo import seed_topics


@pytest.fixture
def topics(dbsession):
    seed_topics(dbsession)
    return {t.slug: t for t in dbsession.scalars(sa.select(Topic))}


class FakeRequest:
    def __init__(self, dbsession, locale="cs"):
        self.dbsession = dbsession
        self.locale_name = locale

    @staticmethod
    def cached(region, key, create):
        return create()  # keeps nothing: every call reads the database


def test_demo_topics_are_idempotent_and_ordered(dbsession, topics):
    seed_topics(dbsession)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(Topic)) == len(topics) == 10
    choices = topic_choices(FakeRequest(dbsession, "en"))
    assert choices[0] == ("rare-diseases", "Rare diseases")
    assert dict(topic_choices(FakeRequest(dbsession)))["oncology"] == "Onkologie"


def test_staff_creates_edits_reorders_and_deactivates(testapp, users, topics, dbsession):
    testapp.login(users.staff)
    page = testapp.get("/topics/manage")
    assert "Vzácná onemocnění" in page.text
    form = testapp.get("/topics/manage/new").forms["topic-form"]
    form["name_cs"], form["name_en"], form["slug"] = "Astma", "Asthma", "asthma"
    form["kind"] = "disease"
    form.submit().follow()
    asthma = dbsession.scalar(sa.select(Topic).where(Topic.slug == "asthma"))
    assert asthma.name_en == "Asthma" and asthma.is_active
    assert asthma.position > max(t.position for t in topics.values())

    # a duplicate short name is a form error, not a 500
    form = testapp.get("/topics/manage/new").forms["topic-form"]
    form["name_cs"], form["name_en"], form["slug"] = "Jiné", "Other", "asthma"
    page = form.submit(status=422)
    assert "Another topic already uses this short name." in page.text or \
        "Toto krátké jméno už používá jiné téma." in page.text

    testapp.post_form(f"/topics/manage/{asthma.id}/move", {"direction": "up"}, status=303)
    ordered = [t.slug for t in dbsession.scalars(sa.select(Topic).order_by(Topic.position))]
    assert ordered.index("asthma") == len(ordered) - 2

    form = testapp.get(f"/topics/manage/{asthma.id}").forms["topic-form"]
    form["is_active"] = False
    form.submit(status=303)
    dbsession.expire_all()
    assert not dbsession.get(Topic, asthma.id).is_active
    assert "asthma" not in dict(topic_choices(FakeRequest(dbsession)))


def test_members_cannot_manage_topics(testapp, users):
    testapp.login(users.member)
    testapp.get("/topics/manage", status=403)
    testapp.post_form("/topics/manage/new", {"name_cs": "X", "name_en": "X", "slug": "x",
                                             "kind": "theme"}, status=403)


def test_user_declares_interests_stakeholder_and_digest(testapp, users, topics, dbsession):
    testapp.login(users.member)
    page = testapp.get("/my/interests")
    form = page.forms["interests-form"]
    for box in form.fields["topic"]:
        if box._value in (str(topics["diabetes"].id), str(topics["oncology"].id)):
            box.checked = True
    form["stakeholder"] = "patient"
    form["digest"] = True
    form["disease_consent"] = True  # diabetes and oncology are disease areas
    form.submit().follow()
    request = FakeRequest(dbsession)
    assert user_topics(request, users.member) == ["diabetes", "oncology"]
    assert stakeholder_type(request, users.member) == "patient"
    # The digest is a consent in the ledger, to the wording shown next to the box.
    from hub.topics.digest import DIGEST_PURPOSE

    assert DIGEST_PURPOSE.text_in("cs") in page.text
    record = dbsession.scalar(sa.select(ConsentRecord).where(
        ConsentRecord.purpose == DIGEST_PURPOSE.key))
    assert (record.purpose, record.action, record.source, record.text_version) == (
        DIGEST_PURPOSE.key, "given", "form", DIGEST_PURPOSE.text_version)
    # another user's declarations are untouched
    assert user_topics(request, users.representative) == []

    testapp.post_form("/my/interests", {"topic": [str(topics["diabetes"].id)],
                                        "stakeholder": "", "disease_consent": "on"},
                      status=303)
    dbsession.expire_all()
    assert user_topics(request, users.member) == ["diabetes"]
    assert stakeholder_type(request, users.member) is None
    assert not has_consent(request, Subject.of_user(users.member), DIGEST_PURPOSE.key)


def test_a_changed_digest_text_refuses_the_form(testapp, users, topics, dbsession):
    testapp.login(users.member)
    page = testapp.post_form("/my/interests", {"digest": "on", "stakeholder": "",
                                               "digest_text_version": "0123456789abcdef"},
                             status=409)
    assert "hub-error-summary" in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ConsentRecord)) == 0


def test_bad_interest_values_are_refused(testapp, users, topics, dbsession):
    testapp.login(users.member)
    page = testapp.post_form("/my/interests", {"topic": ["999999"], "stakeholder": "king"},
                             status=422)
    assert "hub-error-summary" in page.text
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(UserTopic)) == 0
    assert dbsession.get(UserStakeholder, users.member.id) is None


def test_interests_need_sign_in(testapp):
    response = testapp.get("/my/interests", status=(302, 403))
    assert response.status_int in (302, 403)


class Provider:
    """A plugin answering hub_for_you: one visible and one restricted suggestion."""

    seen: list = []

    @hookimpl
    def hub_for_you(self, request, user, topics):
        self.seen.append((user.id, tuple(topics)))
        return [Suggestion(title="Diabetes a sport", url="/events/1", kind="Event",
                           when=utcnow() + dt.timedelta(days=3), topics=("diabetes",))]


@pytest.fixture
def provider(app):
    pm = app.registry["hub.pm"]
    plugin = Provider()
    Provider.seen = []
    pm.register(plugin, name="test-for-you")
    yield plugin
    pm.unregister(name="test-for-you")


def test_for_you_lists_suggestions_for_the_users_topics(testapp, users, topics, dbsession,
                                                        provider):
    testapp.login(users.member)
    page = testapp.get("/my")
    assert "Choose my interests" in page.text or "Vybrat moje zájmy" in page.text
    dbsession.add(UserTopic(user_id=users.member.id, topic_id=topics["diabetes"].id))
    transaction.commit()  # as a saved form would
    page = testapp.get("/my")
    assert "Diabetes a sport" in html_text(page)
    assert Provider.seen[-1] == (users.member.id, ("diabetes",))


def test_weekly_digest_is_opt_in_and_weekly(app, users, topics, dbsession, provider):
    from hub.jobs import background_request
    from hub.mail import MailMessage
    from hub.topics.digest import DIGEST_PURPOSE, send_digest_to, send_weekly_digests

    for user in (users.member, users.representative):
        dbsession.add(UserTopic(user_id=user.id, topic_id=topics["diabetes"].id))
    dbsession.flush()
    request = background_request(app.registry, tm=transaction.manager)
    request.dbsession = dbsession
    member = Subject.of_user(users.member)
    give(request, member, DIGEST_PURPOSE.key, DIGEST_PURPOSE.text_version, "form")
    assert send_weekly_digests(request) == 1
    assert send_digest_to(request, users.member.id)
    assert not send_digest_to(request, users.member.id)  # not twice in a week
    assert not send_digest_to(request, users.representative.id)  # never opted in
    mails = dbsession.scalars(sa.select(MailMessage).where(
        MailMessage.recipient == users.member.email)).all()
    assert len(mails) == 1
    assert "Diabetes a sport" in mails[0].text
    assert "https://hub.example.org/events/1" in mails[0].text
    # Every digest can be stopped from the mail: a withdraw link and one-click headers.
    link = mails[0].headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://hub.example.org/consent/withdraw/") and link in mails[0].text
    assert mails[0].headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(MailMessage).where(
        MailMessage.recipient == users.representative.email)) == 0
    assert send_weekly_digests(request) == 0  # the only subscriber was served this week
    assert dbsession.get(TopicDigestSubscription, users.member.id).last_sent_at is not None
    withdraw(request, member, DIGEST_PURPOSE.key, "link")
    assert dbsession.get(TopicDigestSubscription, users.member.id) is None  # nothing kept
    assert not send_digest_to(request, users.member.id)  # withdrawn after being queued


def test_profile_section_and_personal_data(app, users, topics, dbsession):
    from hub.topics import hooks

    dbsession.add(UserTopic(user_id=users.member.id, topic_id=topics["oncology"].id))
    dbsession.add(UserStakeholder(user_id=users.member.id, type="doctor"))
    dbsession.flush()
    tables = hooks.hub_personal_data_tables()
    assert set(tables) == {"user_topic", "user_stakeholder", "topic_digest_subscription"}

    class Req(FakeRequest):
        class shell:  # noqa: N801
            @staticmethod
            def translate(message, mapping=None):
                return str(message)

    exported = hooks.hub_personal_data_export(Req(dbsession), users.member)["Interests"][0]
    assert exported["topics"][0]["slug"] == "oncology"
    assert exported["stakeholder_type"] == "doctor"
    hooks.hub_personal_data_erase(Req(dbsession), users.member)
    assert user_topics(Req(dbsession), users.member) == []
    assert stakeholder_type(Req(dbsession), users.member) is None


def test_czech_catalogue_covers_topics_strings(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from babel.messages.pofile import read_po

    import hub

    root = Path(hub.__file__).parent
    sources = sorted(str(p) for p in [*(root / "topics").glob("*.py"),
                                      *(root / "templates" / "topics").glob("*.pt")])
    pot = tmp_path / "topics.pot"
    subprocess.run([str(Path(sys.executable).parent / "pot-create"), "--no-location", "-s",
                    "-o", str(pot), *sources], check=True)  # noqa: S603
    with pot.open("rb") as f:
        wanted = [m.id for m in read_po(f) if m.id]
    with (root / "locale" / "cs" / "LC_MESSAGES" / "hub.po").open("rb") as f:
        czech = read_po(f, locale="cs")
    assert len(wanted) > 40
    assert [m for m in wanted if czech.get(m) is None or not czech.get(m).string] == []


def test_interests_form_is_a_section_of_the_profile_page(testapp, users, topics, dbsession):
    testapp.login(users.member)
    profile = testapp.get("/profile")
    form = profile.forms["interests-form"]
    assert form["next"].value == "/profile"
    for box in form.fields["topic"]:
        if box._value == str(topics["volunteering"].id):
            box.checked = True
    response = form.submit(status=303)
    assert response.location.endswith("/profile")
    assert user_topics(FakeRequest(dbsession), users.member) == ["volunteering"]


def test_topics_api_lists_active_topics_and_is_documented(testapp, topics, dbsession):
    topics["fundraising"].is_active = False
    dbsession.flush()
    items = testapp.get("/api/v1/topics").json["items"]
    assert items[0] == {"slug": "rare-diseases", "kind": "disease",
                        "name": {"cs": "Vzácná onemocnění", "en": "Rare diseases"}}
    assert "fundraising" not in [i["slug"] for i in items]
    document = testapp.get("/api/v1/openapi.json").json
    assert "/topics" in document["paths"] and "Topic" in document["components"]["schemas"]
