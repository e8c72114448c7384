"""The bounce processor: RFC 3464 reports and VERP addresses from a Maildir or IMAP."""
import mailbox
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.jobs import background_request
from hub.mail import inbox
from hub_newsletter import bounces
from hub_newsletter.mail_settings import verp_address
from hub_newsletter.models import Delivery, Subscriber
from hub_newsletter.sending import send_campaign

from .conftest import add_campaign, add_list, add_subscriber, prepare_deliveries

FIXTURES = Path(__file__).with_name("fixtures") / "bounces"


def report(name: str, settings, delivery, subscriber, token=None) -> bytes:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    verp = verp_address(settings, delivery.id, token or subscriber.token)
    return text.replace("{verp}", verp).replace("{address}", subscriber.email).encode("utf-8")


@pytest.fixture
def world(nl_testapp, dbsession):
    nl = add_list(dbsession)
    people = {name: add_subscriber(dbsession, nl, f"{name}@example.cz", "Jana Nováková")
              for name in ("hard", "soft", "happy", "away", "forged", "later")}
    campaign = add_campaign(dbsession, [nl])
    prepare_deliveries(dbsession, campaign)
    rows = {d.address.split("@")[0]: d for d in dbsession.scalars(sa.select(Delivery))}
    request = background_request(nl_testapp.app.registry)
    request.dbsession = dbsession
    return request, people, rows, campaign


def maildir(tmp_path, messages) -> str:
    box = mailbox.Maildir(str(tmp_path / "bounces"), create=True)
    for raw in messages:
        box.add(raw)
    return str(tmp_path / "bounces")


def test_maildir_reports_stop_hard_bounces_count_soft_ones_and_ignore_other_mail(
        world, dbsession, tmp_path, monkeypatch):
    request, people, rows, _campaign = world
    settings = request.registry.settings
    path = maildir(tmp_path, [
        report("postfix_hard.eml", settings, rows["hard"], people["hard"]),
        report("exim_delayed.eml", settings, rows["soft"], people["soft"]),
        report("delivered.eml", settings, rows["happy"], people["happy"]),
        report("out_of_office.eml", settings, rows["away"], people["away"]),
        # A report naming a delivery with the wrong token prefix changes nothing.
        report("postfix_hard.eml", settings, rows["forged"], people["forged"], "A" * 32),
    ])
    monkeypatch.setitem(settings, "newsletter.bounce_maildir", path)

    assert bounces.process_bounces(request) == 2
    dbsession.flush()
    for subscriber in people.values():
        dbsession.refresh(subscriber)
    assert people["hard"].hard_bounced_at is not None and not people["hard"].can_receive
    assert people["soft"].soft_bounces == 1 and people["soft"].can_receive
    for name in ("happy", "away", "forged"):
        assert people[name].can_receive and people[name].soft_bounces == 0
    for name in ("hard", "soft"):
        dbsession.refresh(rows[name])
        assert rows[name].status == "bounced"
    # Reports and forged reports are removed; other mail stays, marked as seen, and is not
    # read again.
    left = mailbox.Maildir(path, create=False)
    assert sorted(m["Subject"] for m in left) == ["Automatic reply: Novinky",
                                                  "Successful Mail Delivery Report"]
    assert all("S" in m.get_flags() for m in left)
    assert bounces.process_bounces(request) == 0


def test_a_hard_bounce_stops_sending_and_soft_bounces_stop_it_at_the_limit(
        world, dbsession, tmp_path, monkeypatch, sink):
    request, people, rows, campaign = world
    settings = request.registry.settings
    monkeypatch.setitem(settings, "newsletter.soft_bounce_limit", "2")
    messages = [report("postfix_hard.eml", settings, rows["hard"], people["hard"])]
    messages += [report("exim_delayed.eml", settings, rows["later"], people["later"])] * 2
    monkeypatch.setitem(settings, "newsletter.bounce_maildir", maildir(tmp_path, messages))
    assert bounces.process_bounces(request) == 3
    dbsession.flush()
    # The bounced rows of this campaign are done; the rows still pending are sent without
    # the stopped addresses.
    send_campaign(request, campaign.id)
    received = sorted(r for _f, rcpts, _m in sink.messages for r in rcpts)
    assert received == ["away@example.cz", "forged@example.cz", "happy@example.cz",
                        "soft@example.cz"]
    dbsession.refresh(people["later"])
    assert people["later"].soft_bounces == 2 and people["later"].hard_bounced_at is not None


class FakeIMAP:
    """The part of imaplib.IMAP4_SSL the processor uses, with a mailbox in memory."""

    instances = []

    def __init__(self, host, port, ssl_context=None):
        self.host, self.port, self.ssl_context = host, port, ssl_context
        self.flags: dict[bytes, set] = {}
        self.logged_in = self.expunged = self.logged_out = False
        FakeIMAP.instances.append(self)

    def login(self, user, password):
        self.logged_in = (user, password)

    def select(self, folder):
        self.folder = folder

    def uid(self, command, *args):
        if command == "SEARCH":
            return "OK", [b" ".join(u for u in self.messages if "\\Seen" not in self.flags[u])]
        if command == "FETCH":
            return "OK", [(b"1 (UID " + args[0] + b" BODY[] {1}", self.messages[args[0]]), b")"]
        if command == "STORE":
            self.flags[args[0]].update(args[2].strip("()").split())
            return "OK", [b""]
        raise AssertionError(command)

    def expunge(self):
        self.expunged = True

    def logout(self):
        self.logged_out = True


def test_imap_folder_is_read_when_configured(world, dbsession, monkeypatch):
    request, people, rows, _campaign = world
    settings = request.registry.settings
    messages = {b"7": report("postfix_hard.eml", settings, rows["hard"], people["hard"]),
                b"8": report("out_of_office.eml", settings, rows["away"], people["away"])}

    def connect(host, port, ssl_context=None):
        imap = FakeIMAP(host, port, ssl_context)
        imap.messages = messages
        imap.flags = {uid: set() for uid in messages}
        return imap

    monkeypatch.setattr(inbox.imaplib, "IMAP4_SSL", connect)
    assert bounces.process_bounces(request) == 0  # not configured: IMAP is not touched
    assert FakeIMAP.instances == []
    for key, value in {"bounce_imap_host": "imap.example.org", "bounce_imap_username": "b",
                       "bounce_imap_password": "pw", "bounce_imap_folder": "Bounces"}.items():
        monkeypatch.setitem(settings, f"newsletter.{key}", value)
    assert bounces.process_bounces(request) == 1
    (imap,) = FakeIMAP.instances
    assert (imap.host, imap.port, imap.logged_in, imap.folder) == (
        "imap.example.org", 993, ("b", "pw"), "Bounces")
    assert imap.flags == {b"7": {"\\Deleted", "\\Seen"}, b"8": {"\\Seen"}}
    assert imap.expunged and imap.logged_out
    dbsession.flush()
    dbsession.refresh(people["hard"])
    assert people["hard"].hard_bounced_at is not None
    assert dbsession.scalar(sa.select(Subscriber.soft_bounces).where(
        Subscriber.email == "away@example.cz")) == 0
