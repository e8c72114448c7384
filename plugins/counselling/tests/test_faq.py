"""Frequently asked questions: published by counsellors, only with the asker's consent,
removed when it is withdrawn, found by the site search."""
import sqlalchemy as sa

from hub_counselling.models import FaqEntry
from hub_counselling.services import link_token

QUESTION = "Mohu po operaci žádat o lázeňskou péči?"
ANSWER = "Ano, návrh podává ošetřující lékař; pojišťovna jej posoudí."


def allow(client, case):
    url = f"/counselling/case/{link_token(case)}"
    page = client.get(url)
    assert "anonymním zveřejněním" in page.text
    page.forms["counselling-faq-allow"].submit(headers={"Origin": client.origin}, status=303)
    return url


def publish(client, case, status=303, **fields):
    page = client.get(f"/counselling/staff/{case.id}/faq")
    form = page.forms["counselling-faq-form"]
    form["question_cs"] = fields.get("question_cs", QUESTION)
    form["answer_cs"] = fields.get("answer_cs", ANSWER)
    form["question_en"] = fields.get("question_en", "")
    form["answer_en"] = fields.get("answer_en", "")
    return form.submit(headers={"Origin": client.origin}, status=status)


def test_without_the_askers_consent_nothing_can_be_published(client, users, make_case):
    case = make_case()
    client.login(users.admin)
    page = client.get(f"/counselling/staff/{case.id}/faq")
    assert "counselling-faq-form" not in page.text and "faq-not-allowed" in page.text
    client.post_form(f"/counselling/staff/{case.id}/faq",
                     {"category": "grants", "question_cs": QUESTION, "answer_cs": ANSWER})
    assert client.get("/counselling/faq").text.count(QUESTION) == 0
    assert "counselling-faq-allowed" not in client.post_form(
        f"/counselling/staff/{case.id}", {"action": "read"}).text


def test_published_with_consent_shown_searched_and_removed_on_withdrawal(
        client, users, make_case, dbsession):
    case = make_case()
    thread = allow(client, case)
    client.login(users.admin)
    assert "counselling-faq-allowed" in client.get(f"/counselling/staff/{case.id}").text
    publish(client, case, question_en="Can I ask for spa care after surgery?",
            answer_en="Yes, your doctor proposes it.")
    client.logout()
    page = client.get("/counselling/faq")
    assert QUESTION in page.text and ANSWER in page.text and "Text dotazu" not in page.text
    client.set_cookie("hub_lang", "en")
    assert "Can I ask for spa care" in client.get("/counselling/faq").text
    client.set_cookie("hub_lang", "cs")
    found = client.get("/search", {"q": "lázeňskou"})
    assert "/counselling/faq#faq-" in found.text

    page = client.get(thread)
    page.forms["counselling-faq-withdraw"].submit(headers={"Origin": client.origin},
                                                  status=303)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(FaqEntry)) == 0
    assert QUESTION not in client.get("/counselling/faq").text


def test_the_form_wants_a_whole_language_and_keeps_what_was_written(client, users, make_case):
    case = make_case()
    allow(client, case)
    client.login(users.admin)
    page = publish(client, case, answer_cs="", status=422)
    assert page.html.find(id="error-summary") is not None
    assert page.html.find("textarea", id="answer_cs")["aria-invalid"] == "true"
    assert QUESTION in page.html.find("textarea", id="question_cs").text
    assert page.html.title.text.startswith("Chyba:")


def test_only_counsellors_publish_and_erasing_the_case_removes_the_entry(
        client, users, make_case, hub_request, dbsession):
    from hub_counselling import services

    case = make_case()
    allow(client, case)
    client.login(users.staff)
    client.get(f"/counselling/staff/{case.id}/faq", status=403)
    client.login(users.admin)
    publish(client, case)
    entry = dbsession.scalars(sa.select(FaqEntry)).one()
    client.login(users.staff)
    client.get(f"/counselling/staff/faq/{entry.id}", status=403)
    assert QUESTION in client.get("/counselling/staff/faq").text

    services.erase_case(hub_request, case, "withdrawn")
    dbsession.flush()
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(FaqEntry)) == 0


def test_an_entry_outlives_the_case_at_the_end_of_its_retention(
        client, users, make_case, hub_request, dbsession):
    from hub_counselling import services

    case = make_case()
    allow(client, case)
    client.login(users.admin)
    publish(client, case)
    services.erase_case(hub_request, case, "retention")
    dbsession.flush()
    client.logout()
    assert QUESTION in client.get("/counselling/faq").text
