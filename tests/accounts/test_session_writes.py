"""A signed-in person reading pages does not write their session on every request."""
import re

from hub.testing import count_queries


def session_writes(statements) -> list[str]:
    return [s for s in statements
            if re.match(r"\s*(INSERT|UPDATE|DELETE)", s, re.I) and "user_session" in s]


def test_reading_pages_signed_in_leaves_the_session_row_alone(testapp, users, connection):
    testapp.login(users.member)
    testapp.get("/my")
    with count_queries(connection) as statements:
        testapp.get("/my")
        testapp.get("/accessibility")
    assert session_writes(statements) == []
