import re

import pytest
import sqlalchemy as sa

from hub.mail import MailMessage

LINK = re.compile(r"https://hub\.example\.org/\S+")


def mails_to(dbsession, address):
    dbsession.expire_all()
    return dbsession.scalars(sa.select(MailMessage).where(MailMessage.recipient == address)
                             .order_by(MailMessage.id)).all()


def link_in(text: str) -> str:
    found = LINK.search(text)
    assert found, text
    return found.group(0).replace("https://hub.example.org", "")


@pytest.fixture
def login_form():
    def _login(client, email, password, status=None, **kwargs):
        page = client.get("/login", **kwargs)
        form = page.forms["login-form"]
        form["email"], form["password"] = email, password
        return form.submit(status=status or "*")

    return _login
