"""Withdraw links for many mails at once, and the error codes of the ledger's exceptions."""
import pytest

from hub.consent import (
    ConsentError,
    OutdatedText,
    Subject,
    UnknownPurpose,
    give,
    has_consent,
    withdraw_link,
    withdraw_link_maker,
)
from hub.testing import count_queries

from .conftest import NEWS, RELEASE

BASE = "https://hub.example.org"


def test_the_maker_signs_exactly_like_withdraw_link(web_request, users, ledger):
    member, reader = Subject.of_user(users.member), Subject.of_email("reader@example.org")
    news = withdraw_link_maker(web_request, NEWS.key)
    release = withdraw_link_maker(web_request, RELEASE.key)
    assert news(member.key) == withdraw_link(web_request, member, NEWS.key)
    assert news(reader.key) == withdraw_link(web_request, reader, NEWS.key)
    assert release(reader.key, "recording:7") == withdraw_link(web_request, reader, RELEASE.key,
                                                               "recording:7")


def test_the_maker_reads_the_key_once_and_then_sends_no_query(web_request, users, ledger,
                                                              dbsession):
    news = withdraw_link_maker(web_request, NEWS.key)
    with count_queries(dbsession.connection()) as statements:
        links = {news(f"email:{n:064x}") for n in range(1000)}
    assert statements == [] and len(links) == 1000


def test_a_link_from_the_maker_withdraws_with_one_click(app, web_request, users, ledger,
                                                        make_testapp):
    reader = Subject.of_email("reader@example.org")
    give(web_request, reader, RELEASE.key, RELEASE.text_version, "double_opt_in",
         object="recording:7")
    url = withdraw_link_maker(web_request, RELEASE.key)(reader.key, "recording:7")
    make_testapp(app).post(url[len(BASE):], {"List-Unsubscribe": "One-Click"}, status=200)
    assert not has_consent(web_request, reader, RELEASE.key, "recording:7")


def test_the_maker_refuses_what_withdraw_link_refuses(web_request, ledger):
    with pytest.raises(UnknownPurpose):
        withdraw_link_maker(web_request, "testplugin.nothing")
    with pytest.raises(ConsentError, match="scoped"):
        withdraw_link_maker(web_request, RELEASE.key)("email:0")
    with pytest.raises(ConsentError, match="scoped"):
        withdraw_link_maker(web_request, NEWS.key)("email:0", "list:1")


def test_errors_carry_the_code_an_api_answers_with(web_request, users, ledger):
    with pytest.raises(OutdatedText) as outdated:
        give(web_request, Subject.of_user(users.member), NEWS.key, "0123456789abcdef", "form")
    assert (outdated.value.code, outdated.value.current) == ("outdated_text", NEWS.text_version)
    with pytest.raises(UnknownPurpose) as unknown:
        give(web_request, Subject.of_user(users.member), "testplugin.nothing", "x", "form")
    assert unknown.value.code == "unknown_purpose"
    assert ConsentError("x").code == "consent_error"
