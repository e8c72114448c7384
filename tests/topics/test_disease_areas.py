"""Disease areas of interest are health data: kept only with an explicit consent given on
My interests, deleted as soon as the consent is withdrawn."""
import pytest
import sqlalchemy as sa

from hub.consent import ConsentRecord, Subject, has_consent, purpose
from hub.notifications.models import Notification
from hub.testing import html_text
from hub.topics import Topic, user_topics
from hub.topics.demo import seed_topics
from hub.topics.disease import DISEASE_PURPOSE, RESET_KIND


@pytest.fixture
def topics(dbsession):
    seed_topics(dbsession)
    return {t.slug: t for t in dbsession.scalars(sa.select(Topic))}


@pytest.fixture
def web_request(app, dbsession):
    import transaction

    from hub.jobs import background_request

    request = background_request(app.registry, tm=transaction.manager)
    request.dbsession = dbsession
    return request


def choose(form, topics, *slugs):
    wanted = {str(topics[s].id) for s in slugs}
    for box in form.fields["topic"]:
        box.checked = box._value in wanted


def test_the_purpose_is_an_explicit_special_category_consent(app):
    declared = purpose(app.registry, DISEASE_PURPOSE.key)
    assert declared.legal_basis == "explicit_consent" and declared.special_category


def test_disease_areas_are_not_kept_without_the_consent(testapp, users, topics, dbsession,
                                                        web_request):
    testapp.login(users.member)
    page = testapp.get("/my/interests")
    assert DISEASE_PURPOSE.text_in("cs") in html_text(page)
    form = page.forms["interests-form"]
    assert not form["disease_consent"].checked  # never ticked in advance
    choose(form, topics, "diabetes", "patient-rights")
    page = form.submit().follow()
    assert "oblasti onemocnění ne" in html_text(page)
    dbsession.expire_all()
    assert user_topics(web_request, users.member) == ["patient-rights"]
    assert not has_consent(web_request, Subject.of_user(users.member), DISEASE_PURPOSE.key)


def test_with_the_consent_they_are_kept_and_withdrawing_deletes_them(
        testapp, users, topics, dbsession, web_request):
    testapp.login(users.member)
    form = testapp.get("/my/interests").forms["interests-form"]
    choose(form, topics, "diabetes", "oncology", "legislation")
    form["disease_consent"] = True
    assert "Vaše zájmy byly uloženy" in html_text(form.submit().follow())
    dbsession.expire_all()
    assert user_topics(web_request, users.member) == ["diabetes", "oncology", "legislation"]
    record = dbsession.scalar(sa.select(ConsentRecord).where(
        ConsentRecord.purpose == DISEASE_PURPOSE.key))
    assert (record.action, record.source, record.text_version) == (
        "given", "form", DISEASE_PURPOSE.text_version)

    # Withdrawn on My consents: the disease areas go at once, the theme stays.
    testapp.post_form("/my/consents/withdraw", {"purpose": DISEASE_PURPOSE.key}).follow()
    dbsession.expire_all()
    assert user_topics(web_request, users.member) == ["legislation"]
    assert not testapp.get("/my/interests").forms["interests-form"]["disease_consent"].checked


def test_unticking_the_consent_on_the_form_withdraws_it(testapp, users, topics, dbsession,
                                                        web_request):
    testapp.login(users.member)
    form = testapp.get("/my/interests").forms["interests-form"]
    choose(form, topics, "oncology")
    form["disease_consent"] = True
    form.submit().follow()
    form = testapp.get("/my/interests").forms["interests-form"]
    assert form["disease_consent"].checked
    form["disease_consent"] = False
    form.submit().follow()
    dbsession.expire_all()
    assert user_topics(web_request, users.member) == []
    assert not has_consent(web_request, Subject.of_user(users.member), DISEASE_PURPOSE.key)


def test_a_changed_consent_text_refuses_the_whole_form(testapp, users, topics, dbsession,
                                                       web_request):
    testapp.login(users.member)
    page = testapp.post_form("/my/interests", {
        "topic": [str(topics["diabetes"].id)], "stakeholder": "", "disease_consent": "on",
        "disease_text_version": "0123456789abcdef"}, status=409)
    assert "hub-error-summary" in page.text
    dbsession.expire_all()
    assert user_topics(web_request, users.member) == []
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ConsentRecord)) == 0


def test_people_whose_disease_areas_were_deleted_are_told_on_my_hub(testapp, users, topics,
                                                                    dbsession):
    dbsession.add(Notification(user_id=users.member.id, kind=RESET_KIND,
                               subject="Vyberte prosím znovu oblasti", url="/my/interests"))
    dbsession.flush()
    testapp.login(users.member)
    assert "dříve vybrané oblasti smazali" in html_text(testapp.get("/my"))
    form = testapp.get("/my/interests").forms["interests-form"]
    choose(form, topics, "diabetes")
    form["disease_consent"] = True
    form.submit().follow()
    assert "dříve vybrané oblasti smazali" not in html_text(testapp.get("/my"))
