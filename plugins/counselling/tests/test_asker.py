"""The asker: the personal link, My questions, answering, withdrawing."""
import sqlalchemy as sa

from hub import consent
from hub_counselling.models import Case
from hub_counselling.services import link_token


def test_personal_link_shows_the_thread_and_takes_an_answer(client, make_case, dbsession):
    case = make_case()
    case.status = "answered"
    dbsession.flush()
    url = f"/counselling/case/{link_token(case)}"
    page = client.get(url)
    assert "Text dotazu" in page.text and case.reference in page.text
    assert page.headers["Cache-Control"] == "no-store"
    form = page.forms["counselling-answer"]
    form["body"] = "Doplňuji: jde o kyčel."
    form.submit(headers={"Origin": client.origin}, status=303)
    dbsession.refresh(case)
    assert [(m.direction, m.channel) for m in case.messages] == [("in", "form"), ("in", "link")]
    assert case.status == "open"


def test_links_of_other_cases_and_forged_links_are_404(client, make_case):
    case = make_case()
    other = make_case(email="jiny@example.org")
    client.get(f"/counselling/case/{case.id}.{link_token(other).split('.')[1]}", status=404)
    client.get(f"/counselling/case/{case.id}.abc", status=404)
    client.get("/counselling/case/nothing", status=404)
    client.get(f"/counselling/case/{'9' * 30}.abc", status=404)


def test_closed_case_takes_no_answer(client, make_case, dbsession):
    case = make_case()
    case.status = "closed"
    dbsession.flush()
    url = f"/counselling/case/{link_token(case)}"
    assert "counselling-answer" not in client.get(url).text
    client.post_form(url, {"body": "Ještě něco"}, status=422)
    assert len(case.messages) == 1


def test_my_questions_lists_only_mine_and_i_answer_there(client, users, make_case, dbsession):
    mine = make_case(user=users.member)
    theirs = make_case(user=users.representative)
    client.login(users.member)
    page = client.get("/counselling/mine")
    assert mine.reference in page.text and theirs.reference not in page.text
    client.get(f"/counselling/mine/{theirs.id}", status=404)
    assert mine.reference in client.get("/my").text  # the My hub block
    client.post_form(f"/counselling/mine/{mine.id}", {"body": "Díky, ještě dotaz."},
                     status=303)
    dbsession.refresh(mine)
    assert mine.messages[-1].channel == "my" and mine.messages[-1].author_id == users.member.id


def test_withdrawing_the_consent_deletes_the_case(client, make_case, dbsession, hub_request):
    case = make_case()
    case_id, subject = case.id, consent.Subject.of_email(case.email)
    client.post_form(f"/counselling/case/{link_token(case)}", {"action": "withdraw"},
                     status=303)
    dbsession.expire_all()
    assert dbsession.get(Case, case_id) is None
    assert not consent.has_consent(hub_request, subject, "counselling.case", f"case:{case_id}")


def test_withdrawal_on_my_consents_deletes_the_case_too(make_case, dbsession, hub_request,
                                                       users):
    case = make_case(user=users.member)
    case_id = case.id
    consent.withdraw(hub_request, consent.Subject.of_user(users.member), "counselling.case",
                     "form", object=f"case:{case_id}")
    dbsession.expire_all()
    assert dbsession.scalar(sa.select(Case).where(Case.id == case_id)) is None


def test_a_moved_enquiry_without_ledger_consent_is_deleted_on_withdrawal(client, dbsession):
    from hub.db import utcnow
    from hub_counselling.models import Message

    case = Case(reference="PH-2025-00001", category="other", subject="Z CRM",
                email="old@example.org", access_key="k" * 43, due_at=utcnow(),
                messages=[Message(direction="in", channel="migration", body="Starý dotaz")])
    dbsession.add(case)
    dbsession.flush()
    case_id = case.id
    client.post_form(f"/counselling/case/{link_token(case)}", {"action": "withdraw"},
                     status=303)
    dbsession.expire_all()
    assert dbsession.get(Case, case_id) is None
